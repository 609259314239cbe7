"""TensorBoard screenshots end to end: a tiny event log, a real TensorBoard, headless Chromium.

The image logs carry a marker colour per epoch (and another one in the runs that must be
filtered out), so the PNGs show whether the right run and the right slider step were captured.
"""

import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.tensorboard import SummaryWriter
from torchvision.utils import make_grid

from support import chromium, screenshots
from support.screenshots import DEFAULT_VIEWS, Scalars

EPOCHS = (1, 2, 3)
STEP_COLOURS = {1: (255, 0, 255), 2: (0, 255, 255), 3: (255, 255, 0)}  # not used by TensorBoard's UI
OTHER_RUN_COLOUR = (0, 255, 0)
SCALARS = {
    "dcgan": ["train/loss_D", "train/loss_G", "train/D_x", "train/D_G_z"],
    "vae": ["train/loss", "train/reconstruction", "train/kl"],
}
EPOCH_SCALARS = {"dcgan": ["epoch/frechet_distance", "epoch/class_entropy"], "vae": ["test/psnr", "test/kl"]}
IMAGES = {"dcgan": ["fixed_noise"], "vae": ["reconstructions", "prior_samples"]}
EXPECTED = {  # file -> marker colour of the step it must show (None for charts)
    "dcgan_losses.png": None,
    "dcgan_epoch_metrics.png": None,
    "dcgan_fixed_noise_epoch_01.png": STEP_COLOURS[1],
    "dcgan_fixed_noise_epoch_02.png": STEP_COLOURS[2],
    "dcgan_fixed_noise_epoch_03.png": STEP_COLOURS[3],
    "vae_losses.png": None,
    "vae_test_metrics.png": None,
    "vae_reconstructions_epoch_03.png": STEP_COLOURS[3],
    "vae_prior_samples_epoch_03.png": STEP_COLOURS[3],
}


def grid(colour, generator):
    """4x4 grid of 28x28 tiles: half in the solid marker colour, half mid-range noise."""
    tiles = 0.2 + 0.6 * torch.rand(16, 3, 28, 28, generator=generator)  # never a marker colour
    tiles[::2] = torch.tensor(colour, dtype=torch.float32).view(1, 3, 1, 1) / 255
    return make_grid(tiles, nrow=4)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    g = torch.Generator().manual_seed(0)
    for model, other in (("dcgan", "init_default"), ("vae", "latent_16")):
        for run in ("main", other):
            with SummaryWriter(str(root / model / run)) as w:
                for i in range(20):
                    for k, tag in enumerate(SCALARS[model]):
                        w.add_scalar(tag, math.exp(-i / 8) + 0.3 * math.sin(i + k), i)
                for epoch in EPOCHS:
                    for tag in EPOCH_SCALARS[model]:
                        w.add_scalar(tag, 1 / epoch, epoch)
                    for tag in IMAGES[model]:
                        colour = STEP_COLOURS[epoch] if run == "main" else OTHER_RUN_COLOUR
                        w.add_image(tag, grid(colour, g), epoch)
    return root


def pixels_near(image: np.ndarray, colour, tol=3) -> int:
    return int((np.abs(image.astype(int) - np.array(colour)).max(axis=-1) <= tol).sum())


def test_data_api_lists_runs_and_tags(logdir):
    with screenshots.tensorboard(logdir) as tb:
        assert set(tb.runs()) == {"dcgan/main", "dcgan/init_default", "vae/main", "vae/latent_16"}
        for model in ("dcgan", "vae"):
            tags = tb.tags(f"{model}/main")
            assert set(SCALARS[model] + EPOCH_SCALARS[model]) <= set(tags["scalars"])
            assert set(IMAGES[model]) <= set(tags["images"])
            for tag in IMAGES[model]:  # every step kept, not TensorBoard's default sample
                assert tb.image_steps(f"{model}/main", tag) == list(EPOCHS)


def test_capture_writes_rendered_screenshots(logdir, tmp_path, capsys):
    views = DEFAULT_VIEWS + (Scalars("absent", "no/such_run", ("train/loss",)),)
    try:
        saved = screenshots.capture(logdir, tmp_path, views=views, size=(1600, 1000))
    except RuntimeError as e:
        pytest.fail(f"screenshots could not be taken (is Chromium installed and startable?): {e}")
    assert sorted(p.name for p in saved) == sorted(EXPECTED)
    assert "skipped absent" in capsys.readouterr().out
    for name, colour in EXPECTED.items():
        image = np.asarray(Image.open(tmp_path / name).convert("RGB"))
        assert image.shape == (1000, 1600, 3), name
        rgb = image.astype(np.int32)
        distinct = len(np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]))
        assert distinct > 100, f"{name} looks blank ({distinct} colours)"
        assert pixels_near(image, OTHER_RUN_COLOUR) == 0, f"{name} shows a run that should be filtered out"
        if colour is None:  # charts: coloured run lines below the toolbar and beside the run list
            chart_area = rgb[140:, 330:]
            coloured = int((chart_area.max(axis=-1) - chart_area.min(axis=-1) >= 30).sum())
            assert coloured > 1000, f"{name}: no plotted lines ({coloured} coloured pixels)"
        else:  # the right step's image is shown large, the other steps' images not at all
            assert pixels_near(image, colour) > 0.05 * 1600 * 1000, f"{name}: wrong or no image"
            for other in set(STEP_COLOURS.values()) - {colour}:
                assert pixels_near(image, other) == 0, f"{name} shows another step"
            assert distinct > 1000, f"{name}: noise tiles missing ({distinct} colours)"


def test_missing_chromium_names_the_package(monkeypatch):
    monkeypatch.setattr(chromium.shutil, "which", lambda *a: None)
    with pytest.raises(chromium.ChromiumNotFound, match="apt-get install chromium"):
        chromium.find_chromium()
    assert issubclass(chromium.ChromiumNotFound, RuntimeError)  # screenshots.main reports RuntimeErrors


def test_main_fails_without_event_files(tmp_path, capsys):
    assert screenshots.main(["--logdir", str(tmp_path), "--out", str(tmp_path / "shots")]) == 1
    assert "No TensorBoard event files" in capsys.readouterr().err
