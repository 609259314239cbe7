"""The VAE notebook executed end to end in a tiny configuration, alone in an empty folder, and checks
of what it produces: no errors or warnings in the outputs, TensorBoard logs with the expected tags,
finite result files, a small exported encoder and decoder that load and run without the notebook,
and the short error when no data can be had."""

import json

import pytest
import torch
from conftest import (
    VAE_NOTEBOOK,
    assert_clean_outputs,
    assert_data_unavailable_offline,
    events,
    exports_too_large,
    finite_numbers,
    run_alone,
)

TINY_VAE = {"SUBSET": 512, "EPOCHS": 2, "SWEEP_SUBSET": 256, "SWEEP_EPOCHS": 1, "SWEEP_LATENTS": [4, 8],
            "SWEEP_SEEDS": 2, "GMM_COMPONENTS": 2, "GMM_FIT_IMAGES": 256, "PIPELINE_BATCHES": 2, "PROGRESS": False}
OBJECTIVES = ("gaussian", "sum_squared", "mean_squared", "bernoulli")
SECTIONS = ("data", "pipeline_comparison", "latent_sweep", "likelihood_comparison", "main_run", "bits_per_dim",
            "gmm_sampler", "export", "total")


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    """The tiny run: the notebook alone in an empty folder, which is also its working directory
    (its default relative data, runs, results and checkpoint folders land there)."""
    folder = tmp_path_factory.mktemp("vae")
    run_alone(VAE_NOTEBOOK, folder, TINY_VAE)
    return folder


def test_vae_notebook_runs_cleanly(vae_run):
    assert_clean_outputs(vae_run / VAE_NOTEBOOK.name)


def test_vae_tensorboard_log(vae_run):
    runs = vae_run / "runs" / "vae"
    main = events(runs / "main")
    assert {"train/loss", "train/reconstruction", "train/kl", "test/psnr", "test/kl"} <= set(main.Tags()["scalars"])
    assert [e.step for e in main.Images("reconstructions")] == [1, 2]
    assert [e.step for e in main.Images("prior_samples")] == [1, 2]
    assert "test/neg_elbo" in main.Tags()["scalars"]
    for latent in (4, 8):
        for seed in (0, 1):  # the sweep: two seeds per latent size
            assert "train/kl" in events(runs / f"latent_{latent}_seed{seed}").Tags()["scalars"]
    for objective in OBJECTIVES[1:]:  # the likelihood comparison ("gaussian" reuses a sweep run)
        assert {"train/loss", "test/psnr"} <= set(events(runs / f"likelihood_{objective}").Tags()["scalars"])


def test_vae_results_and_exports(vae_run):
    results_dir = vae_run / "results" / "vae"
    results = json.loads((results_dir / "results.json").read_text())
    assert finite_numbers(results)
    assert results["latent_dim"] in (4, 8)
    assert [e["epoch"] for e in results["epochs"]] == [1, 2]
    final = results["final"]
    assert final["psnr"] > 0 and final["kl"] >= 0
    assert results["dequantised_bits_per_dim"] > 0
    sweep = results["latent_sweep"]
    assert sorted((r["latent dims"], r["seed"]) for r in sweep["runs"]) == [(4, 0), (4, 1), (8, 0), (8, 1)]
    assert sweep["best"] == results["latent_dim"] and sweep["runner_up"] in (4, 8) and sweep["margin_nats"] >= 0
    assert isinstance(sweep["beats_spread"], bool) and set(sweep["spread"]) == {"4", "8"}
    assert set(results["likelihood_comparison"]) == set(OBJECTIVES)
    for row in results["likelihood_comparison"].values():
        assert {"neg_elbo", "kl", "active_units", "psnr", "sigma_x"} <= set(row)
    mixture = results["prior_vs_mixture"]
    assert set(mixture["test_code_log_likelihood"]) == {"N(0, I)", "Gaussian mixture"}
    assert mixture["components"] == 2 and mixture["fit_images"] == 256
    assert set(SECTIONS) <= set(results["section_seconds"])
    assert results["manifest"]["cpu"] and isinstance(results["manifest"]["bf16_autocast"], bool)
    for figure in ("latent_sweep.png", "likelihood_comparison.png", "prior_vs_mixture_samples.png",
                   "reconstruction_progression.png", "epoch_metrics.png", "interpolation.png"):
        assert (results_dir / figure).stat().st_size > 1000
    latent = results["latent_dim"]
    assert not exports_too_large(vae_run), "exported models must hold the weights only"
    encoder = torch.export.load(results_dir / "encoder.pt2").module()
    decoder = torch.export.load(results_dir / "decoder.pt2").module()
    mu, logvar = encoder(torch.rand(3, 3, 32, 32))
    assert mu.shape == logvar.shape == (3, latent)
    images = decoder(mu)
    assert images.shape == (3, 3, 32, 32) and images.min() >= 0 and images.max() <= 1
    assert torch.load(vae_run / "checkpoints" / "vae" / "main.pt", weights_only=False)["epoch"] == 2


def test_without_mirror_or_network_the_data_cell_fails_clearly(tmp_path):
    assert_data_unavailable_offline(VAE_NOTEBOOK, tmp_path)
