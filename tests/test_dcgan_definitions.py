"""Unit tests of what dcgan_fashion_mnist.ipynb defines: models, losses, initialisation, one step."""

import math

import pytest
import torch
import torch.nn as nn


def test_generator_maps_noise_to_images_in_tanh_range(dcgan):
    G = dcgan["Generator"]()
    z = torch.randn(5, dcgan["LATENT_DIM"])
    out = G(z)
    assert out.shape == (5, 1, 28, 28)
    assert out.min() >= -1 and out.max() <= 1
    assert torch.equal(G.eval()(z), G(z.view(5, -1, 1, 1)))  # (N, L) and (N, L, 1, 1) are the same input


def test_discriminator_returns_one_unbounded_logit_per_image(dcgan):
    D = dcgan["Discriminator"]()
    logits = D(torch.rand(6, 1, 28, 28) * 2 - 1)
    assert logits.shape == (6,)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("width", [8, 16])
def test_width_scales_channels(dcgan, width):
    G, D = dcgan["Generator"](width=width), dcgan["Discriminator"](width=width)
    convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [c.out_channels for c in convs] == [2 * width, width, 1]
    assert D(G(torch.randn(2, dcgan["LATENT_DIM"]))).shape == (2,)


def test_dcgan_initialisation_follows_the_paper(dcgan):
    torch.manual_seed(0)
    G = dcgan["init_weights"](dcgan["Generator"](width=64), "dcgan")
    weights = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]).detach()
    gammas = torch.cat([m.weight for m in G.modules() if isinstance(m, nn.BatchNorm2d)]).detach()
    assert abs(weights.mean().item()) < 2e-3 and weights.std().item() == pytest.approx(0.02, rel=0.05)
    assert gammas.mean().item() == pytest.approx(1.0, abs=0.01)
    assert gammas.std().item() == pytest.approx(0.02, rel=0.2)


def test_xavier_and_default_initialisations_differ_from_dcgan(dcgan):
    torch.manual_seed(0)
    D_x = dcgan["init_weights"](dcgan["Discriminator"](), "xavier")
    conv = D_x.net[0]
    fan_in, fan_out = conv.in_channels * 16, conv.out_channels * 16
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.15)
    torch.manual_seed(0)
    D_d = dcgan["init_weights"](dcgan["Discriminator"](), "default")
    assert D_d.net[0].weight.abs().max().item() <= 1 / math.sqrt(fan_in) + 1e-6  # Kaiming-uniform(a=sqrt 5) bound
    with pytest.raises(ValueError, match="unknown"):
        dcgan["init_weights"](dcgan["Discriminator"](), "nonsense")


def test_same_scheme_and_seed_give_identical_networks(dcgan):
    (G1, D1), (G2, D2) = dcgan["make_gan"]("dcgan"), dcgan["make_gan"]("dcgan")
    for a, b in zip(list(G1.parameters()) + list(D1.parameters()), list(G2.parameters()) + list(D2.parameters()),
                    strict=True):
        assert torch.equal(a, b)


def test_losses_are_the_bce_formulas(dcgan):
    real, fake = torch.randn(7), torch.randn(7)
    expected_d = -(torch.sigmoid(real).log().mean() + (1 - torch.sigmoid(fake)).log().mean())
    expected_g = -torch.sigmoid(fake).log().mean()
    assert dcgan["discriminator_loss"](real, fake) == pytest.approx(expected_d.item(), rel=1e-5)
    assert dcgan["generator_loss"](fake) == pytest.approx(expected_g.item(), rel=1e-5)
    zeros = torch.zeros(3)  # D undecided: the equilibrium values
    assert dcgan["discriminator_loss"](zeros, zeros) == pytest.approx(2 * math.log(2))
    assert dcgan["generator_loss"](zeros) == pytest.approx(math.log(2))


def test_losses_stay_finite_for_extreme_logits(dcgan):
    big = torch.tensor([100.0, -100.0])
    assert torch.isfinite(dcgan["discriminator_loss"](big, -big))
    assert torch.isfinite(dcgan["generator_loss"](-big))


def test_gan_step_updates_both_networks_and_reports_probabilities(dcgan):
    G, D = dcgan["make_gan"]("dcgan")
    opt_g, opt_d = dcgan["make_optimizers"](G, D)
    before_g = [p.clone() for p in G.parameters()]
    before_d = [p.clone() for p in D.parameters()]
    loss_d, loss_g, d_x, d_g_z = dcgan["gan_step"](G, D, opt_g, opt_d, torch.rand(8, 1, 28, 28) * 2 - 1)
    assert all(math.isfinite(v) for v in (loss_d, loss_g))
    assert 0 < d_x < 1 and 0 < d_g_z < 1
    assert any(not torch.equal(a, b) for a, b in zip(before_g, G.parameters(), strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(before_d, D.parameters(), strict=True))


def test_classifier_shapes(dcgan):
    model = dcgan["FashionClassifier"]()
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    assert model(x).shape == (4, 10)
    assert model.features(x).shape == (4, model.num_features)
