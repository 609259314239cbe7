"""Unit tests of what vae_cifar10.ipynb defines: encoder, decoder, reparameterisation, the loss terms
(checked against torch.distributions) and the CIFAR-10 loading function."""

import math
import os
from urllib.error import URLError

import pytest
import torch
from PIL import Image
from torchvision import datasets

MIRROR = os.environ.get("DATASET_MIRROR")
needs_mirror = pytest.mark.skipif(not MIRROR, reason="DATASET_MIRROR is not set (see README)")
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


@pytest.mark.parametrize("latent", [2, 16])
@pytest.mark.parametrize("bf16", [False, True])
def test_shapes_and_ranges(vae, latent, bf16):
    model = vae["VAE"](latent, bf16=bf16)
    x = torch.rand(5, 3, 32, 32)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (5, latent)
    assert mu.dtype == logvar.dtype == torch.float32  # float32 out even under bf16 autocast
    x_hat, mu2, logvar2 = model(x)
    assert x_hat.shape == (5, 3, 32, 32) and x_hat.dtype == torch.float32
    assert x_hat.min() >= 0 and x_hat.max() <= 1
    assert model.decode(torch.randn(3, latent)).shape == (3, 3, 32, 32)


def test_bf16_autocast_stays_close_to_float32(vae):
    torch.manual_seed(0)
    model = vae["VAE"](8).eval()
    x = torch.rand(4, 3, 32, 32)
    with torch.no_grad():
        mu32 = model.encode(x)[0]
        model.bf16 = True
        mu16 = model.encode(x)[0]
    assert torch.allclose(mu16, mu32, atol=0.05)


def test_reparameterize_samples_the_right_gaussian_and_passes_gradients(vae):
    mu = torch.tensor([1.0, -2.0], requires_grad=True)
    logvar = torch.tensor([0.0, math.log(0.25)], requires_grad=True)
    torch.manual_seed(0)
    z = vae["VAE"].reparameterize(mu.expand(20000, 2), logvar.expand(20000, 2))
    assert z.mean(0).tolist() == pytest.approx([1.0, -2.0], abs=0.03)
    assert z.std(0).tolist() == pytest.approx([1.0, 0.5], abs=0.03)
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None


def test_kl_matches_torch_distributions(vae):
    mu, logvar = torch.randn(6, 10), torch.randn(6, 10)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(10), torch.ones(10))
    per_dim = torch.distributions.kl_divergence(q, p)
    assert torch.allclose(vae["kl_per_dimension"](mu, logvar), per_dim, atol=1e-5)
    assert torch.equal(vae["kl_per_dimension"](torch.zeros(2, 4), torch.zeros(2, 4)), torch.zeros(2, 4))


def test_gaussian_nll_matches_torch_distributions(vae):
    x, x_hat = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32)
    log_sigma = torch.tensor(-1.7)
    expected = -torch.distributions.Normal(x_hat, log_sigma.exp()).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(vae["gaussian_nll"](x, x_hat, log_sigma), expected, rtol=1e-5)


def test_bernoulli_term_matches_torch_distributions(vae):
    x, x_hat = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32) * 0.98 + 0.01
    bern = torch.distributions.Bernoulli(probs=x_hat, validate_args=False)  # continuous targets in [0, 1]
    expected = -bern.log_prob(x).flatten(1).sum(1)
    got = vae["reconstruction_term"](x, x_hat, "bernoulli", None)
    assert torch.allclose(got, expected, rtol=1e-4)


@pytest.mark.parametrize(("objective", "sigma2"), [("sum_squared", 0.5), ("mean_squared", 3072 / 2)])
def test_squared_error_objectives_are_gaussians_with_a_fixed_sigma(vae, objective, sigma2):
    """Summed squared error = Gaussian NLL with sigma^2 = 1/2; mean-reduced = sigma^2 = D/2 (up to constants)."""
    x, x_hat = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32)
    term = vae["reconstruction_term"](x, x_hat, objective, None)
    nll = -torch.distributions.Normal(x_hat, math.sqrt(sigma2)).log_prob(x).flatten(1).sum(1)
    constant = nll - term
    assert torch.allclose(constant, constant[0].expand(4), rtol=1e-5)  # same constant for every image
    assert constant[0].item() == pytest.approx(0.5 * 3072 * math.log(2 * math.pi * sigma2), rel=1e-5)


def test_unknown_objective_is_refused(vae):
    with pytest.raises(ValueError, match="unknown objective"):
        vae["reconstruction_term"](torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32), "l1", None)


def test_vae_loss_is_the_negative_elbo_with_the_optimal_sigma(vae):
    torch.manual_seed(0)
    model = vae["VAE"](8).train()
    x = torch.rand(16, 3, 32, 32)
    torch.manual_seed(1)
    out = vae["vae_loss"](model, x)
    torch.manual_seed(1)
    x_hat2, mu, logvar = model(x)
    sigma = (x - x_hat2).pow(2).mean().sqrt()
    nll = -torch.distributions.Normal(x_hat2, sigma).log_prob(x).flatten(1).sum(1).mean()
    kl_ref = torch.distributions.kl_divergence(torch.distributions.Normal(mu, torch.exp(0.5 * logvar)),
                                               torch.distributions.Normal(0.0, 1.0)).sum(1).mean()
    assert out.reconstruction.item() == pytest.approx(nll.item(), rel=1e-4)
    assert out.kl.item() == pytest.approx(kl_ref.item(), rel=1e-4)
    assert out.loss.item() == pytest.approx((nll + kl_ref).item(), rel=1e-4)
    assert out.x_hat.shape == x.shape
    out.loss.backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("objective", ["gaussian", "sum_squared", "mean_squared", "bernoulli"])
def test_every_objective_trains_and_tracks_sigma(vae, objective):
    torch.manual_seed(0)
    model = vae["VAE"](8).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(16, 3, 32, 32)
    for _ in range(3):
        out = vae["train_step"](model, opt, x, objective)
        assert math.isfinite(out.loss.item())
    assert model.log_sigma_x < 0  # moved from log 1 towards log sqrt(MSE) < 0, whatever the objective


def test_the_loss_changes_nothing_in_the_model(vae):
    """vae_loss only computes: the running sigma_x moves in train_step, never as a side effect of a loss."""
    model = vae["VAE"](8).train()
    x = torch.rand(16, 3, 32, 32)
    before = model.log_sigma_x.clone()
    out = vae["vae_loss"](model, x)
    assert torch.equal(model.log_sigma_x, before)
    assert out.batch_log_sigma.item() == pytest.approx(0.5 * math.log((x - out.x_hat).pow(2).mean().item()), rel=1e-5)
    vae["train_step"](model, torch.optim.SGD(model.parameters(), lr=0.0), x)
    assert not torch.equal(model.log_sigma_x, before)


def test_running_sigma_is_used_in_eval_mode(vae):
    model = vae["VAE"](8)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    x = torch.rand(16, 3, 32, 32)
    model.train()
    for _ in range(3):
        vae["train_step"](model, opt, x)
    model.eval()
    with torch.no_grad():
        out = vae["vae_loss"](model, x)
    # eval mode samples z, so recompute the NLL from the returned mean with the stored sigma
    expected = vae["gaussian_nll"](x, out.x_hat, model.log_sigma_x).mean()
    assert out.reconstruction.item() == pytest.approx(expected.item(), rel=1e-5)


def test_derived_seeds_are_stable_and_distinct(vae):
    seed = vae["derived_seed"]
    assert seed("short run", 0) == seed("short run", 0)
    assert len({seed("short run", 0), seed("short run", 1), seed("main"), seed("gmm")}) == 4
    assert 0 <= seed("main") < 2**32


def test_lead_verdict_needs_every_seed_and_twice_the_spread(vae):
    verdict = vae["lead_verdict"]
    assert verdict([10.0, 11.0, 12.0]) == "a clear lead"
    assert verdict([7.9, 46.8, 19.3]) == "within the seed-to-seed noise"   # mean 24.7 < 2 x std 20.0
    assert verdict([30.0, 31.0, -1.0]) == "within the seed-to-seed noise"  # one seed disagrees


def test_check_finite_stops_on_nan(vae):
    vae["check_finite"]("ok", loss=1.0)
    with pytest.raises(FloatingPointError, match="non-finite loss at step 3"):
        vae["check_finite"]("step 3", loss=float("nan"))


# --- data: load_cifar10(root, mirror, train) ---

@needs_mirror
def test_cifar10_test_split_from_mirror_is_decoded_once_and_cached(vae, tmp_path):
    images, labels, classes = vae["load_cifar10"](tmp_path, MIRROR, train=False)
    assert images.shape == (10_000, 3, 32, 32) and images.dtype == torch.uint8
    assert labels.dtype == torch.int64 and labels.bincount().tolist() == [1000] * 10
    assert classes == CLASSES
    mean = (images.float() / 255).mean((0, 2, 3))
    assert mean.tolist() == pytest.approx([0.4942, 0.4851, 0.4504], abs=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["cifar10-test.pt"]  # the cache, no temporary files
    again = vae["load_cifar10"](tmp_path, "/nonexistent", train=False)  # from the cache now
    assert torch.equal(again[0], images) and torch.equal(again[1], labels) and again[2] == classes


def test_no_mirror_and_no_internet_gives_one_clear_error(vae, tmp_path, monkeypatch):
    def offline(self, *args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(datasets.CIFAR10, "download", offline)
    root = tmp_path / "data"
    with pytest.raises(vae["DatasetUnavailable"]) as err:
        vae["load_cifar10"](root, None, train=True)
    message = str(err.value)
    assert "DATASET_MIRROR" in message and "download" in message and "no network" in message
    assert list(root.rglob("*")) == []  # nothing half-written


def test_incomplete_mirror_is_refused_and_nothing_is_cached(vae, tmp_path):
    mirror = tmp_path / "mirror"
    for name in CLASSES:
        folder = mirror / "cifar10" / "test" / name
        folder.mkdir(parents=True)
        Image.new("RGB", (32, 32)).save(folder / "a.png")
    root = tmp_path / "data"
    with pytest.raises(vae["DatasetUnavailable"], match="has 10 images, expected 10000"):
        vae["load_cifar10"](root, mirror, train=False)
    with pytest.raises(vae["DatasetUnavailable"], match="DATASET_MIRROR"):
        vae["load_cifar10"](root, mirror, train=True)  # no train folder at all
    assert not root.exists() or list(root.rglob("*")) == []


# --- training and scoring: train_step, evaluate ---

def test_train_step_updates_every_parameter_and_lowers_the_loss_on_a_fixed_batch(vae):
    torch.manual_seed(0)
    model = vae["VAE"](8).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(16, 3, 32, 32)
    before = [p.detach().clone() for p in model.parameters()]
    losses = [vae["train_step"](model, opt, x).loss.item() for _ in range(20)]
    assert all(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))
    assert losses[-1] < losses[0]


def test_evaluate_matches_the_definitions_and_restores_the_mode(vae):
    torch.manual_seed(0)
    model = vae["VAE"](6).train()
    model.log_sigma_x.fill_(math.log(0.2))
    images = torch.rand(30, 3, 32, 32)
    scores = vae["score_vae"](model, images, batch_size=7)  # uneven batches
    assert model.training
    model.eval()
    with torch.no_grad():
        mu, logvar = model.encode(images)
        mse = (model.decode(mu) - images).pow(2).flatten(1).mean(1)
        kl = vae["kl_per_dimension"](mu, logvar)
    assert scores["mse"] == pytest.approx(mse.mean().item(), rel=1e-5)
    assert scores["psnr"] == pytest.approx((-10 * torch.log10(mse)).mean().item(), rel=1e-5)
    assert scores["kl"] == pytest.approx(kl.sum(1).mean().item(), rel=1e-5)
    assert scores["neg_elbo"] == pytest.approx(scores["reconstruction"] + scores["kl"], rel=1e-6)
    assert scores["active_units"] == int((kl.mean(0) > 0.01).sum())
    assert scores["sigma_x"] == pytest.approx(0.2)
