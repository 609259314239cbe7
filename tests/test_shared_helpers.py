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


SAVED = {  # file name -> (object, how to read it back, what it should give)
    "main.pt": ({"w": torch.ones(2)}, lambda path: torch.load(path)["w"].tolist(), [1.0, 1.0]),
    "results.json": ({"a": 1}, lambda path: json.loads(path.read_text()), {"a": 1}),
    "generator.pt2": (torch.export.export(torch.nn.Linear(2, 1), (torch.randn(3, 2),)),
                      lambda path: tuple(torch.export.load(path).module()(torch.ones(3, 2)).shape), (3, 1)),
}


@pytest.mark.parametrize("name", list(SAVED))
def test_atomic_save_writes_the_right_format_and_no_temporary_file(vae, tmp_path, name):
    """torch.save, JSON for .json, torch.export.save for an exported program; only the file itself is left."""
    obj, read, expected = SAVED[name]
    path = tmp_path / "sub" / name
    vae["atomic_save"](obj, path)
    assert read(path) == expected
    assert [p.name for p in path.parent.iterdir()] == [name]


def test_atomic_save_keeps_the_old_file_when_writing_fails(vae, tmp_path):
    path = tmp_path / "results.json"
    vae["atomic_save"]({"a": 1}, path)
    with pytest.raises(TypeError):
        vae["atomic_save"]({"a": object()}, path)  # not serialisable: nothing is written
    assert json.loads(path.read_text()) == {"a": 1} and [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_bf16_rule_and_manifest(vae):
    cpu = torch.device("cpu")
    assert vae["pick_bf16"]("auto", cpu) == vae["cpu_info"]()[1]
    assert vae["pick_bf16"](True, cpu) is True and vae["pick_bf16"](False, cpu) is False
    manifest = vae["run_manifest"](cpu, True, channels_last=False)
    assert manifest["precision"] == "bfloat16 autocast" and manifest["bf16_autocast"] is True
    assert vae["run_manifest"](cpu, False, channels_last=True)["precision"] == "float32, channels_last"
    assert manifest["cpu_capability"] == torch.backends.cpu.get_cpu_capability() and manifest["cpu"]
    assert manifest["params"]["BATCH_SIZE"] == vae["BATCH_SIZE"]


def test_time_estimate_adds_the_work_left_to_the_time_so_far(vae, capsys):
    total = vae["print_time_estimate"](60.0, {"run": 30.0, "epoch": 10.0}, {"run": 4, "epoch": 3})
    assert total == 60 + 4 * 30 + 3 * 10
    assert "about 4 min (1.0 min so far" in capsys.readouterr().out
