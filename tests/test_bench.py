"""`make bench` in its tiny mode: it runs the notebooks' own networks and writes a well-formed table and
results file, with the torch.compile rows (measured, or skipped with the reason where compiling fails) and,
with `--cpu-isa avx2`, as on a CPU without AVX-512/AMX (fp32 rows only). No timing is asserted (the numbers
depend on the machine and its load)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ROOT

from support import bench

SETTINGS = {("fp32", "contiguous"), ("fp32", "channels_last"), ("bf16", "contiguous"), ("bf16", "channels_last")}
HAS_AVX2 = Path("/proc/cpuinfo").is_file() and "avx2" in Path("/proc/cpuinfo").read_text().split()


def positive_finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def run_bench(out: Path, *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    run = subprocess.run([sys.executable, "-m", "support.bench", "--tiny", "--out", str(out), *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(out.read_text()), run


def check_rows_and_table(report: dict, stdout: str) -> None:
    """Every measured row has its numbers (a speed-up unless it is a baseline), every skipped row a reason,
    and the printed table has one line per row."""
    rows = report["rows"]
    for row in rows:
        if "skipped" in row:
            assert row["compiled"] and row["skipped"].startswith("torch.compile"), row
            continue
        for key in ("median_s", "iqr_s", "images_per_s", "replicates"):
            assert key in row, (row["name"], key)
        assert all(positive_finite(row[key]) for key in ("median_s", "images_per_s", "replicates")), row
        assert math.isfinite(row["iqr_s"]) and row["iqr_s"] >= 0, row
        assert len(row["round_medians_s"]) == report["rounds"] and all(map(positive_finite, row["round_medians_s"]))
        is_baseline = ((row.get("precision"), row.get("layout"), row.get("compiled")) == ("fp32", "contiguous", False)
                       or "per-sample" in row["name"])
        assert ("speedup" in row) != is_baseline, row["name"]
        if "speedup" in row:
            s = row["speedup"]
            assert all(positive_finite(s[k]) for k in ("median", "q1", "q3")) and s["q1"] <= s["median"] <= s["q3"]

    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + len(rows)  # header, separator, one line per row
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    for row, line in zip(rows, lines[2:], strict=True):
        assert row["bench"] in line
        assert f"skipped: {row['skipped']}" in line if "skipped" in row else f"{row['median_s'] * 1e3:.1f}" in line


def test_tiny_bench_writes_a_well_formed_table_and_json(tmp_path):
    report, run = run_bench(tmp_path / "bench.json")

    assert report["tiny"] is True and report["device"] == "cpu"
    assert report["cpu"]["model"] and isinstance(report["cpu"]["amx_bf16"], bool)
    assert isinstance(report["cpu"]["avx512_bf16"], bool)
    assert report["threads"] >= 1 and report["threads_option"] is None and report["torch"]
    assert "random uint8" in report["data"]
    assert report["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert report["emulated_cpu_isa"] is None and set(report["cpu_isa_env"]) == set(bench.AVX2_ENV)
    assert report["precisions"] == ["bf16", "fp32"] and report["compile_rows"] is True
    assert report["inductor_cache_dir"].endswith("_" + report["cpu_capability"].lower())
    assert "emulating" not in run.stdout
    rows = report["rows"]
    by_bench = {bench_: [r for r in rows if r["bench"] == bench_]
                for bench_ in ("dcgan step", "vae step", "vae data pipeline")}
    assert sum(len(r) for r in by_bench.values()) == len(rows)
    for step in ("dcgan step", "vae step"):
        eager = [r for r in by_bench[step] if not r["compiled"]]
        assert {(r["precision"], r["layout"]) for r in eager} == SETTINGS and len(eager) == len(SETTINGS)
        [compiled] = [r for r in by_bench[step] if r["compiled"]]  # one torch.compile row per step bench
        assert (compiled["precision"], compiled["layout"]) == ("fp32", "channels_last"), compiled
        assert "torch.compile" in compiled["name"]
        if "skipped" not in compiled:  # compiled here: its warm-up seconds are recorded, not timed
            assert positive_finite(compiled["compile_s"]) and compiled["compile_warmup_calls"] >= 1
            assert compiled["speedup"]["vs"] == compiled["name"].split(" fp32")[0] + " fp32"
    assert {r["width"] for r in by_bench["dcgan step"]} == {32} and {r["batch"] for r in by_bench["dcgan step"]} == {64}
    assert {r["batch"] for r in by_bench["vae step"]} == {128}
    assert {(r["pipeline"].split()[0], r["with_step"]) for r in by_bench["vae data pipeline"]} == {
        (p, s) for p in ("in-memory", "per-sample") for s in (False, True)}
    check_rows_and_table(report, run.stdout)


@pytest.mark.skipif(not HAS_AVX2, reason="emulating an AVX2-only CPU needs a CPU with AVX2")
def test_cpu_isa_avx2_runs_fp32_rows_only_as_on_an_avx2_cpu(tmp_path):
    report, run = run_bench(tmp_path / "bench_avx2.json", "--cpu-isa", "avx2", "--no-compile", "--threads", "1")

    assert report["cpu_capability"] == "AVX2" and report["emulated_cpu_isa"] == "avx2"
    assert report["cpu_isa_env"] == bench.AVX2_ENV
    assert report["threads"] == 1 and report["threads_option"] == 1
    assert report["precisions"] == ["fp32"] and report["compile_rows"] is False
    assert "--cpu-isa avx2" in report["command"]
    steps = [r for r in report["rows"] if r["bench"] != "vae data pipeline"]
    assert {r["precision"] for r in steps} == {"fp32"} and not any(r["compiled"] for r in steps)
    assert {(r["bench"], r["layout"]) for r in steps} == {
        (b, layout) for b in ("dcgan step", "vae step") for layout in ("contiguous", "channels_last")}
    assert "emulating an AVX2-only CPU" in run.stdout and "bf16 rows dropped" in run.stdout
    assert "bf16 |" not in run.stdout and "bf16 +" not in run.stdout
    check_rows_and_table(report, run.stdout)


class BrokenCompiled(torch.nn.Module):
    """What a failed compile looks like at the first call: an error (e.g. no C++ compiler), or NaN output."""

    def __init__(self, module, error: bool):
        super().__init__()
        self.module, self.error = module, error

    def forward(self, *args):
        if self.error:
            raise RuntimeError("InvalidCxxCompiler: No working C++ compiler found")
        return self.module(*args) * float("nan")


@pytest.mark.parametrize("failure", ["at torch.compile", "at the first call", "non-finite output"])
def test_a_failing_compile_gives_a_skipped_row_with_the_reason(dcgan, vae, monkeypatch, failure):
    def fake_compile(module, *args, **kwargs):
        if failure == "at torch.compile":
            raise RuntimeError("Dynamo is not supported on this platform")
        return BrokenCompiled(module, error=failure == "at the first call")

    monkeypatch.setattr(torch, "compile", fake_compile)
    cpu = torch.device("cpu")
    cases = bench.dcgan_cases(dcgan, [32], [], True, cpu)  # no eager settings: the compiled row alone
    if failure == "at torch.compile":
        cases += bench.vae_cases(vae, [], True, cpu)
    assert cases and all(case.fn is None for case in cases)
    expected = {"at torch.compile": "RuntimeError: Dynamo is not supported",
                "at the first call": "RuntimeError: InvalidCxxCompiler",
                "non-finite output": "FloatingPointError: non-finite output"}[failure]
    for case in cases:
        assert case.info["compiled"] and case.info["skipped"].startswith("torch.compile: " + expected), case.info

    bench.measure(cases, rounds=1, min_run_time=0.01, threads=1)  # nothing to time: no error
    rows = bench.summarise(cases)
    assert all("skipped" in row and "median_s" not in row for row in rows)
    lines = bench.table(rows).splitlines()
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    assert all("skipped: torch.compile: " + expected in line for line in lines[2:])
