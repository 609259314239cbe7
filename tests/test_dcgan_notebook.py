"""The DCGAN notebook executed end to end in a tiny configuration from the unpacked draft submission
zip, and checks of what it produces: no errors or warnings in the outputs, TensorBoard logs with the
expected tags, finite result files, a small exported generator that loads and runs without the
notebook, resuming from a checkpoint, and the short error when no data can be had."""

import json
import zipfile

import pytest
import torch
from conftest import (
    DCGAN_NOTEBOOK,
    ROOT,
    VAE_NOTEBOOK,
    assert_clean_outputs,
    assert_data_unavailable_offline,
    events,
    exports_too_large,
    finite_numbers,
    run_alone,
    unresolved_prose_keys,
)

from support.submission import build

TINY_DCGAN = {"SUBSET": 512, "EPOCHS": 2, "INIT_SUBSET": 256, "INIT_EPOCHS": 2, "INIT_SEEDS": 2,
              "CLASSIFIER_EPOCHS": 1, "EVAL_SAMPLES": 256, "PROGRESS": False}


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    """The tiny run, from the draft submission: `support.submission` packs the draft zip, which is
    unpacked into an empty folder, and the notebook runs there (working directory; its default
    relative data, runs, results and checkpoint folders). One run serves the zip test and every output
    check below, to save CI time; the VAE notebook runs alone in an empty folder instead."""
    tmp = tmp_path_factory.mktemp("dcgan")
    with zipfile.ZipFile(build(ROOT, draft=True, dist=tmp / "dist")) as zf:
        zf.extractall(tmp / "unpacked")
    run_alone(tmp / "unpacked" / DCGAN_NOTEBOOK.name, tmp / "unpacked", TINY_DCGAN)
    return tmp / "unpacked"


def test_draft_zip_holds_the_submission_only(dcgan_run):
    """What the notebook ran from: the PDF, both notebooks and the screenshots, no project module."""
    (zip_path,) = (dcgan_run.parent / "dist").glob("*.zip")
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
    assert {"answers.pdf", DCGAN_NOTEBOOK.name, VAE_NOTEBOOK.name} <= names
    others = names - {"answers.pdf", DCGAN_NOTEBOOK.name, VAE_NOTEBOOK.name}
    assert others and all(n.startswith("screenshots/") and n.endswith(".png") for n in others), others


def test_dcgan_notebook_runs_cleanly(dcgan_run):
    assert_clean_outputs(dcgan_run / DCGAN_NOTEBOOK.name)


def test_dcgan_tensorboard_log(dcgan_run):
    runs = dcgan_run / "runs" / "dcgan"
    main = events(runs / "main")
    assert {"train/loss_D", "train/loss_G", "train/D_x", "train/D_G_z", "epoch/frechet_distance"} <= set(
        main.Tags()["scalars"])
    results = json.loads((dcgan_run / "results" / "dcgan" / "results.json").read_text())
    batch_size = results["manifest"]["params"]["BATCH_SIZE"]
    assert len(main.Scalars("train/loss_D")) == 2 * (512 // batch_size)  # one point per iteration
    assert [e.step for e in main.Images("fixed_noise")] == [1, 2]  # one grid per epoch
    for scheme in ("dcgan", "default", "xavier"):
        for seed in (0, 1):
            assert "train/loss_G" in events(runs / f"init_{scheme}_seed{seed}").Tags()["scalars"]


def test_dcgan_results_and_checkpoint(dcgan_run):
    results_dir = dcgan_run / "results" / "dcgan"
    results = json.loads((results_dir / "results.json").read_text())
    assert finite_numbers(results) and results["time_estimate_minutes"] > 0
    assert results["splits"]["validation"] == 10_000 and results["splits"]["train"] == 512
    assert [e["epoch"] for e in results["epochs"]] == [1, 2]
    study = results["init_study"]
    assert study["split"] == "validation" and study["best"] in ("dcgan", "default", "xavier")
    assert sorted((r["scheme"], r["seed"]) for r in study["runs"]) == sorted(
        (s, r) for s in ("dcgan", "default", "xavier") for r in (0, 1))
    assert all([e["epoch"] for e in r["epochs"]] == [1, 2] for r in study["runs"])  # every epoch evaluated
    others = {"dcgan", "default", "xavier"} - {study["best"]}
    assert sorted((v["epoch"], v["vs"]) for v in study["verdicts"]) == sorted((e, o) for e in (1, 2) for o in others)
    assert set(study["std"]["dcgan"]) >= {"frechet_distance", "D_x", "D_G_z"}
    manifest = results["manifest"]
    assert manifest["cpu"] and isinstance(manifest["cpu_native_bf16"], bool)
    assert {"frechet_distance", "mean_confidence", "seconds"} <= set(results["epochs"][-1])
    final = results["final"]
    assert final["split"] == "test"
    for key in ("frechet_distance", "class_entropy", "min_class_share", "mean_confidence", "floor"):
        assert key in final
    assert 0 <= final["class_entropy"] <= 1 and len(final["per_class"]) == 10
    d_vs_classifier = results["discriminator_vs_classifier"]
    assert -1 <= d_vs_classifier["spearman"] <= 1
    assert [q["quarter by D logit"] for q in d_vs_classifier["by_quarter"]] == ["lowest", "second", "third", "highest"]
    assert results["epochs"][0]["seconds"] > 0
    for figure in ("samples_unsorted.png", "samples_by_class.png", "losses.png", "init_study.png",
                   "fixed_noise_progression.png"):
        assert (results_dir / figure).stat().st_size > 1000
    checkpoint = dcgan_run / "checkpoints" / "dcgan" / "main.pt"
    assert torch.load(checkpoint, weights_only=False)["epoch"] == 2


def test_the_committed_prose_fills_from_another_run(dcgan_run):
    """Every key the DCGAN prose quotes (notebook and answers.md) resolves in the tiny run's results, i.e.
    after any rerun `make fill` can rewrite it; only epochs the tiny run does not train are skipped."""
    results = json.loads((dcgan_run / "results" / "dcgan" / "results.json").read_text())
    unresolved, skipped = unresolved_prose_keys("dcgan", results, {
        r"^epochs\.([2-9]|\d\d)\.": "the tiny run trains 2 epochs; the prose also quotes epoch 10"})
    assert not unresolved, unresolved
    print("skipped (not in a 2-epoch run):", sorted(skipped))


def test_exported_generator_is_small_and_samples(dcgan_run):
    path = dcgan_run / "results" / "dcgan" / "generator.pt2"
    assert not exports_too_large(dcgan_run), "exported models must hold the weights only"
    G = torch.export.load(path).module()
    images = G(torch.randn(3, 64))
    assert images.shape == (3, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1


def test_dcgan_main_run_resumes_from_its_checkpoint(dcgan_run, tmp_path):
    """Run the notebook again in the same folder with RESUME and one more epoch: the main run
    continues after epoch 2 instead of starting over (runs last: it extends dcgan_run's outputs), and
    its third epoch is the one an uninterrupted three-epoch run trains (same data order and noise)."""
    executed = run_alone(dcgan_run / DCGAN_NOTEBOOK.name, dcgan_run, {**TINY_DCGAN, "EPOCHS": 3, "RESUME": True})
    assert "resumed main after epoch 2" in executed.read_text()
    results = json.loads((dcgan_run / "results" / "dcgan" / "results.json").read_text())
    assert [e["epoch"] for e in results["epochs"]] == [1, 2, 3]
    assert [e.step for e in events(dcgan_run / "runs" / "dcgan" / "main").Images("fixed_noise")] == [1, 2, 3]
    run_alone(dcgan_run / DCGAN_NOTEBOOK.name, tmp_path, {**TINY_DCGAN, "EPOCHS": 3})
    straight = json.loads((tmp_path / "results" / "dcgan" / "results.json").read_text())
    for key in ("loss_D", "loss_G", "D_x", "frechet_distance"):
        assert results["epochs"][2][key] == straight["epochs"][2][key], key


def test_without_mirror_or_network_the_data_cell_fails_clearly(tmp_path):
    assert_data_unavailable_offline(DCGAN_NOTEBOOK, tmp_path)
