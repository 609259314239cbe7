"""`make bench`: how fast one training step of each notebook's own networks runs, measured with
`torch.utils.benchmark` outside the graded notebooks; prints a table and writes results/bench.json.

What is timed (the networks and steps come from the notebooks' `defs` cells via support.notebook_defs,
never from a copy):
- DCGAN (dcgan_fashion_mnist.ipynb): one `gan_step` (D on a real and a fake batch, then G) of
  `Generator(LATENT_DIM, width)` and `Discriminator(width)` with `make_optimizers(G, D, LR)`, at widths 32,
  the notebook's WIDTH, 64 and 128, batch BATCH_SIZE.
- VAE (vae_cifar10.ipynb): one `train_step` (the loss, the running sigma_x, zero_grad, backward, Adam step)
  of `VAE(128, WIDTH, bf16)` (128 latent dimensions: the notebook's sweep picks them), batch BATCH_SIZE.
  Both in four settings: fp32 or bf16 autocast, contiguous or channels_last memory layout; and, for what could
  speed up fp32 training on a CPU without native bf16, one more row per step bench: fp32 + channels_last with
  the networks wrapped in `torch.compile` (the DCGAN's G and D each, at the notebook's WIDTH or the tiny mode's
  one width; the VAE model), passed to the same `gan_step`/`train_step`. Its first calls compile (inductor,
  a C++ compiler): their seconds are the row's `compile_s`, not timed, as a notebook pays them once. Where
  compiling fails (no C++ compiler, unsupported platform) the row is reported as skipped, with the reason.
- VAE data pipeline, alone and followed by the fp32 VAE step: what the notebook does (the whole set
  converted to float32 once, then the notebook's `make_loader` slicing shuffled batches of it) against what a user would
  otherwise write, a `torchvision.datasets.CIFAR10`-style Dataset (HWC uint8 numpy image -> PIL ->
  `ToTensor`, per image) in a DataLoader with 2 persistent workers. The images are random uint8 data of
  CIFAR-10's shape (content does not change the speed), so no dataset is needed.

How: every setting is a `torch.utils.benchmark.Timer` run by `blocked_autorange`. The settings are
measured in rounds, each round timing every setting once in a shuffled order, so that noise from other
users of the machine hits all settings alike. Not counted: the first calls of every measurement (a few
explicit warm-up calls, then blocked_autorange's block-size estimate). Per row: the median and IQR of all
replicates of all rounds; a speed-up is the ratio to the row's baseline within each round (the two are
measured minutes apart at most), reported as median and quartiles over the rounds.

    python -m support.bench                 # full run, ~3 min on 2 cores -> results/bench.json
    python -m support.bench --tiny --out /tmp/bench.json   # seconds: one width, tiny data (the test)
    python -m support.bench --device cuda   # on a GPU ("auto": the notebooks' pick_device)
    python -m support.bench --cpu-isa avx2  # as on a CPU without AVX-512/AMX -> results/bench_avx2.json
    python -m support.bench --threads 1     # torch.set_num_threads(1) first (default: torch's choice)

`--cpu-isa avx2` reruns this module in a fresh process with ATEN_CPU_CAPABILITY=avx2 (ATen's and inductor's
kernels), ONEDNN_MAX_CPU_ISA=AVX2 (oneDNN's convolutions) and MKL_ENABLE_INSTRUCTIONS=AVX2 (MKL's matrix
products) set, since they only act when set before torch is imported; the bf16 rows are dropped there (an
AVX2-only CPU has no native bf16, so they would time a software emulation). The report records
`torch.backends.cpu.get_cpu_capability()` and the three variables in either mode. Inductor's on-disk cache
does not tell code built for one ISA from another (here, AVX-512 entries reused under AVX2 gave NaN, and AVX2
entries under AVX-512 crashed the process), so the bench keeps one cache per capability: torch's default
folder with `_<capability>` appended (e.g. /tmp/torchinductor_root_avx2), unless TORCHINDUCTOR_CACHE_DIR is set.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torchvision
from PIL import Image
from torch.utils import benchmark
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import ToTensor, v2

from support.files import atomic_write
from support.notebook_defs import DCGAN_NOTEBOOK, ROOT, VAE_NOTEBOOK, load_definitions

VAE_LATENT = 128             # latent size of the VAE's main run (results/vae/results.json: latent_dim)
SETTINGS = (("fp32", "contiguous"), ("fp32", "channels_last"), ("bf16", "contiguous"), ("bf16", "channels_last"))
COMPILED = ("fp32", "channels_last")   # the setting of the torch.compile row
COMPILE_WARMUP = 3           # calls of the compiled step that compile it (timed as compile_s, not counted)
AVX2_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}
LAYOUTS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}
WORKERS = 2                  # DataLoader workers of the per-sample pipeline (this machine has 2 cores)
FULL = {"widths": None, "rounds": 5, "min_run_time": 1.0, "images": 50_000}   # widths None: 32, WIDTH, 64, 128
TINY = {"widths": [32], "rounds": 2, "min_run_time": 0.05, "images": 1024}
DATA_NOTE = "random uint8 images of CIFAR-10's shape (content does not change the speed)"


@dataclass
class Case:
    """One row of the table: a callable timed as it is, and what it means; fn None: skipped (info["skipped"])."""

    name: str
    fn: Callable[[], object] | None
    images: int                           # images processed by one call
    info: dict                            # bench, width, batch, precision, layout or pipeline
    baseline: str | None = None           # the row a speed-up is relative to
    warmup: int = 2                       # calls before each measurement, not counted
    measurements: list = field(default_factory=list)


def setting_name(precision: str, layout: str, compiled: bool = False) -> str:
    return precision + (" + channels_last" if layout == "channels_last" else "") + (" + torch.compile" if compiled else "")


def inductor_cache_dir(capability: str) -> str:
    """An inductor cache of this CPU capability only (see the module's docstring): TORCHINDUCTOR_CACHE_DIR
    where the user set it, else torch's default folder + `_<capability>`. (Importing torchvision already set
    the variable to the default, so a value equal to the default counts as unset.)"""
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir  # private, hence the fallback
        default = os.path.abspath(default_cache_dir())
    except Exception:
        default = os.path.join(tempfile.gettempdir(), "torchinductor")
    current = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    return current if current and os.path.abspath(current) != default else f"{default}_{capability.lower()}"


def compiled_case(name: str, make_step: Callable[[], Callable[[], object]], images: int, info: dict,
                  baseline: str) -> Case:
    """The torch.compile row: make_step() builds a step of compiled networks, whose first COMPILE_WARMUP calls
    compile them; their seconds are recorded as compile_s and not timed. Any failure to compile (no C++
    compiler, unsupported platform), or a non-finite output of those calls, gives a skipped row with the
    reason instead of stopping the bench."""
    info = {**info, "compiled": True}
    print(f"compiling {name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        step = make_step()
        outputs = [step() for _ in range(COMPILE_WARMUP)]
        if not all(torch.isfinite(out).all() for out in outputs):
            raise FloatingPointError(f"non-finite output of the compiled step: {outputs[-1].tolist()}")
    except Exception as error:  # whatever the cause, this machine has no compiled row: say why
        with contextlib.suppress(Exception):  # where dynamo itself failed, there is nothing to reset
            torch._dynamo.reset()
        message = " ".join(str(error).split())[:200]
        reason = f"torch.compile: {type(error).__name__}{': ' + message if message else ''}".replace("|", "/")
        print(f"  skipped: {reason}", file=sys.stderr, flush=True)
        return Case(name, None, images, {**info, "skipped": reason}, baseline=baseline)
    info["compile_s"] = time.perf_counter() - start
    info["compile_warmup_calls"] = COMPILE_WARMUP
    print(f"  compiled in {info['compile_s']:.1f} s", file=sys.stderr, flush=True)
    return Case(name, step, images, info, baseline=baseline)


def dcgan_step(nb: dict, width: int, precision: str, layout: str, device: torch.device,
               compiled: bool = False) -> Callable[[], torch.Tensor]:
    """Fresh G, D and their Adams; the returned function does one `gan_step` on a fixed random batch in
    [-1, 1] and fixed noise. compiled: G and D each wrapped in torch.compile (the optimisers hold the same
    parameters)."""
    fmt, batch = LAYOUTS[layout], nb["BATCH_SIZE"]
    torch.manual_seed(0)
    G = nb["Generator"](nb["LATENT_DIM"], width).to(device, memory_format=fmt)
    D = nb["Discriminator"](width).to(device, memory_format=fmt)
    opt_g, opt_d = nb["make_optimizers"](G, D, nb["LR"])
    if compiled:
        G, D = torch.compile(G), torch.compile(D)
    real = (torch.rand(batch, 1, 28, 28) * 2 - 1).to(device, memory_format=fmt)
    z = torch.randn(batch, nb["LATENT_DIM"]).to(device)
    bf16 = precision == "bf16"
    return lambda: nb["gan_step"](G, D, opt_g, opt_d, real, z, bf16)


def dcgan_cases(nb: dict, widths: list[int], settings, compile_row: bool, device: torch.device) -> list[Case]:
    """One `gan_step` per width and setting; the torch.compile row at the notebook's WIDTH (the first width
    if WIDTH is not measured, as in the tiny mode)."""
    batch, cases = nb["BATCH_SIZE"], []
    compile_width = nb["WIDTH"] if nb["WIDTH"] in widths else widths[0]
    for width in widths:
        info = {"bench": "dcgan step", "width": width, "batch": batch, "notebook_width": width == nb["WIDTH"]}
        for precision, layout in settings:
            cases.append(Case(f"dcgan W={width} {setting_name(precision, layout)}",
                              dcgan_step(nb, width, precision, layout, device), batch,
                              {**info, "precision": precision, "layout": layout, "compiled": False},
                              baseline=f"dcgan W={width} fp32"))
        if compile_row and width == compile_width:
            cases.append(compiled_case(f"dcgan W={width} {setting_name(*COMPILED, compiled=True)}",
                                       lambda width=width: dcgan_step(nb, width, *COMPILED, device, compiled=True),
                                       batch, {**info, "precision": COMPILED[0], "layout": COMPILED[1]},
                                       f"dcgan W={width} fp32"))
    return cases


def vae_step(nb: dict, precision: str, layout: str, device: torch.device,
             compiled: bool = False) -> Callable[[torch.Tensor], torch.Tensor]:
    """A fresh VAE and Adam; the returned function does one step of the notebook's training loop on x.
    compiled: the model wrapped in torch.compile."""
    fmt = LAYOUTS[layout]
    torch.manual_seed(0)
    model = nb["VAE"](VAE_LATENT, nb["WIDTH"], bf16=precision == "bf16").to(device, memory_format=fmt).train()
    opt = torch.optim.Adam(model.parameters(), lr=nb["LR"])
    net = torch.compile(model) if compiled else model

    def step(x: torch.Tensor) -> torch.Tensor:
        return nb["train_step"](net, opt, x.to(device, memory_format=fmt)).loss  # no host sync, as in the notebook

    return step


def vae_cases(nb: dict, settings, compile_row: bool, device: torch.device) -> list[Case]:
    batch, cases = nb["BATCH_SIZE"], []
    x = torch.rand(batch, 3, 32, 32)
    info = {"bench": "vae step", "width": nb["WIDTH"], "batch": batch, "notebook_width": True}
    for precision, layout in settings:
        step = vae_step(nb, precision, layout, device)
        cases.append(Case(f"vae W={nb['WIDTH']} {setting_name(precision, layout)}", lambda step=step: step(x), batch,
                          {**info, "precision": precision, "layout": layout, "compiled": False},
                          baseline=f"vae W={nb['WIDTH']} fp32"))
    if compile_row:
        def make_step():
            step = vae_step(nb, *COMPILED, device, compiled=True)
            return lambda: step(x)

        cases.append(compiled_case(f"vae W={nb['WIDTH']} {setting_name(*COMPILED, compiled=True)}", make_step, batch,
                                   {**info, "precision": COMPILED[0], "layout": COMPILED[1]},
                                   f"vae W={nb['WIDTH']} fp32"))
    return cases


class CifarStyle(Dataset):
    """What torchvision.datasets.CIFAR10 does per item: HWC uint8 numpy image -> PIL image -> transform."""

    def __init__(self, data: np.ndarray, targets: list[int], transform):
        self.data, self.targets, self.transform = data, targets, transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.data[i])), self.targets[i]


def loader_batches(loader: DataLoader):
    """Endless image batches of a DataLoader (its persistent workers keep running across epochs)."""
    while True:
        for x, *_ in loader:
            yield x


def pipeline_cases(nb: dict, n_images: int, device: torch.device) -> list[Case]:
    """Loading alone, and loading + the fp32 VAE step, for both pipelines. The DataLoader's worker
    processes live until this process exits."""
    batch = nb["BATCH_SIZE"]
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n_images, 3, 32, 32), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 10, (n_images,), generator=g).tolist()
    dataset = CifarStyle(images.permute(0, 2, 3, 1).contiguous().numpy(), labels, ToTensor())  # CIFAR10 keeps HWC
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=WORKERS, persistent_workers=True,
                        drop_last=True, generator=torch.Generator().manual_seed(1))
    in_memory = nb["make_loader"](v2.ToDtype(torch.float32, scale=True)(images), batch_size=batch, seed=2)
    sources = {"in-memory float32 tensor, make_loader (notebook)": loader_batches(in_memory),
               f"per-sample Dataset + DataLoader, {WORKERS} workers": loader_batches(loader)}
    step = vae_step(nb, "fp32", "contiguous", device)
    cases = []
    for with_step in (False, True):
        for pipeline, batches in sources.items():
            what = "loading + fp32 step" if with_step else "loading"
            fn = (lambda b=batches: step(next(b))) if with_step else (lambda b=batches: next(b))
            cases.append(Case(f"vae data: {pipeline}, {what}", fn, batch,
                              {"bench": "vae data pipeline", "pipeline": pipeline, "with_step": with_step,
                               "batch": batch, "images_in_memory": n_images, "data": DATA_NOTE},
                              baseline=f"vae data: per-sample Dataset + DataLoader, {WORKERS} workers, {what}",
                              warmup=2 * WORKERS * 2 + 2))  # empty the workers' prefetch queue (2 per worker)
    return cases


def measure(cases: list[Case], rounds: int, min_run_time: float, threads: int) -> None:
    """`rounds` rounds, each timing every case once with blocked_autorange, in a shuffled order (skipped
    cases: none)."""
    order, shuffle, start = [case for case in cases if case.fn is not None], random.Random(0), time.perf_counter()
    for r in range(rounds):
        shuffle.shuffle(order)
        for case in order:
            for _ in range(case.warmup):
                case.fn()
            timer = benchmark.Timer("fn()", globals={"fn": case.fn}, num_threads=threads,
                                    label=case.info["bench"], sub_label=case.name)
            case.measurements.append(timer.blocked_autorange(min_run_time=min_run_time))
        print(f"round {r + 1}/{rounds}: {len(order)} settings, {time.perf_counter() - start:.0f} s so far",
              file=sys.stderr, flush=True)


def check_finite(case: Case) -> None:
    """A step that produced NaN/inf would be timing something else (e.g. slow denormal arithmetic)."""
    out = case.fn()
    values = out.float().flatten().tolist() if isinstance(out, torch.Tensor) else out if isinstance(out, tuple) \
        else (out,) if isinstance(out, float) else ()
    if not all(math.isfinite(v) for v in values):
        raise FloatingPointError(f"{case.name}: non-finite output {out} after the measurements")


def quartiles(values: list[float]) -> dict:
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(median), "q1": float(q1), "q3": float(q3), "iqr": float(q3 - q1)}


def summarise(cases: list[Case]) -> list[dict]:
    by_name = {case.name: case for case in cases}
    rows = []
    for case in cases:
        if case.fn is None:
            rows.append({"name": case.name, **case.info, "images_per_call": case.images})
            continue
        pooled = benchmark.Measurement.merge(case.measurements)[0]
        row = {"name": case.name, **case.info, "images_per_call": case.images,
               "median_s": pooled.median, "iqr_s": pooled.iqr, "images_per_s": case.images / pooled.median,
               "replicates": len(pooled.times), "round_medians_s": [m.median for m in case.measurements]}
        base = by_name.get(case.baseline)
        if base is not None and base is not case:
            ratios = [b.median / m.median for b, m in zip(base.measurements, case.measurements, strict=True)]
            row["speedup"] = {"vs": base.name, **quartiles(ratios)}
        rows.append(row)
    return rows


def cpu_description() -> dict:
    """CPU model and its native-bf16 flags, read from /proc/cpuinfo (Linux); None where unknown."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return {"model": platform.processor() or platform.machine(), "amx_bf16": None, "avx512_bf16": None}
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.machine())
    flags = next((set(line.split(":", 1)[1].split()) for line in lines if line.startswith("flags")), set())
    return {"model": model, "logical_cpus": os.cpu_count(), "amx_bf16": "amx_bf16" in flags,
            "avx512_bf16": "avx512_bf16" in flags}


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table (the README shows it as printed)."""
    lines = ["| bench | setting | batch | median ms | IQR ms | images/s | speed-up (quartiles) |",
             "|---|---|---:|---:|---:|---:|---|"]
    for row in rows:
        if row["bench"] == "vae data pipeline":
            setting = f"{row['pipeline']}, {'loading + fp32 step' if row['with_step'] else 'loading only'}"
        else:
            setting = (f"W={row['width']}{' (notebook)' if row['notebook_width'] else ''} "
                       f"{setting_name(row['precision'], row['layout'], row['compiled'])}"
                       + (f" (compiled in {row['compile_s']:.0f} s, not timed)" if "compile_s" in row else ""))
        if "skipped" in row:
            lines.append(f"| {row['bench']} | {setting} | {row['batch']} | – | – | – | skipped: {row['skipped']} |")
            continue
        s = row.get("speedup")
        speedup = f"{s['median']:.2f}× ({s['q1']:.2f}–{s['q3']:.2f})" if s else "1 (baseline)"
        lines.append(f"| {row['bench']} | {setting} | {row['batch']} | {row['median_s'] * 1e3:.1f} | "
                     f"{row['iqr_s'] * 1e3:.1f} | {row['images_per_s']:,.0f} | {speedup} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="one width, 2 short rounds, 1,024 images (seconds)")
    parser.add_argument("--out", type=Path, help="results/bench.json (with --cpu-isa avx2: results/bench_avx2.json)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, mps, or auto (the notebooks' rule)")
    parser.add_argument("--rounds", type=int, help="override the mode's number of rounds")
    parser.add_argument("--min-run-time", type=float, help="override the seconds per setting and round")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads(N) before anything runs")
    parser.add_argument("--no-compile", action="store_true", help="leave out the torch.compile rows")
    parser.add_argument("--cpu-isa", choices=["avx2"], help="run as on a CPU without AVX-512/AMX (fp32 rows only)")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    emulate = args.cpu_isa == "avx2"
    if emulate and any(os.environ.get(name) != value for name, value in AVX2_ENV.items()):
        # the variables act only when set before torch is imported: the same command again, in a fresh process
        print(f"re-running with {' '.join(f'{k}={v}' for k, v in AVX2_ENV.items())}", file=sys.stderr, flush=True)
        return subprocess.run([sys.executable, "-m", "support.bench", *argv], cwd=ROOT,
                              env={**os.environ, **AVX2_ENV}).returncode
    out = args.out or ROOT / "results" / ("bench_avx2.json" if emulate else "bench.json")
    mode = dict(TINY if args.tiny else FULL)
    mode["rounds"] = args.rounds or mode["rounds"]
    mode["min_run_time"] = args.min_run_time or mode["min_run_time"]
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = [s for s in SETTINGS if s[0] == "fp32"] if emulate else SETTINGS  # no native bf16 on AVX2
    capability = torch.backends.cpu.get_cpu_capability()
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = inductor_cache_dir(capability)  # read when compiling
    isa_note = (f"emulating an AVX2-only CPU: {', '.join(f'{k}={v}' for k, v in AVX2_ENV.items())}, torch CPU "
                f"capability {capability}; bf16 rows dropped (no native bf16 there)") if emulate else None

    dcgan, vae = load_definitions(DCGAN_NOTEBOOK), load_definitions(VAE_NOTEBOOK)
    device = dcgan["pick_device"](args.device)
    threads = torch.get_num_threads()
    widths = mode["widths"] or sorted({32, dcgan["WIDTH"], 64, 128})
    if isa_note:
        print(isa_note, file=sys.stderr, flush=True)
    started = time.perf_counter()
    compile_rows = not args.no_compile
    cases = (dcgan_cases(dcgan, widths, settings, compile_rows, device) + vae_cases(vae, settings, compile_rows, device)
             + pipeline_cases(vae, mode["images"], device))
    print(f"{len(cases)} settings x {mode['rounds']} rounds of >= {mode['min_run_time']} s on {device}, "
          f"{threads} threads", file=sys.stderr, flush=True)
    measure(cases, mode["rounds"], mode["min_run_time"], threads)
    for case in cases:
        if case.fn is not None:
            check_finite(case)
    rows = summarise(cases)
    report = {
        "what": "one training step of the notebooks' own networks (their defs cells) and the VAE data pipeline; "
                "median and IQR of torch.utils.benchmark blocked_autorange replicates over interleaved rounds",
        "command": "python -m support.bench " + " ".join(argv),
        "created_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "tiny": args.tiny, "rounds": mode["rounds"], "min_run_time_s": mode["min_run_time"],
        "seconds": time.perf_counter() - started,
        "device": str(device), "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "cpu": cpu_description(), "cpu_capability": capability, "emulated_cpu_isa": args.cpu_isa,
        "cpu_isa_env": {name: os.environ.get(name) for name in AVX2_ENV},
        "precisions": sorted({precision for precision, _ in settings}), "compile_rows": compile_rows,
        "inductor_cache_dir": os.environ["TORCHINDUCTOR_CACHE_DIR"] if compile_rows else None,
        "threads": threads, "threads_option": args.threads, "interop_threads": torch.get_num_interop_threads(),
        "torch": torch.__version__, "torchvision": torchvision.__version__, "python": platform.python_version(),
        "data": DATA_NOTE, "vae_latent_dim": VAE_LATENT,
        "rows": rows,
    }
    text = json.dumps(report, indent=2, allow_nan=False)
    with atomic_write(out) as partial:
        partial.write_text(text + "\n")
    cpu = report["cpu"]
    if isa_note:
        print(isa_note)
    print(f"{cpu['model']} (amx_bf16 {cpu['amx_bf16']}, avx512_bf16 {cpu['avx512_bf16']}), torch CPU capability "
          f"{capability}, torch {torch.__version__}, {threads} threads, device {device}; {mode['rounds']} rounds; "
          f"{DATA_NOTE} for the data pipeline")
    print(table(rows))
    print(f"wrote {out} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
