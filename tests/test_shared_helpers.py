"""The helpers both notebooks need are one copy: each notebook must run alone, so each carries its own,
but a name defined in both notebooks means the same code (as vendored code is checked against its
source). Task-specific functions carry task-specific names (`score_generator`, `score_vae`, ...)."""

import ast
import json

import nbformat
import pytest
import torch
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


@pytest.mark.parametrize("name", ["results.json", "generator.pt2", "main.pt"])
def test_atomic_save_writes_whole_files_or_nothing(vae, tmp_path, name):
    """JSON for .json, torch.export.save for an exported program, torch.save otherwise; a failure before the
    rename leaves the old file as it was and no temporary file."""
    path = tmp_path / "sub" / name
    if name.endswith(".json"):
        obj, bad = {"a": 1}, {"a": object()}
    elif name.endswith(".pt2"):
        obj = torch.export.export(torch.nn.Linear(2, 1), (torch.randn(3, 2),))
        bad = None
    else:
        obj, bad = {"w": torch.ones(2)}, None
    vae["atomic_save"](obj, path)
    if name.endswith(".json"):
        assert json.loads(path.read_text()) == obj
        with pytest.raises(TypeError):
            vae["atomic_save"](bad, path)
        assert json.loads(path.read_text()) == obj
    elif name.endswith(".pt2"):
        assert torch.export.load(path).module()(torch.ones(3, 2)).shape == (3, 1)
    else:
        assert torch.equal(torch.load(path)["w"], torch.ones(2))
    assert [p.name for p in path.parent.iterdir()] == [name]


def test_time_estimate_adds_the_work_left_to_the_time_so_far(vae, capsys):
    total = vae["print_time_estimate"](60.0, {"run": 30.0, "epoch": 10.0}, {"run": 4, "epoch": 3})
    assert total == 60 + 4 * 30 + 3 * 10
    assert "about 4 min (1.0 min so far" in capsys.readouterr().out
