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
    unresolved_prose_keys,
)

TINY_VAE = {"SUBSET": 512, "EPOCHS": 2, "VALIDATION": 256, "SWEEP_SUBSET": 256, "SWEEP_EPOCHS": 1,
            "SWEEP_LATENTS": [4, 8], "SWEEP_SEEDS": 2, "GMM_COMPONENTS": 2, "GMM_FIT_IMAGES": 256, "PROGRESS": False}
OBJECTIVES = ("gaussian", "sum_squared", "mean_squared", "bernoulli")
SECTIONS = ("data", "latent_sweep", "likelihood_comparison", "main_run", "bits_per_dim", "gmm_sampler", "export",
            "total")
SCORES = {"neg_elbo", "reconstruction", "kl", "mse", "psnr", "active_units", "sigma_x"}


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    """The tiny run: the notebook alone in an empty folder, which is also its working directory
    (its default relative data, runs, results and checkpoint folders land there)."""
    folder = tmp_path_factory.mktemp("vae")
    run_alone(VAE_NOTEBOOK, folder, TINY_VAE)
    return folder


@pytest.fixture(scope="module")
def results(vae_run):
    return json.loads((vae_run / "results" / "vae" / "results.json").read_text())


def test_the_committed_prose_fills_from_another_run(results):
    """Every key the VAE prose quotes (notebook and answers.md) resolves in the tiny run's results, i.e.
    after any rerun `make fill` can rewrite it; only what the tiny configuration leaves out is skipped."""
    unresolved, skipped = unresolved_prose_keys("vae", results, {
        r"^main_run\.epochs\.([2-9]|\d\d)\.": "the tiny run trains 2 epochs; the prose quotes epochs 3 to 10",
        r"^(sweep\.(mean|spread)|likelihood\.objectives)\.\d+\.": "the tiny sweep tries other sizes"})
    assert not unresolved, unresolved
    print("skipped:", sorted(skipped))


def test_vae_notebook_runs_cleanly(vae_run):
    assert_clean_outputs(vae_run / VAE_NOTEBOOK.name)


def test_vae_tensorboard_log(vae_run):
    """The main run logs test scores (the tags support/screenshots.py captures); the short runs log
    validation scores only, never test scores."""
    runs = vae_run / "runs" / "vae"
    main = events(runs / "main")
    assert {"train/loss", "train/reconstruction", "train/kl", "test/psnr", "test/kl", "test/neg_elbo",
            "test/mse"} <= set(main.Tags()["scalars"])
    assert [e.step for e in main.Images("reconstructions")] == [1, 2]
    assert [e.step for e in main.Images("prior_samples")] == [1, 2]
    short = [f"latent_{latent}_seed{seed}" for latent in (4, 8) for seed in (0, 1)]
    short += [f"likelihood_{objective}" for objective in OBJECTIVES[1:]]  # "gaussian" reuses a sweep run
    for name in short:
        tags = set(events(runs / name).Tags()["scalars"])
        assert {"train/kl", "validation/neg_elbo", "validation/psnr"} <= tags, name
        assert not any(tag.startswith("test/") for tag in tags), name


def test_vae_splits_and_choices(results):
    """Choices on the validation split, final numbers on the test set, each recorded with its split."""
    assert results["splits"] == {"main run (train)": 512, "short runs (train)": 256, "validation": 256,
                                 "test": 10_000, "validation_seed": results["splits"]["validation_seed"]}
    sweep = results["sweep"]
    assert sweep["split"] == "validation" and sweep["train_images"] == 256 and sweep["seeds"] == 2
    assert sorted((r["latent dims"], r["seed"]) for r in sweep["runs"]) == [(4, 0), (4, 1), (8, 0), (8, 1)]
    assert all(r["split"] == "validation" for r in sweep["runs"])
    assert results["latent_dim"] == sweep["best"] and {sweep["best"], sweep["runner_up"]} == {4, 8}
    means = {int(k): v["neg_elbo"] for k, v in sweep["mean"].items()}
    assert means[sweep["best"]] <= means[sweep["runner_up"]]
    assert sweep["mean_gap"] == pytest.approx(means[sweep["runner_up"]] - means[sweep["best"]], rel=1e-6)
    assert len(sweep["paired_gaps"]) == 2 and 0 <= sweep["wins"] <= 2
    assert sweep["verdict"] in {"a clear lead", "within the seed-to-seed noise"}
    assert sweep["min_gap"] == pytest.approx(min(sweep["paired_gaps"]), rel=1e-6)
    assert set(sweep["spread"]) == {"4", "8"}
    likelihood = results["likelihood"]
    assert likelihood["split"] == "validation" and set(likelihood["objectives"]) == set(OBJECTIVES)
    for row in likelihood["objectives"].values():
        assert {"neg_elbo", "kl", "active_units", "psnr", "sigma_x"} <= set(row)
    main = results["main_run"]
    assert main["split"] == "test" and main["train_images"] == 512
    assert [e["epoch"] for e in main["epochs"]] == [1, 2] and all(e["split"] == "test" for e in main["epochs"])
    final = results["final"]["test"]
    assert SCORES <= set(final) and final == {**main["epochs"][-1], "bits_per_dim": final["bits_per_dim"]}
    assert final["psnr"] > 0 and final["kl"] >= 0 and final["bits_per_dim"] > 0


def test_vae_results_and_exports(vae_run, results):
    results_dir = vae_run / "results" / "vae"
    assert finite_numbers(results)
    mixture = results["mixture"]
    assert set(mixture["code_log_density"]) == {"N(0, I)", "Gaussian mixture"} and mixture["split"] == "test"
    assert mixture["components"] == 2 and mixture["fit_images"] == 256
    assert set(SECTIONS) <= set(results["section_seconds"]) and results["time_estimate_minutes"] > 0
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


def test_vae_main_run_resumes_exactly(vae_run, tmp_path):
    """Run the notebook again in the same folder with RESUME and one more epoch: the main run continues
    after epoch 2 (runs last: it extends vae_run's outputs), and its third epoch is the one an
    uninterrupted three-epoch run trains (same data order and reparameterisation noise)."""
    executed = run_alone(vae_run / VAE_NOTEBOOK.name, vae_run, {**TINY_VAE, "EPOCHS": 3, "RESUME": True})
    assert "resumed main after epoch 2" in executed.read_text()
    resumed = json.loads((vae_run / "results" / "vae" / "results.json").read_text())["main_run"]["epochs"]
    assert [e["epoch"] for e in resumed] == [1, 2, 3]
    run_alone(vae_run / VAE_NOTEBOOK.name, tmp_path, {**TINY_VAE, "EPOCHS": 3})
    straight = json.loads((tmp_path / "results" / "vae" / "results.json").read_text())["main_run"]["epochs"]
    for key in ("neg_elbo", "kl", "psnr", "sigma_x"):
        assert resumed[-1][key] == straight[-1][key], key
