"""`make bench` in its tiny mode: it runs the notebooks' own networks and writes a well-formed table and
results file. No timing is asserted (the numbers depend on the machine and its load)."""

import json
import math
import subprocess
import sys

from conftest import ROOT

SETTINGS = {("fp32", "contiguous"), ("fp32", "channels_last"), ("bf16", "contiguous"), ("bf16", "channels_last")}


def positive_finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def test_tiny_bench_writes_a_well_formed_table_and_json(tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, "-m", "support.bench", "--tiny", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())

    assert report["tiny"] is True and report["device"] == "cpu"
    assert report["cpu"]["model"] and isinstance(report["cpu"]["amx_bf16"], bool)
    assert isinstance(report["cpu"]["avx512_bf16"], bool)
    assert report["threads"] >= 1 and report["torch"] and "random uint8" in report["data"]
    rows = report["rows"]
    by_bench = {bench: [r for r in rows if r["bench"] == bench]
                for bench in ("dcgan step", "vae step", "vae data pipeline")}
    assert sum(len(r) for r in by_bench.values()) == len(rows)
    assert {(r["precision"], r["layout"]) for r in by_bench["dcgan step"]} == SETTINGS
    assert {r["width"] for r in by_bench["dcgan step"]} == {32} and {r["batch"] for r in by_bench["dcgan step"]} == {64}
    assert {(r["precision"], r["layout"]) for r in by_bench["vae step"]} == SETTINGS
    assert {r["batch"] for r in by_bench["vae step"]} == {128}
    assert {(r["pipeline"].split()[0], r["with_step"]) for r in by_bench["vae data pipeline"]} == {
        (p, s) for p in ("in-memory", "per-sample") for s in (False, True)}
    for row in rows:
        for key in ("median_s", "iqr_s", "images_per_s", "replicates"):
            assert key in row, (row["name"], key)
        assert all(positive_finite(row[key]) for key in ("median_s", "images_per_s", "replicates")), row
        assert math.isfinite(row["iqr_s"]) and row["iqr_s"] >= 0, row
        assert len(row["round_medians_s"]) == report["rounds"] and all(map(positive_finite, row["round_medians_s"]))
        is_baseline = (row.get("precision"), row.get("layout")) == ("fp32", "contiguous") or "per-sample" in row["name"]
        assert ("speedup" in row) != is_baseline, row["name"]
        if "speedup" in row:
            s = row["speedup"]
            assert all(positive_finite(s[k]) for k in ("median", "q1", "q3")) and s["q1"] <= s["median"] <= s["q3"]

    lines = [line for line in run.stdout.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + len(rows)  # header, separator, one line per row
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    for row, line in zip(rows, lines[2:], strict=True):
        assert f"{row['median_s'] * 1e3:.1f}" in line and row["bench"] in line
