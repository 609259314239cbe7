"""Unit tests of what dcgan_fashion_mnist.ipynb defines: data loading, models, losses, initialisation,
one training step and the run bookkeeping."""

import copy
import gzip
import math
import os

import pytest
import torch
import torch.nn as nn


@pytest.fixture(autouse=True)
def on_cpu(dcgan):
    """The notebook sets `device` in a setup cell that load_definitions does not run."""
    dcgan.setdefault("device", torch.device("cpu"))


def test_fashion_mnist_from_the_mirror(dcgan, tmp_path):
    mirror = os.environ.get("DATASET_MIRROR")
    if not mirror:
        pytest.skip("needs DATASET_MIRROR (the offline copy of the data)")
    images, labels, classes = dcgan["load_fashion_mnist"](tmp_path, mirror, train=False)
    assert images.shape == (10_000, 1, 28, 28) and images.dtype == torch.uint8
    assert labels.bincount().tolist() == [1000] * 10 and classes[0] == "T-shirt/top"
    assert sorted(p.name for p in (tmp_path / "FashionMNIST" / "raw").iterdir()) == sorted(dcgan["FASHION_FILES"])


def test_incomplete_mirror_gives_one_clear_error_and_no_partial_files(dcgan, tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "fashion-mnist").mkdir(parents=True)
    with gzip.open(mirror / "fashion-mnist" / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(b"not all files")
    with pytest.raises(dcgan["DatasetUnavailable"], match="DATASET_MIRROR.*train-labels-idx1-ubyte.gz"):
        dcgan["load_fashion_mnist"](tmp_path / "data", mirror, train=True)
    leftovers = [p.name for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert leftovers == ["train-images-idx3-ubyte"]  # only whole files, each renamed into place when complete


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
    (G1, D1), (G2, D2) = dcgan["make_gan"]("dcgan", 1), dcgan["make_gan"]("dcgan", 1)
    for a, b in zip(list(G1.parameters()) + list(D1.parameters()), list(G2.parameters()) + list(D2.parameters()),
                    strict=True):
        assert torch.equal(a, b)
    G3, _ = dcgan["make_gan"]("dcgan", 2)
    assert not torch.equal(G1.net[0].weight, G3.net[0].weight)


def test_initialising_leaves_the_global_random_stream_alone(dcgan):
    """So that schemes which draw different amounts while initialising still see the same training noise."""
    torch.manual_seed(0)
    expected = torch.rand(3)
    for scheme in ("dcgan", "default", "xavier"):
        torch.manual_seed(0)
        dcgan["make_gan"](scheme, 5)
        assert torch.equal(torch.rand(3), expected), scheme


def test_derived_seeds_are_stable_and_differ_by_purpose(dcgan):
    seed = dcgan["derived_seed"]
    assert seed("init noise", 0) == seed("init noise", 0)
    assert len({seed("init noise", 0), seed("init noise", 1), seed("init data", 0), seed("main noise")}) == 4


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
    G, D = dcgan["make_gan"]("dcgan", 0)
    opt_g, opt_d = dcgan["make_optimizers"](G, D)
    before_g = [p.clone() for p in G.parameters()]
    before_d = [p.clone() for p in D.parameters()]
    z = torch.randn(8, dcgan["LATENT_DIM"])
    values = dcgan["gan_step"](G, D, opt_g, opt_d, torch.rand(8, 1, 28, 28) * 2 - 1, z)
    assert values.shape == (4,) and not values.requires_grad  # one tensor, read once per epoch
    loss_d, loss_g, d_x, d_g_z = values.tolist()
    assert all(math.isfinite(v) for v in (loss_d, loss_g))
    assert 0 < d_x < 1 and 0 < d_g_z < 1
    assert any(not torch.equal(a, b) for a, b in zip(before_g, G.parameters(), strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(before_d, D.parameters(), strict=True))


def test_gan_step_leaves_d_with_only_its_own_gradients(dcgan):
    """G's update backpropagates through D with D's weights frozen (fewer convolutions): afterwards D's
    gradients are exactly those of D's own loss, and D is trainable again."""
    real, z = torch.rand(8, 1, 28, 28) * 2 - 1, torch.randn(8, dcgan["LATENT_DIM"])
    G, D = dcgan["make_gan"]("dcgan", 0)
    reference = copy.deepcopy(D)
    dcgan["gan_step"](G, D, *dcgan["make_optimizers"](G, D), real, z)
    assert all(p.requires_grad for p in D.parameters())
    G2, _ = dcgan["make_gan"]("dcgan", 0)
    with torch.no_grad():
        fake = G2(z)
    dcgan["discriminator_loss"](reference(real).float(), reference(fake).float()).backward()
    for ours, expected in zip(D.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(ours.grad, expected.grad)


@pytest.mark.parametrize("bf16", [False, True])
def test_gan_step_is_repeatable_and_runs_under_bf16(dcgan, bf16):
    """Same weights, data and noise give the same losses; bfloat16 autocast keeps the losses float32."""
    real, z = torch.rand(8, 1, 28, 28) * 2 - 1, torch.randn(8, dcgan["LATENT_DIM"])
    losses = []
    for _ in range(2):
        G, D = dcgan["make_gan"]("default", 3)
        losses.append(dcgan["gan_step"](G, D, *dcgan["make_optimizers"](G, D), real, z, bf16).tolist())
    assert losses[0] == losses[1]
    assert all(math.isfinite(v) for v in losses[0])


@pytest.mark.filterwarnings("ignore:.*meta parameter")  # copying real weights into meta tensors is a no-op
def test_checkpoint_restores_onto_another_device_with_bookkeeping_on_the_cpu(dcgan, tmp_path):
    """Resuming on CUDA used to move the random state and saved samples to the GPU. Restore into
    networks on the `meta` device (standing in for another device): the weights go to the networks,
    the noise generator's state and the history stay CPU tensors."""
    G, D = dcgan["Generator"](width=4), dcgan["Discriminator"](width=4)
    opt_g, opt_d = dcgan["make_optimizers"](G, D)
    noise = torch.Generator().manual_seed(3)
    history = {"iterations": {}, "epochs": [{"epoch": 1}], "fixed_samples": [torch.zeros(2, 1, 28, 28)]}
    path = tmp_path / "main.pt"
    dcgan["atomic_save"]({"G": G.state_dict(), "D": D.state_dict(), "opt_g": opt_g.state_dict(),
                          "opt_d": opt_d.state_dict(), "noise": noise.get_state(), "epoch": 1, "history": history},
                         path)
    assert [p.name for p in tmp_path.iterdir()] == ["main.pt"]  # written whole, no temporary file left
    expected = torch.randn(3, generator=noise)
    G2, D2 = dcgan["Generator"](width=4).to("meta"), dcgan["Discriminator"](width=4).to("meta")
    opt_g2, opt_d2 = dcgan["make_optimizers"](G2, D2)
    noise2 = torch.Generator()
    restored, epoch = dcgan["load_checkpoint"](path, G2, D2, opt_g2, opt_d2, noise2)
    assert epoch == 1
    assert restored["fixed_samples"][0].device.type == "cpu"
    assert G2.net[0].weight.device.type == "meta"
    assert torch.equal(torch.randn(3, generator=noise2), expected)  # the noise stream continues where it stopped


def test_non_finite_losses_stop_training(dcgan):
    dcgan["check_finite"]("here", loss=1.0)
    with pytest.raises(FloatingPointError, match="non-finite loss at epoch 3"):
        dcgan["check_finite"]("epoch 3", loss_D=float("nan"), loss_G=0.5)


def test_classifier_shapes(dcgan):
    model = dcgan["FashionClassifier"]()
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    assert model(x).shape == (4, 10)
    assert model.features(x).shape == (4, model.num_features)
