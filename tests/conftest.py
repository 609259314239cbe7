"""Shared fixtures and helpers: the notebooks' definitions (executed without data or training), and
running a notebook on its own in a folder, the way a student runs it from the unpacked submission."""

import math
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from support.answer_numbers import find_spans, notebook_markdown, resolve
from support.notebook_defs import DCGAN_NOTEBOOK, ROOT, VAE_NOTEBOOK, load_definitions

MAX_EXPORT_BYTES = 5_000_000  # an exported model holds the weights only (a few MB), no example data
CLOSED_PORT_PROXY = "http://127.0.0.1:9"  # nothing listens on the discard port: every download fails fast

# Running pytest directly (not via `make test`): use the mirror beside the checkout if there is one.
if not os.environ.get("DATASET_MIRROR") and (ROOT.parent / "shared" / "data").is_dir():
    os.environ["DATASET_MIRROR"] = str(ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def dcgan():
    return load_definitions(DCGAN_NOTEBOOK)


@pytest.fixture(scope="session")
def vae():
    return load_definitions(VAE_NOTEBOOK)


@contextmanager
def environment(changes: dict):
    """Set (str) or remove (None) environment variables for the block; the kernel inherits them."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in changes.items():
            if value is None:
                mp.delenv(name, raising=False)
            else:
                mp.setenv(name, value)
        yield


def run_alone(notebook: Path, folder: Path, parameters: dict, env: dict | None = None) -> Path:
    """Execute ``notebook`` in place inside ``folder`` with papermill and the project's `python3` kernel,
    working directory ``folder``; returns the executed copy. The notebook is copied there first unless
    it is already there. No output folders are passed: the notebook's relative defaults (`data`,
    `runs/...`, `results/...`, `checkpoints/...`) land inside ``folder``. ``env`` changes the kernel's
    environment (see ``environment``). A failing cell raises PapermillExecutionError; the executed
    copy, with the error output, is written anyway."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / notebook.name
    if notebook.resolve() != target.resolve():
        shutil.copyfile(notebook, target)
    with environment(env or {}):
        pm.execute_notebook(target, target, parameters=parameters, cwd=str(folder), kernel_name="python3",
                            progress_bar=False, log_output=False)
    return target


def error_outputs(path: Path) -> list:
    """The error outputs saved in an executed notebook, in cell order."""
    return [out for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def assert_data_unavailable_offline(notebook: Path, folder: Path) -> None:
    """Without DATASET_MIRROR and without network (every proxy points at a closed port), the notebook
    stops at its data cell with one short DatasetUnavailable naming DATASET_MIRROR and the download,
    and nothing half-written stays in its data folder."""
    offline = {"DATASET_MIRROR": None, "no_proxy": None, "NO_PROXY": None,
               **dict.fromkeys(("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"), CLOSED_PORT_PROXY)}
    with pytest.raises(pm.PapermillExecutionError):
        run_alone(notebook, folder, {"PROGRESS": False}, env=offline)
    errors = error_outputs(folder / notebook.name)
    assert len(errors) == 1, errors
    assert errors[0].ename == "DatasetUnavailable", (errors[0].ename, errors[0].evalue)
    message = errors[0].evalue
    assert "DATASET_MIRROR" in message and "download" in message.lower(), message
    assert len(message) <= 500 and message.count("\n") <= 2, f"not a short message:\n{message}"
    data = folder / "data"
    leftovers = [p for p in data.rglob("*") if p.is_file()] if data.exists() else []
    assert not leftovers, f"half-written files left in data/: {leftovers}"


def exports_too_large(folder: Path) -> dict[str, int]:
    """Every ``*.pt2`` under ``folder`` larger than MAX_EXPORT_BYTES, with its size."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*.pt2"))
            if p.stat().st_size > MAX_EXPORT_BYTES}


def events(folder):
    acc = EventAccumulator(str(folder), size_guidance={"images": 0, "scalars": 0})
    acc.Reload()
    return acc


def finite_numbers(obj):
    if isinstance(obj, dict):
        return all(finite_numbers(v) for v in obj.values())
    if isinstance(obj, list):
        return all(finite_numbers(v) for v in obj)
    return not isinstance(obj, float) or math.isfinite(obj)


def assert_clean_outputs(path):
    """Every code cell ran once, in order, with no error output and no warning on stderr."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", out
            if out.output_type == "stream":
                assert out.name == "stdout" or "Warning" not in out.text, out.text
    estimates = [i for i, c in enumerate(code) for out in c.outputs
                 if "expected total run time on this machine: about" in out.get("text", "")]
    main_run = next(i for i, c in enumerate(code) for out in c.outputs if "main epoch" in out.get("text", ""))
    assert len(estimates) == 1 and estimates[0] < main_run, "one run-time estimate, before the main run"


def unresolved_prose_keys(task: str, results: dict, skip: dict[str, str]) -> tuple[list[str], set[str]]:
    """Fill the committed prose of `task` (answers.md and the task's notebook) from other `results`, e.g.
    a tiny run's: the keys that cannot be resolved, and the keys skipped because they match a pattern of
    `skip` (regular expression -> why a tiny run leaves that part out)."""
    notebook = {"dcgan": DCGAN_NOTEBOOK, "vae": VAE_NOTEBOOK}[task]
    unresolved, skipped = [], set()
    for text in ((ROOT / "answers.md").read_text(encoding="utf-8"), notebook_markdown(notebook)):
        for span in find_spans(text):
            source, _, path = span.key.partition(":")
            if source != task:
                continue
            if any(re.search(pattern, path) for pattern in skip):
                skipped.add(span.key)
            elif resolve(span, {task: results})[1]:
                unresolved.append(f"{span.key}: {resolve(span, {task: results})[1]}")
    return unresolved, skipped
