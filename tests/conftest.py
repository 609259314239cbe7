"""Shared fixtures: the notebooks' definitions (executed without data or training) and paths."""

import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
DCGAN_NOTEBOOK = ROOT / "dcgan_fashion_mnist.ipynb"
VAE_NOTEBOOK = ROOT / "vae_cifar10.ipynb"

# Running pytest directly (not via `make test`): use the mirror beside the checkout if there is one.
if not os.environ.get("DATASET_MIRROR") and (ROOT.parent / "shared" / "data").is_dir():
    os.environ["DATASET_MIRROR"] = str(ROOT.parent / "shared" / "data")


def load_definitions(notebook: Path) -> dict:
    """Run only the notebook's `parameters` cell and the cells tagged `defs` (imports, models, losses)
    in a fresh namespace, so tests use exactly the code the notebook defines — no data, no training."""
    namespace = {"__name__": f"notebook:{notebook.stem}"}
    for i, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("parameters" in tags or "defs" in tags):
            exec(compile(cell.source, f"{notebook.name}[cell {i}]", "exec"), namespace)
    return namespace


@pytest.fixture(scope="session")
def dcgan():
    return load_definitions(DCGAN_NOTEBOOK)


@pytest.fixture(scope="session")
def vae():
    return load_definitions(VAE_NOTEBOOK)
