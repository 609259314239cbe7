"""support.notebook_cells: a notebook split into cell files and joined back is unchanged; moved cells keep
their outputs and tags, new markdown cells get their result spans written out."""

import shutil

import nbformat
from conftest import DCGAN_NOTEBOOK

from support.notebook_cells import join, split


def test_split_and_join_round_trip_and_edits(tmp_path):
    notebook = tmp_path / DCGAN_NOTEBOOK.name
    shutil.copyfile(DCGAN_NOTEBOOK, notebook)
    before = nbformat.read(notebook, as_version=4)
    split(notebook, tmp_path / "cells")
    join(notebook, tmp_path / "cells")
    after = nbformat.read(notebook, as_version=4)
    assert [(c.cell_type, c.source, c.get("outputs")) for c in after.cells] == \
           [(c.cell_type, c.source, c.get("outputs")) for c in before.cells]

    cells = tmp_path / "cells"
    (cells / "002.py").rename(cells / "000a~002.py")                 # move the parameters cell to the second place
    (cells / "000b.md").write_text("Distance ⟦final.frechet_distance|1.0⟧, share ⟦final.min_class_share|5|100⟧.")
    join(notebook, cells)
    moved = nbformat.read(notebook, as_version=4).cells
    assert "parameters" in moved[1].metadata.tags and moved[1].source == before.cells[2].source
    assert moved[2].source == ('Distance <span title="dcgan:final.frechet_distance">1.0</span>, share '
                               '<span title="dcgan:final.min_class_share" data-scale="100">5</span>.')
    assert len(moved) == len(before.cells) + 1
