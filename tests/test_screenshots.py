"""TensorBoard screenshots end to end: a tiny event log, a real TensorBoard, headless Chromium.

The image logs carry a marker colour per epoch (and another one in the runs that must be
filtered out), so the PNGs show whether the right run and the right slider step were captured.
"""

import base64
import json
import math

import nbformat
import numpy as np
import pytest
import torch
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image
from torch.utils.tensorboard import SummaryWriter
from torchvision.utils import make_grid

from support import chromium, screenshots, submission
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
    "dcgan_discriminator_outputs.png": None,
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
        saved = screenshots.capture(logdir, tmp_path, views=views)
    except RuntimeError as e:
        pytest.fail(f"screenshots could not be taken (is Chromium installed and startable?): {e}")
    assert sorted(p.name for p in saved) == sorted(EXPECTED)
    assert "skipped absent" in capsys.readouterr().out
    scale, cards = screenshots.SCALE, {v.name: len(v.tags) for v in DEFAULT_VIEWS if isinstance(v, Scalars)}
    cards["dcgan_epoch_metrics"] = cards["vae_test_metrics"] = 2  # tags in the tiny log
    for name, colour in EXPECTED.items():
        image = np.asarray(Image.open(tmp_path / name).convert("RGB"))
        if colour is None:  # chart views: 900 CSS px wide, as high as their rows of two cards
            rows = -(-cards[name.removesuffix(".png")] // 2)
            height = screenshots.CARDS_TOP + rows * screenshots.CARD_ROW + 20
            assert image.shape == (scale * height, scale * screenshots.SCALAR_WIDTH, 3), name
        else:
            width, height = screenshots.IMAGE_WINDOW
            assert image.shape == (scale * height, scale * width, 3), name
        rgb = image.astype(np.int32)
        distinct = len(np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]))
        assert distinct > 100, f"{name} looks blank ({distinct} colours)"
        assert pixels_near(image, OTHER_RUN_COLOUR) == 0, f"{name} shows a run that should be filtered out"
        if colour is None:  # charts: coloured run lines below the toolbar
            chart_area = rgb[scale * screenshots.CARDS_TOP:]
            coloured = int((chart_area.max(axis=-1) - chart_area.min(axis=-1) >= 30).sum())
            assert coloured > 1000, f"{name}: no plotted lines ({coloured} coloured pixels)"
        else:  # the right step's image is shown large, the other steps' images not at all
            assert pixels_near(image, colour) > 0.05 * image.shape[0] * image.shape[1], f"{name}: wrong or no image"
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


# --- screenshots embedded into notebooks as markdown-cell attachments ------------------------------

def small_notebook(path, sources):
    cells = [new_markdown_cell(src) for src in sources]
    cells.insert(1, new_code_cell("x = 1", execution_count=1,
                                  outputs=[new_output("stream", name="stdout", text="1\n")]))
    nbformat.write(new_notebook(cells=cells), path)


@pytest.fixture
def shots(tmp_path):
    folder = tmp_path / "screenshots"
    folder.mkdir()
    for i, name in enumerate(("a.png", "b.png")):
        Image.new("RGB", (4, 3), (i * 200, 0, 0)).save(folder / name)
    return folder


def test_embed_attaches_referenced_screenshots_only(tmp_path, shots, capsys):
    path = tmp_path / "nb.ipynb"
    small_notebook(path, ["# Title", "![A](attachment:a.png) and ![B](attachment:b.png)", "no images"])
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][3]["attachments"] = {"old.png": {"image/png": "AAAA"}}  # no longer referenced
    nb["cells"][2]["attachments"] = {"stale.png": {"image/png": "AAAA"}}
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    before = json.loads(path.read_text(encoding="utf-8"))

    assert screenshots.main(["--embed-only", "--out", str(shots), "--notebooks", str(path)]) == 0
    assert "embedded into" in capsys.readouterr().out
    after = nbformat.read(path, as_version=4)
    nbformat.validate(after)
    cell = after.cells[2]
    assert set(cell.attachments) == {"a.png", "b.png"}
    for name in ("a.png", "b.png"):
        assert base64.b64decode(cell.attachments[name]["image/png"]) == (shots / name).read_bytes()
    assert "attachments" not in after.cells[3]
    # Nothing else changed: same cells, sources, outputs and metadata.
    raw = json.loads(path.read_text(encoding="utf-8"))
    for c in (raw["cells"][2], raw["cells"][3], before["cells"][2], before["cells"][3]):
        c.pop("attachments", None)
    assert raw == before
    assert submission.notebook_problems(path) == []  # the submission check reads it fine

    mtime = path.stat().st_mtime_ns
    assert screenshots.main(["--embed-only", "--out", str(shots), "--notebooks", str(path)]) == 0
    assert path.stat().st_mtime_ns == mtime  # unchanged notebook: not rewritten


def test_embed_refuses_missing_screenshot(tmp_path, shots, capsys):
    path = tmp_path / "nb.ipynb"
    small_notebook(path, ["![A](attachment:a.png) ![C](attachment:c.png)"])
    before = path.read_bytes()
    assert screenshots.main(["--embed-only", "--out", str(shots), "--notebooks", str(path)]) == 1
    assert "c.png" in capsys.readouterr().err
    assert path.read_bytes() == before
