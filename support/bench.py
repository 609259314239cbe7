"""`make bench`: how fast one training step of each notebook's own networks runs, measured with
`torch.utils.benchmark` outside the graded notebooks; prints a table and writes results/bench.json.

What is timed (the networks and steps come from the notebooks' `defs` cells via support.notebook_defs,
never from a copy):
- DCGAN (dcgan_fashion_mnist.ipynb): one `gan_step` (D on a real and a fake batch, then G) of
  `Generator(LATENT_DIM, width)` and `Discriminator(width)` with `make_optimizers(G, D, LR)`, at widths 32,
  the notebook's WIDTH, 64 and 128, batch BATCH_SIZE.
- VAE (vae_cifar10.ipynb): one `train_step` (the loss, the running sigma_x, zero_grad, backward, Adam step)
  of `VAE(128, WIDTH, bf16)` (128 latent dimensions: the notebook's sweep picks them), batch BATCH_SIZE.
  Both in four settings: fp32 or bf16 autocast, contiguous or channels_last memory layout.
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
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
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
LAYOUTS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}
WORKERS = 2                  # DataLoader workers of the per-sample pipeline (this machine has 2 cores)
FULL = {"widths": None, "rounds": 5, "min_run_time": 1.0, "images": 50_000}   # widths None: 32, WIDTH, 64, 128
TINY = {"widths": [32], "rounds": 2, "min_run_time": 0.05, "images": 1024}
DATA_NOTE = "random uint8 images of CIFAR-10's shape (content does not change the speed)"


@dataclass
class Case:
    """One row of the table: a callable timed as it is, and what it means."""

    name: str
    fn: Callable[[], object]
    images: int                           # images processed by one call
    info: dict                            # bench, width, batch, precision, layout or pipeline
    baseline: str | None = None           # the row a speed-up is relative to
    warmup: int = 2                       # calls before each measurement, not counted
    measurements: list = field(default_factory=list)


def setting_name(precision: str, layout: str) -> str:
    return precision + (" + channels_last" if layout == "channels_last" else "")


def dcgan_cases(nb: dict, widths: list[int], device: torch.device) -> list[Case]:
    """One `gan_step` per width and setting, on a fixed random batch in [-1, 1] and fixed noise."""
    batch, cases = nb["BATCH_SIZE"], []
    for width in widths:
        for precision, layout in SETTINGS:
            fmt = LAYOUTS[layout]
            torch.manual_seed(0)
            G = nb["Generator"](nb["LATENT_DIM"], width).to(device, memory_format=fmt)
            D = nb["Discriminator"](width).to(device, memory_format=fmt)
            opt_g, opt_d = nb["make_optimizers"](G, D, nb["LR"])
            real = (torch.rand(batch, 1, 28, 28) * 2 - 1).to(device, memory_format=fmt)
            z = torch.randn(batch, nb["LATENT_DIM"]).to(device)

            def step(G=G, D=D, opt_g=opt_g, opt_d=opt_d, real=real, z=z, bf16=precision == "bf16"):
                return nb["gan_step"](G, D, opt_g, opt_d, real, z, bf16)

            cases.append(Case(f"dcgan W={width} {setting_name(precision, layout)}", step, batch,
                              {"bench": "dcgan step", "width": width, "batch": batch, "precision": precision,
                               "layout": layout, "notebook_width": width == nb["WIDTH"]},
                              baseline=f"dcgan W={width} fp32"))
    return cases


def vae_step(nb: dict, precision: str, layout: str, device: torch.device) -> Callable[[torch.Tensor], float]:
    """A fresh VAE and Adam; the returned function does one step of the notebook's training loop on x."""
    fmt = LAYOUTS[layout]
    torch.manual_seed(0)
    model = nb["VAE"](VAE_LATENT, nb["WIDTH"], bf16=precision == "bf16").to(device, memory_format=fmt).train()
    opt = torch.optim.Adam(model.parameters(), lr=nb["LR"])

    def step(x: torch.Tensor) -> torch.Tensor:
        return nb["train_step"](model, opt, x.to(device, memory_format=fmt)).loss  # no host sync, as in the notebook

    return step


def vae_cases(nb: dict, device: torch.device) -> list[Case]:
    batch, cases = nb["BATCH_SIZE"], []
    x = torch.rand(batch, 3, 32, 32)
    for precision, layout in SETTINGS:
        step = vae_step(nb, precision, layout, device)
        cases.append(Case(f"vae W={nb['WIDTH']} {setting_name(precision, layout)}", lambda step=step: step(x), batch,
                          {"bench": "vae step", "width": nb["WIDTH"], "batch": batch, "precision": precision,
                           "layout": layout, "notebook_width": True},
                          baseline=f"vae W={nb['WIDTH']} fp32"))
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
    """`rounds` rounds, each timing every case once with blocked_autorange, in a shuffled order."""
    order, shuffle, start = list(cases), random.Random(0), time.perf_counter()
    for r in range(rounds):
        shuffle.shuffle(order)
        for case in order:
            for _ in range(case.warmup):
                case.fn()
            timer = benchmark.Timer("fn()", globals={"fn": case.fn}, num_threads=threads,
                                    label=case.info["bench"], sub_label=case.name)
            case.measurements.append(timer.blocked_autorange(min_run_time=min_run_time))
        print(f"round {r + 1}/{rounds}: {len(cases)} settings, {time.perf_counter() - start:.0f} s so far",
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
                       f"{setting_name(row['precision'], row['layout'])}")
        s = row.get("speedup")
        speedup = f"{s['median']:.2f}× ({s['q1']:.2f}–{s['q3']:.2f})" if s else "1 (baseline)"
        lines.append(f"| {row['bench']} | {setting} | {row['batch']} | {row['median_s'] * 1e3:.1f} | "
                     f"{row['iqr_s'] * 1e3:.1f} | {row['images_per_s']:,.0f} | {speedup} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="one width, 2 short rounds, 1,024 images (seconds)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench.json")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, mps, or auto (the notebooks' rule)")
    parser.add_argument("--rounds", type=int, help="override the mode's number of rounds")
    parser.add_argument("--min-run-time", type=float, help="override the seconds per setting and round")
    args = parser.parse_args(argv)
    mode = dict(TINY if args.tiny else FULL)
    mode["rounds"] = args.rounds or mode["rounds"]
    mode["min_run_time"] = args.min_run_time or mode["min_run_time"]

    dcgan, vae = load_definitions(DCGAN_NOTEBOOK), load_definitions(VAE_NOTEBOOK)
    device = dcgan["pick_device"](args.device)
    threads = torch.get_num_threads()
    widths = mode["widths"] or sorted({32, dcgan["WIDTH"], 64, 128})
    started = time.perf_counter()
    cases = dcgan_cases(dcgan, widths, device) + vae_cases(vae, device) + pipeline_cases(vae, mode["images"], device)
    print(f"{len(cases)} settings x {mode['rounds']} rounds of >= {mode['min_run_time']} s on {device}, "
          f"{threads} threads", file=sys.stderr, flush=True)
    measure(cases, mode["rounds"], mode["min_run_time"], threads)
    for case in cases:
        check_finite(case)
    rows = summarise(cases)
    report = {
        "what": "one training step of the notebooks' own networks (their defs cells) and the VAE data pipeline; "
                "median and IQR of torch.utils.benchmark blocked_autorange replicates over interleaved rounds",
        "command": "python -m support.bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "created_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "tiny": args.tiny, "rounds": mode["rounds"], "min_run_time_s": mode["min_run_time"],
        "seconds": time.perf_counter() - started,
        "device": str(device), "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "cpu": cpu_description(), "threads": threads, "interop_threads": torch.get_num_interop_threads(),
        "torch": torch.__version__, "torchvision": torchvision.__version__, "python": platform.python_version(),
        "data": DATA_NOTE, "vae_latent_dim": VAE_LATENT,
        "rows": rows,
    }
    text = json.dumps(report, indent=2, allow_nan=False)
    with atomic_write(args.out) as partial:
        partial.write_text(text + "\n")
    cpu = report["cpu"]
    print(f"{cpu['model']} (amx_bf16 {cpu['amx_bf16']}, avx512_bf16 {cpu['avx512_bf16']}), torch {torch.__version__}, "
          f"{threads} threads, device {device}; {mode['rounds']} rounds; {DATA_NOTE} for the data pipeline")
    print(table(rows))
    print(f"wrote {args.out} ({report['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
