"""Unit tests of what vae_cifar10.ipynb defines: encoder, decoder, reparameterisation, the loss."""

import math

import pytest
import torch


@pytest.mark.parametrize("latent", [2, 16])
def test_shapes_and_ranges(vae, latent):
    model = vae["VAE"](latent)
    x = torch.rand(5, 3, 32, 32)
    mu, logvar = model.encoder(x)
    assert mu.shape == logvar.shape == (5, latent)
    x_hat, mu2, logvar2 = model(x)
    assert x_hat.shape == (5, 3, 32, 32)
    assert x_hat.min() >= 0 and x_hat.max() <= 1
    assert model.decoder(torch.randn(3, latent)).shape == (3, 3, 32, 32)


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
    expected = torch.distributions.kl_divergence(q, p).sum(1)
    assert torch.allclose(vae["kl_to_standard_normal"](mu, logvar), expected, atol=1e-5)
    assert torch.equal(vae["kl_to_standard_normal"](torch.zeros(2, 4), torch.zeros(2, 4)), torch.zeros(2))


def test_gaussian_nll_matches_torch_distributions(vae):
    x, x_hat = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32)
    log_sigma = torch.tensor(-1.7)
    expected = -torch.distributions.Normal(x_hat, log_sigma.exp()).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(vae["gaussian_nll"](x, x_hat, log_sigma), expected, rtol=1e-5)


def test_vae_loss_is_the_negative_elbo_with_the_optimal_sigma(vae):
    torch.manual_seed(0)
    model = vae["VAE"](8).train()
    x = torch.rand(16, 3, 32, 32)
    torch.manual_seed(1)
    loss, rec, kl, x_hat = vae["vae_loss"](model, x)
    torch.manual_seed(1)
    x_hat2, mu, logvar = model(x)
    sigma = (x - x_hat2).pow(2).mean().sqrt()
    nll = -torch.distributions.Normal(x_hat2, sigma).log_prob(x).flatten(1).sum(1).mean()
    kl_ref = vae["kl_to_standard_normal"](mu, logvar).mean()
    assert rec.item() == pytest.approx(nll.item(), rel=1e-4)
    assert kl.item() == pytest.approx(kl_ref.item(), rel=1e-4)
    assert loss.item() == pytest.approx((nll + kl_ref).item(), rel=1e-4)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_running_sigma_is_used_in_eval_mode(vae):
    model = vae["VAE"](8)
    x = torch.rand(16, 3, 32, 32)
    model.train()
    for _ in range(3):
        vae["vae_loss"](model, x)
    assert model.log_sigma_x < 0  # moved from log 1 towards log sqrt(MSE) < 0
    model.eval()
    with torch.no_grad():
        _, rec, _, x_hat = vae["vae_loss"](model, x)
    # eval mode samples z, so recompute the NLL from the returned mean with the stored sigma
    expected = vae["gaussian_nll"](x, x_hat, model.log_sigma_x).mean()
    assert rec.item() == pytest.approx(expected.item(), rel=1e-5)
