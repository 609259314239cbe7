"""The helpers both notebooks need are one copy: each notebook must run alone, so each carries its own,
but a name defined in both notebooks means the same code (as vendored code is checked against its
source). Task-specific functions carry task-specific names (`score_generator`, `score_vae`, ...)."""

import ast

import nbformat
from conftest import DCGAN_NOTEBOOK, VAE_NOTEBOOK


def top_level_definitions(notebook) -> dict[str, str]:
    """{name: source} of every function and class defined at the top level of the notebook's code cells."""
    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "code":
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    found[node.name] = ast.get_source_segment(cell.source, node)
    return found


def test_a_name_defined_in_both_notebooks_is_the_same_code():
    dcgan, vae = top_level_definitions(DCGAN_NOTEBOOK), top_level_definitions(VAE_NOTEBOOK)
    shared = sorted(set(dcgan) & set(vae))
    assert {"pick_device", "derived_seed", "cpu_info", "check_finite", "lead_verdict", "show_grid",
            "make_loader", "DatasetUnavailable"} <= set(shared), shared
    differing = [name for name in shared if dcgan[name] != vae[name]]
    assert not differing, f"defined in both notebooks but different: {differing}"
