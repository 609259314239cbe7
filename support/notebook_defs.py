"""The notebooks' own definitions, without data or training: run only the `parameters` cell and the
cells tagged `defs` (imports, models, losses, training steps) in a fresh namespace.

Used by the tests (tests/conftest.py) and by the benchmark (support/bench.py), so both exercise exactly
the code the notebooks define instead of a copy of it."""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("dcgan_fashion_mnist.ipynb", "vae_cifar10.ipynb")  # the task notebooks, in the project root
DCGAN_NOTEBOOK, VAE_NOTEBOOK = (ROOT / name for name in NOTEBOOKS)


def load_definitions(notebook: Path) -> dict:
    """Run only the notebook's `parameters` cell and the cells tagged `defs` (imports, models, losses)
    in a fresh namespace, so callers use exactly the code the notebook defines — no data, no training."""
    namespace = {"__name__": f"notebook:{Path(notebook).stem}"}
    for i, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("parameters" in tags or "defs" in tags):
            exec(compile(cell.source, f"{Path(notebook).name}[cell {i}]", "exec"), namespace)
    return namespace
