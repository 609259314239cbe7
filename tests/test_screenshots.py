"""TensorBoard screenshots end to end: a tiny event log, a real TensorBoard, headless Chromium.

The image logs carry a marker colour per epoch (and another one in the runs that must be
filtered out), so the PNGs show whether the right run and the right slider step were captured.
"""

import base64
import json
import math
from pathlib import Path

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


HEADER_ORANGE = (245, 124, 0)  # TensorBoard's top bar (the image cards' slider has it too, further down)


def test_capture_writes_rendered_screenshots(logdir, tmp_path, capsys):
    views = DEFAULT_VIEWS + (Scalars("absent", "no/such_run", ("train/loss",)),)
    try:
        saved = screenshots.capture(logdir, tmp_path, views=views)
    except RuntimeError as e:
        pytest.fail(f"screenshots could not be taken (is Chromium installed and startable?): {e}")
    assert sorted(p.name for p in saved) == sorted(EXPECTED)
    assert "skipped absent" in capsys.readouterr().out
    scale = screenshots.SCALE
    for name, colour in EXPECTED.items():
        image = np.asarray(Image.open(tmp_path / name).convert("RGB"))
        height, width = image.shape[:2]
        # Cropped to the cards: no TensorBoard header at the top, at most the window's width, and
        # a chart grid as wide as the window (less the page's margins).
        assert pixels_near(image[: 8 * scale], HEADER_ORANGE, tol=10) == 0, f"{name}: TensorBoard header shown"
        assert width <= scale * screenshots.SCALAR_WIDTH, name
        if colour is None:
            assert width >= 0.9 * scale * screenshots.SCALAR_WIDTH, f"{name}: {width} px wide"
        assert 1 / 4 <= height / width <= 3 / 2, f"{name}: {width}x{height} px"
        assert screenshots.blank_fraction(tmp_path / name) <= 1 / 3, f"{name}: mostly blank"
        rgb = image.astype(np.int32)
        distinct = len(np.unique((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]))
        assert distinct > 100, f"{name} looks blank ({distinct} colours)"
        assert pixels_near(image, OTHER_RUN_COLOUR) == 0, f"{name} shows a run that should be filtered out"
        if colour is None:  # charts: coloured run lines
            coloured = int((rgb.max(axis=-1) - rgb.min(axis=-1) >= 30).sum())
            assert coloured > 1000, f"{name}: no plotted lines ({coloured} coloured pixels)"
        else:  # the right step's image fills most of the picture, the other steps' images not shown
            # Half the grid's tiles are in the marker colour: 25 % of the picture means the grid
            # covers more than half of it.
            assert pixels_near(image, colour) > 0.25 * height * width, f"{name}: wrong, small or no image"
            for other in set(STEP_COLOURS.values()) - {colour}:
                assert pixels_near(image, other) == 0, f"{name} shows another step"
            assert distinct > 1000, f"{name}: noise tiles missing ({distinct} colours)"


# --- blank area: the measure, and the committed screenshots ----------------------------------------

def test_blank_fraction_counts_empty_space_not_chart_backgrounds(tmp_path):
    def saved(pixels, name):
        Image.fromarray(pixels).save(tmp_path / name)
        return tmp_path / name

    # A chart: white, with grey grid lines every 50 px (100 device px) and a curve: not blank.
    chart = np.full((600, 900, 3), 255, np.uint8)
    chart[::100], chart[:, ::100] = 204, 204
    chart[300 + (100 * np.sin(np.arange(900) / 80)).astype(int), np.arange(900)] = (229, 37, 146)
    assert screenshots.blank_fraction(saved(chart, "chart.png")) < 0.05
    # The old fixed-noise screenshot: an image grid in a quarter of a white card.
    small = np.full((600, 900, 3), 255, np.uint8)
    small[20:320, 20:470] = 0
    assert screenshots.blank_fraction(saved(small, "small.png")) > 1 / 3
    # Empty margins on TensorBoard's light grey page count as blank too.
    margin = np.full((600, 900, 3), (245, 246, 247), np.uint8)
    margin[:, :450] = chart[:, :450]
    assert screenshots.blank_fraction(saved(margin, "margin.png")) > 1 / 3


COMMITTED = sorted((Path(__file__).parent.parent / "screenshots").glob("*.png"))


@pytest.mark.parametrize("png", COMMITTED, ids=[p.name for p in COMMITTED])
def test_committed_screenshot_is_cropped_and_legible(png):
    """At most a third blank, no TensorBoard header, at most 2 * 960 px wide, no extreme aspect."""
    image = np.asarray(Image.open(png).convert("RGB"))
    height, width = image.shape[:2]
    blank = screenshots.blank_fraction(png)
    assert blank <= 1 / 3, f"{png.name}: {blank:.0%} blank"
    assert pixels_near(image[: 8 * screenshots.SCALE], HEADER_ORANGE, tol=10) == 0, f"{png.name}: header shown"
    assert width <= screenshots.SCALE * screenshots.SCALAR_WIDTH, f"{png.name}: {width} px wide"
    assert 1 / 4 <= height / width <= 3 / 2, f"{png.name}: {width}x{height} px"


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


def test_no_embed_leaves_notebooks_alone(tmp_path, shots, monkeypatch):
    path = tmp_path / "nb.ipynb"
    small_notebook(path, ["![A](attachment:a.png)"])
    before = path.read_bytes()
    monkeypatch.setattr(screenshots, "capture", lambda logdir, out: [out / "a.png"])  # no browser needed
    assert screenshots.main(["--no-embed", "--out", str(shots), "--notebooks", str(path)]) == 0
    assert path.read_bytes() == before
    with pytest.raises(SystemExit):  # capture without embedding, or embed without capturing: not both
        screenshots.main(["--no-embed", "--embed-only"])
