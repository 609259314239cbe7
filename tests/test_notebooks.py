"""Both notebooks executed end to end in a tiny configuration, and checks of what they produce:
no errors or warnings in the outputs, TensorBoard logs with the expected tags, finite result files,
exported models that load and run without the notebook."""

import json
import math

import nbformat
import papermill as pm
import pytest
import torch
from conftest import DCGAN_NOTEBOOK, ROOT, VAE_NOTEBOOK
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

TINY_DCGAN = {"SUBSET": 512, "EPOCHS": 2, "INIT_SUBSET": 256, "INIT_EPOCHS": 1, "CLASSIFIER_EPOCHS": 1,
              "EVAL_SAMPLES": 256, "THROUGHPUT_STEPS": 2, "PROGRESS": False}
TINY_VAE = {"SUBSET": 512, "EPOCHS": 2, "SWEEP_SUBSET": 256, "SWEEP_EPOCHS": 1, "SWEEP_LATENTS": [4, 8],
            "PIPELINE_BATCHES": 2, "PROGRESS": False}


def execute(notebook, out, parameters):
    params = {**parameters, "RUNS_DIR": str(out / "runs"), "RESULTS_DIR": str(out / "results"),
              "CHECKPOINT_DIR": str(out / "checkpoints")}
    pm.execute_notebook(notebook, out / notebook.name, parameters=params, cwd=str(ROOT),
                        kernel_name="python3", progress_bar=False, log_output=False)
    return out


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    return execute(DCGAN_NOTEBOOK, tmp_path_factory.mktemp("dcgan"), TINY_DCGAN)


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    return execute(VAE_NOTEBOOK, tmp_path_factory.mktemp("vae"), TINY_VAE)


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
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", out
            if out.output_type == "stream":
                assert out.name == "stdout" or "Warning" not in out.text, out.text


def test_dcgan_notebook_runs_cleanly(dcgan_run):
    assert_clean_outputs(dcgan_run / DCGAN_NOTEBOOK.name)


def test_dcgan_tensorboard_log(dcgan_run):
    main = events(dcgan_run / "runs" / "main")
    assert {"train/loss_D", "train/loss_G", "train/D_x", "train/D_G_z", "epoch/frechet_distance"} <= set(
        main.Tags()["scalars"])
    assert len(main.Scalars("train/loss_D")) == 2 * (512 // 128)  # one point per iteration
    assert [e.step for e in main.Images("fixed_noise")] == [1, 2]  # one grid per epoch
    for scheme in ("dcgan", "default", "xavier"):
        assert "train/loss_G" in events(dcgan_run / "runs" / f"init_{scheme}").Tags()["scalars"]


def test_dcgan_results_and_checkpoint(dcgan_run):
    results = json.loads((dcgan_run / "results" / "results.json").read_text())
    assert finite_numbers(results)
    assert [e["epoch"] for e in results["epochs"]] == [1, 2]
    assert results["init_study"]["best"] in ("dcgan", "default", "xavier")
    for key in ("frechet_distance", "class_entropy", "min_class_share", "mean_confidence"):
        assert key in results["final"]
    assert 0 <= results["final"]["class_entropy"] <= 1
    assert results["epochs"][0]["seconds"] > 0 and results["epochs"][0]["images_per_s"] > 0
    for figure in ("samples.png", "losses.png", "init_study.png", "fixed_noise_progression.png"):
        assert (dcgan_run / "results" / figure).stat().st_size > 1000
    assert torch.load(dcgan_run / "checkpoints" / "main.pt", weights_only=False)["epoch"] == 2


def test_exported_generator_loads_and_samples(dcgan_run):
    G = torch.export.load(dcgan_run / "results" / "generator.pt2").module()
    images = G(torch.randn(3, 64))
    assert images.shape == (3, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1


def test_vae_notebook_runs_cleanly(vae_run):
    assert_clean_outputs(vae_run / VAE_NOTEBOOK.name)


def test_vae_tensorboard_log(vae_run):
    main = events(vae_run / "runs" / "main")
    assert {"train/loss", "train/reconstruction", "train/kl", "test/psnr", "test/kl"} <= set(main.Tags()["scalars"])
    assert [e.step for e in main.Images("reconstructions")] == [1, 2]
    assert [e.step for e in main.Images("prior_samples")] == [1, 2]
    for latent in (4, 8):
        assert "train/kl" in events(vae_run / "runs" / f"latent_{latent}").Tags()["scalars"]


def test_vae_results_and_exports(vae_run):
    results = json.loads((vae_run / "results" / "results.json").read_text())
    assert finite_numbers(results)
    assert results["latent_dim"] in (4, 8)
    assert [e["epoch"] for e in results["epochs"]] == [1, 2]
    final = results["final"]
    assert final["psnr"] > 0 and final["kl"] >= 0 and final["bits_per_dim"] > 0
    latent = results["latent_dim"]
    encoder = torch.export.load(vae_run / "results" / "encoder.pt2").module()
    decoder = torch.export.load(vae_run / "results" / "decoder.pt2").module()
    mu, logvar = encoder(torch.rand(3, 3, 32, 32))
    assert mu.shape == logvar.shape == (3, latent)
    images = decoder(mu)
    assert images.shape == (3, 3, 32, 32) and images.min() >= 0 and images.max() <= 1
    assert torch.load(vae_run / "checkpoints" / "main.pt", weights_only=False)["epoch"] == 2


def test_dcgan_main_run_resumes_from_its_checkpoint(dcgan_run):
    """Run the notebook again on the same folders with RESUME and one more epoch: the main run
    continues after epoch 2 instead of starting over (runs last: it extends dcgan_run's outputs)."""
    out = execute(DCGAN_NOTEBOOK, dcgan_run, {**TINY_DCGAN, "EPOCHS": 3, "RESUME": True})
    text = (out / DCGAN_NOTEBOOK.name).read_text()
    assert "resumed main after epoch 2" in text
    results = json.loads((out / "results" / "results.json").read_text())
    assert [e["epoch"] for e in results["epochs"]] == [1, 2, 3]
    assert [e.step for e in events(out / "runs" / "main").Images("fixed_noise")] == [1, 2, 3]
