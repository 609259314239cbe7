"""The graded notebooks follow the sheet: its sections in order, plumbing in Setup, a lean path between
the sheet's bullets, one parameters cell, everything beyond the sheet in one appendix after them (then only
the saved artifacts)."""

import re

import nbformat
import pytest
from conftest import DCGAN_NOTEBOOK, VAE_NOTEBOOK

SHEET = {DCGAN_NOTEBOOK: ["1.1", "1.2", "1.3", "1.4"], VAE_NOTEBOOK: ["2.1", "2.2", "2.3", "2.4"]}
MAX_PATH_LINES = 450  # non-blank code lines from the sheet's first section to the appendix
MAX_CELL_LINES = 40   # non-blank lines of one code cell: one idea per cell


def headings(cells):
    """(cell index, heading text) of every level-2 markdown heading."""
    return [(i, m.group(1)) for i, c in enumerate(cells) if c.cell_type == "markdown"
            for m in re.finditer(r"^## (.+)$", c.source, re.M)]


@pytest.mark.parametrize("notebook", list(SHEET), ids=lambda p: p.stem)
def test_sheet_sections_in_order_then_one_appendix(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    found = [text.split()[0] for _, text in headings(cells)]
    sections = [n for n in found if re.fullmatch(r"\d\.\d", n)]
    assert sections == SHEET[notebook]
    assert found.count("Beyond") == 1 and found.index("Beyond") > found.index(sections[-1]), "one appendix, after"
    assert found[found.index("Beyond") + 1:] in ([], ["Artifacts"]), "after the appendix only the saved artifacts"


@pytest.mark.parametrize("notebook", list(SHEET), ids=lambda p: p.stem)
def test_the_sheets_path_is_lean(notebook):
    """Plumbing (imports, bookkeeping, data download, checkpoints) sits in Setup, before the sheet's first
    section, so a grader reads at most MAX_PATH_LINES lines of code between the sheet's bullets."""
    cells = nbformat.read(notebook, as_version=4).cells
    marks = headings(cells)
    first = next(i for i, text in marks if text.split()[0] in ("1", SHEET[notebook][0]))
    appendix = next(i for i, text in marks if text.startswith("Beyond the sheet"))
    lines = sum(1 for c in cells[first:appendix] if c.cell_type == "code"
                for line in c.source.splitlines() if line.strip())
    assert lines <= MAX_PATH_LINES, f"{notebook.name}: {lines} code lines on the sheet's path"


@pytest.mark.parametrize("notebook", list(SHEET), ids=lambda p: p.stem)
def test_one_parameters_cell(notebook):
    tags = [c.metadata.get("tags", []) for c in nbformat.read(notebook, as_version=4).cells]
    assert sum("parameters" in t for t in tags) == 1
    assert not any("injected-parameters" in t for t in tags), "make run leaves no papermill cell behind"


@pytest.mark.parametrize("notebook", list(SHEET), ids=lambda p: p.stem)
def test_short_code_cells(notebook):
    cells = nbformat.read(notebook, as_version=4).cells
    long = {i: n for i, c in enumerate(cells) if c.cell_type == "code"
            and (n := sum(1 for line in c.source.splitlines() if line.strip())) > MAX_CELL_LINES}
    assert not long, f"{notebook.name}: code cells over {MAX_CELL_LINES} lines (cell: lines) {long}"
