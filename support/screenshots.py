"""Screenshots of the TensorBoard plots and images that the task sheet asks for.

Starts a real TensorBoard on the run logs, drives headless Chromium (Debian's `chromium`)
through Playwright to each view of the Time Series dashboard, waits until the charts or
images have rendered and saves PNGs into `screenshots/`. Each PNG is cropped to the card(s) it
shows: no TensorBoard header or search bar, no empty page. Windows are rendered at device scale
factor 2, so the text is sharp, and are at most 960 CSS pixels wide (PNGs at most 1920 px), so a PNG
shown at a notebook's width reads like TensorBoard at 100 % zoom:

- chart views: 2 chart cards per row (3 for 3, 5 or more charts; the last card fills its row),
  title and chart only (no buttons, legend table or step selector), tick labels 13 px and never cut
  (a label that does not fit whole is hidden);
- image views: one image card (title, run, step label, slider) shrunk around the image, which is
  enlarged by a whole factor (sharp pixels) to at most IMAGE_BOX.

The server and the browser are stopped again in any case.

    make screenshots                      # = .venv/bin/python -m support.screenshots
    python -m support.screenshots --logdir runs --out screenshots
    python -m support.screenshots --no-embed     # only capture; leave the notebooks as they are
    python -m support.screenshots --embed-only   # only put the existing PNGs into the notebooks

After capturing (unless --no-embed), the PNGs go into the notebooks themselves, so that a grader
who reads only a notebook sees them: every markdown cell of dcgan_fashion_mnist.ipynb and
vae_cifar10.ipynb whose source references `attachment:NAME.png` (e.g. `![TensorBoard losses](attachment:dcgan_losses.png)`)
gets `screenshots/NAME.png` as a cell attachment; attachments the cell no longer references are
dropped, and nothing else in the notebook changes.

Views are chosen through TensorBoard's own URL state (`runFilter`, `tagFilter`,
`smoothing`) and its stored settings (settings pane and run sidebar closed), and laid out with
added CSS; image steps are picked with the card's step slider (keyboard), and the displayed step is
checked before the capture. A view whose run or tags are missing is skipped with a note;
the command fails when no view at all could be captured.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
from PIL import Image

from support.chromium import find_chromium
from support.files import atomic_write
from support.notebook_defs import NOTEBOOKS

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# TensorBoard keeps only 10 steps per image tag by default. Note: in TensorBoard 2.21
# `images=0` keeps *no* image at all, so ask for a number larger than any epoch count.
IMAGE_SAMPLES = 10_000
TIMEOUT_S = 60.0  # per browser step; TensorBoard gets twice that to load the logdir
# Windows in CSS pixels, and device pixels per CSS pixel: text drawn at twice the usual resolution.
# Each PNG is cropped to the card(s) it shows (no TensorBoard header, search bar or empty page) and is
# at most SCALAR_WIDTH CSS px wide, so it reads at a notebook's width like TensorBoard at 100 % zoom.
SCALE = 2
SCALAR_WIDTH = 960  # window width of chart views: 2 or 3 chart cards per row (see columns())
CARDS_TOP, CARD_ROW = 200, 360  # CSS px: (at most) the top of the first card and a row of cards (TB 2.21)
IMAGE_WINDOW = (960, 1000)  # window of image views, room for one IMAGE_BOX image and its card
IMAGE_BOX = (880, 640)  # largest image shown, CSS px; images are enlarged by a whole factor to fit it
# Blank area (see blank_fraction): near-white pixels with nothing else within BLANK_RADIUS device px.
NEAR_WHITE, BLANK_RADIUS = 230, 24 * SCALE


@dataclass(frozen=True)
class Scalars:
    """Scalar charts of one run. A tag ending in '/' stands for every tag under that prefix."""

    name: str
    run: str
    tags: tuple[str, ...]
    smoothing: float = 0.6


@dataclass(frozen=True)
class Images:
    """One image tag of one run at some of its steps ('first', 'middle', 'last');
    saved as <name>_epoch_NN.png, the step being the epoch."""

    name: str
    run: str
    tag: str
    at: tuple[str, ...] = ("last",)


DEFAULT_VIEWS: tuple[Scalars | Images, ...] = (
    Scalars("dcgan_losses", "dcgan/main", ("train/loss_D", "train/loss_G")),
    Scalars("dcgan_discriminator_outputs", "dcgan/main", ("train/D_x", "train/D_G_z")),
    Scalars("dcgan_epoch_metrics", "dcgan/main", ("epoch/",), smoothing=0.0),
    Images("dcgan_fixed_noise", "dcgan/main", "fixed_noise", ("first", "middle", "last")),
    Scalars("vae_losses", "vae/main", ("train/loss", "train/reconstruction", "train/kl")),
    Scalars("vae_test_metrics", "vae/main", ("test/psnr", "test/kl", "test/neg_elbo", "test/mse"), smoothing=0.0),
    Images("vae_reconstructions", "vae/main", "reconstructions"),
    Images("vae_prior_samples", "vae/main", "prior_samples"),
)


def blank_fraction(png: Path, radius: int = BLANK_RADIUS) -> float:
    """Share of a picture that is blank: near-white pixels (every channel >= NEAR_WHITE: white,
    TensorBoard's light grey page and card borders) with no other pixel within ``radius`` pixels
    (a square window). Chart backgrounds are white but crossed by grid lines and curves, so they do
    not count; empty margins, empty grid slots and white space around a small image do."""
    rgb = np.asarray(Image.open(png).convert("RGB"))
    ink = (rgb.min(axis=-1) < NEAR_WHITE).astype(np.int64)
    # Count ink in each pixel's window with a summed-area table (windows clipped at the picture's edge).
    table = np.pad(ink.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    rows, cols = (np.arange(n) for n in ink.shape)
    top, bottom = np.clip(rows - radius, 0, ink.shape[0]), np.clip(rows + radius + 1, 0, ink.shape[0])
    left, right = np.clip(cols - radius, 0, ink.shape[1]), np.clip(cols + radius + 1, 0, ink.shape[1])
    window = (table[np.ix_(bottom, right)] - table[np.ix_(top, right)]
              - table[np.ix_(bottom, left)] + table[np.ix_(top, left)])
    return float((window == 0).mean())


def disk_runs(logdir: Path) -> set[str]:
    """Run names as TensorBoard derives them: folders holding event files, relative to logdir."""
    return {"." if p.parent == logdir else p.parent.relative_to(logdir).as_posix()
            for p in logdir.rglob("*tfevents*") if p.is_file()}


class TensorBoard:
    """Client for the HTTP data API of a running TensorBoard."""

    def __init__(self, url: str):
        self.url = url

    def get(self, route: str, **query: str):
        qs = "?" + urllib.parse.urlencode(query) if query else ""
        with urllib.request.urlopen(f"{self.url}/data/{route}{qs}", timeout=10) as response:
            return json.load(response)

    def runs(self) -> list[str]:
        return self.get("runs")

    def tags(self, run: str) -> dict[str, list[str]]:
        """{'scalars': [...], 'images': [...]} for one run (empty lists for an unknown run)."""
        return {kind: sorted(self.get(f"plugin/{kind}/tags").get(run, {})) for kind in ("scalars", "images")}

    def image_steps(self, run: str, tag: str) -> list[int]:
        return sorted({e["step"] for e in self.get("plugin/images/images", run=run, tag=tag, sample="0")})

    def _snapshot(self):
        return self.runs(), self.get("plugin/scalars/tags"), self.get("plugin/images/tags")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def tensorboard(logdir: Path, timeout: float = 2 * TIMEOUT_S) -> Iterator[TensorBoard]:
    """Run `tensorboard --logdir LOGDIR` on a free local port until the block ends; yields once
    every run on disk is listed and the tag lists have stopped changing."""
    port = _free_port()
    cmd = [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
           "--port", str(port), "--samples_per_plugin", f"images={IMAGE_SAMPLES}"]
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            tb, expected, previous = TensorBoard(f"http://127.0.0.1:{port}"), disk_runs(logdir), None
            start = time.monotonic()
            while True:
                if proc.poll() is not None or time.monotonic() > start + timeout:
                    log.seek(0)
                    raise RuntimeError(f"TensorBoard did not come up on port {port} "
                                       f"(exit code {proc.poll()}):\n{log.read()[-2000:]}")
                try:
                    snapshot = tb._snapshot()
                except OSError:
                    snapshot = None
                # Every run on disk listed (or, for runs without data, a grace period), tags stable.
                if (snapshot and snapshot[0] and snapshot == previous
                        and (expected <= set(snapshot[0]) or time.monotonic() > start + timeout / 3)):
                    break
                previous = snapshot
                time.sleep(0.5)
            yield tb
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop TensorBoard and its data server (same process group, started by us)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def _dashboard_url(tb: TensorBoard, run: str, tags: Sequence[str], smoothing: float | None = None) -> str:
    # Regexes (JavaScript, anchored). re.escape would add escapes JavaScript rejects in
    # unicode mode, so escape just the metacharacters.
    def esc(s: str) -> str:
        return "".join("\\" + c if c in r"\^$.|?*+()[]{}" else c for c in s)

    query = {"runFilter": f"^{esc(run)}$", "tagFilter": "^(" + "|".join(map(esc, tags)) + ")$"}
    if smoothing is not None:
        query["smoothing"] = str(smoothing)
    return f"{tb.url}/?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}#timeseries"


def _open(browser, url: str, size: tuple[int, int], scale: float = SCALE):
    """A fresh page with TensorBoard's stored settings: no settings pane, no run sidebar (each
    view shows one run, named by its run filter). ``size`` is the window in CSS pixels; the
    PNG has ``scale`` device pixels per CSS pixel."""
    settings = {"timeSeriesSettingsPaneOpened": False, "sideBarWidthInPercent": 0, "ignoreOutliers": False}
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, color_scheme="light",
                                  device_scale_factor=scale)
    stored = json.dumps(json.dumps(settings))
    context.add_init_script(f"localStorage.setItem('_tb_global_settings', {stored})")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)
    page.goto(url)
    return page


# Bounding box (CSS px, rounded outwards) of all shown elements matching a selector: the crop of a
# view. (TensorBoard keeps hidden copies of the cards, with empty boxes, for its other tabs.)
BOUNDING_BOX = """sel => {
    const rs = [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
    const x = Math.floor(Math.min(...rs.map(r => r.left))), y = Math.floor(Math.min(...rs.map(r => r.top)));
    return {x, y, width: Math.ceil(Math.max(...rs.map(r => r.right))) - x,
            height: Math.ceil(Math.max(...rs.map(r => r.bottom))) - y};
}"""

# Hide every axis tick label that does not fit whole into its axis (TensorBoard clips them at the
# axis ends), so that a chart shows whole labels only.
HIDE_CUT_LABELS = """() => document.querySelectorAll('line-chart-axis').forEach(axis => {
    const box = axis.getBoundingClientRect();
    axis.querySelectorAll('text, .major-label').forEach(label => {
        const r = label.getBoundingClientRect();
        const whole = r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
        label.style.visibility = whole ? '' : 'hidden';
    });
})"""


def _settle(page, path: Path, clip: dict, prepare: str | None = None) -> None:
    """Move the pointer away, then save the ``clip`` rectangle (CSS px) once two consecutive
    frames are identical; ``prepare`` is JavaScript run before each frame."""
    page.mouse.move(page.viewport_size["width"] - 1, page.viewport_size["height"] - 1)
    shot, last, deadline = None, None, time.monotonic() + 10
    while shot is None or time.monotonic() < deadline:
        page.wait_for_timeout(200)
        if prepare:
            page.evaluate(prepare)
        shot = page.screenshot(clip=clip)
        if shot == last:
            break
        last = shot
    path.write_bytes(shot)


def columns(cards: int) -> int:
    """Chart cards per row: a 2x2 grid for 4 cards, 2 side by side for 1 or 2, else 3 per row."""
    return 2 if cards in (1, 2, 4) else 3


def _capture_scalars(browser, tb: TensorBoard, view: Scalars, tags: list[str], out: Path) -> Path:
    # A fixed number of cards per row, the window tall enough that every card is on screen (so all
    # of them load); the PNG is cropped to the cards.
    cols = columns(len(tags))
    size = (SCALAR_WIDTH, CARDS_TOP + -(-len(tags) // cols) * CARD_ROW)
    page = _open(browser, _dashboard_url(tb, view.run, tags, view.smoothing), size)
    try:
        page.add_style_tag(content=(
            # `cols` cards per row; the last card spans the rest of its row, leaving no empty slot.
            f".card-grid{{grid-template-columns:repeat({cols},1fr) !important}}"
            f".card-grid>.card-space:last-child{{grid-column:span {cols - (len(tags) - 1) % cols}}}"
            # Title and chart only: no buttons (they would shorten long titles), no legend table, no
            # step-selector line with its step label (it covers the last x tick label), no resize grips.
            ".heading .controls,.data-table-container,scalar-card-fob-controller{display:none !important}"
            "scalar-card-component .chart-container{resize:none !important}"
            # Tick labels at full strength up to the axis ends (TensorBoard fades them out there), and
            # text a little larger than TensorBoard's 11 px ticks and 14 px titles, for print.
            "line-chart-axis .ticks{-webkit-mask-image:none !important;mask-image:none !important}"
            "line-chart-axis text{font-size:13px !important}scalar-card-component .heading{font-size:16px !important}"
            "scalar-card-component{padding-bottom:4px !important}"))  # the x axis has room below its labels
        cards = page.locator("scalar-card-component")
        page.wait_for_function("n => document.querySelectorAll('scalar-card-component').length === n",
                               arg=len(tags))
        # Every card has loaded: no spinner, and its (hidden) legend table names the run.
        page.wait_for_function(
            """run => [...document.querySelectorAll('scalar-card-component')]
                .every(c => !c.querySelector('mat-spinner')
                            && c.querySelector('line-chart canvas, line-chart svg')
                            && c.querySelector('.data-table-container')?.textContent.includes(run))""",
            arg=view.run)
        shown = {cards.nth(i).locator("tb-truncated-path").first.get_attribute("title")
                 for i in range(cards.count())}
        if shown != set(tags):
            raise RuntimeError(f"{view.name}: TensorBoard shows {sorted(shown)}, expected {tags}")
        path = out / f"{view.name}.png"
        _settle(page, path, page.evaluate(BOUNDING_BOX, "card-view"), prepare=HIDE_CUT_LABELS)
        return path
    finally:
        page.context.close()


def _capture_images(browser, tb: TensorBoard, view: Images, out: Path) -> list[Path]:
    steps = tb.image_steps(view.run, view.tag)
    if not steps:
        raise RuntimeError(f"{view.name}: TensorBoard lists tag {view.tag!r} of {view.run!r} but serves no image")
    wanted = sorted({{"first": steps[0], "middle": steps[(len(steps) - 1) // 2], "last": steps[-1]}[a]
                     for a in view.at})
    page = _open(browser, _dashboard_url(tb, view.run, [view.tag]), IMAGE_WINDOW)
    try:
        card = page.locator("image-card-component").filter(
            has=page.locator(f"tb-truncated-path[title='{view.tag}']")).first
        img, label = card.locator(".img-container img"), card.locator(".metadata .step")
        slider = card.locator("input[type=range]")
        img.wait_for()
        run_shown = card.locator("card-run-name").inner_text().strip()
        if run_shown != view.run:
            raise RuntimeError(f"{view.name}: the image card shows run {run_shown!r}, not {view.run!r}")
        # Show the image enlarged by a whole factor (sharp pixels), as large as fits IMAGE_BOX, and
        # shrink the card around it: title, run, step label, slider and image, little else.
        natural = page.wait_for_function("i => i.complete && i.naturalWidth > 0 && [i.naturalWidth, i.naturalHeight]",
                                         arg=img.element_handle()).json_value()
        zoom = max(1, int(min(SCALE * box / n for box, n in zip(IMAGE_BOX, natural, strict=True))))
        width, height = (n * zoom / SCALE for n in natural)
        page.add_style_tag(content=(
            ".card-space:has(image-card){grid-column:1/-1}image-card-component .controls{display:none}"
            "card-view:has(image-card){height:auto !important;min-height:0 !important;width:max-content}"
            "image-card-component{flex:none !important;height:auto !important;overflow:visible !important}"
            "image-card-component .img-container{flex:none !important}"
            f"image-card-component .img-container img{{position:static !important;display:block;"
            f"width:{width}px !important;height:{height}px !important;max-width:none !important;"
            "max-height:none !important}"))
        paths = []
        for step in wanted:
            if slider.count():  # no slider when the tag has a single step
                slider.focus()
                page.keyboard.press("Home")
                for _ in range(int(slider.get_attribute("max"))):
                    shown = label.inner_text().strip()
                    if shown == f"Step {step}":
                        break
                    page.keyboard.press("ArrowRight")
                    page.wait_for_function("([el, old]) => el.textContent.trim() !== old",
                                           arg=[label.element_handle(), shown])
                slider.blur()
            shown = (label.inner_text().strip(), img.get_attribute("alt"))
            if shown != (f"Step {step}", f"Image at step {step}"):
                raise RuntimeError(f"{view.name}: could not set the step slider to step {step}")
            page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
            img.evaluate("i => i.decode()")
            path = out / f"{view.name}_epoch_{step:02d}.png"
            _settle(page, path, page.evaluate(BOUNDING_BOX, "card-view:has(image-card)"))
            paths.append(path)
        return paths
    finally:
        page.context.close()


def capture(logdir: Path, outdir: Path, views: Sequence[Scalars | Images] = DEFAULT_VIEWS) -> list[Path]:
    """Save a PNG per view (per step for image views) into outdir; returns the files written.
    Views whose run or tags are missing are skipped with a printed note."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    logdir, outdir = Path(logdir), Path(outdir)
    if not disk_runs(logdir):
        raise RuntimeError(f"No TensorBoard event files under {logdir}")
    chromium = find_chromium()
    outdir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tensorboard(logdir) as tb, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        except Exception as e:
            raise RuntimeError(f"Could not start Chromium ({chromium}); is `sudo apt-get install chromium` "
                               f"done and working?\n{e}") from e
        try:
            runs = tb.runs()
            for view in views:
                available = tb.tags(view.run)
                try:
                    if isinstance(view, Scalars):
                        wanted = list(view.tags)
                        tags = [t for t in available["scalars"]
                                if any(t == w or (w.endswith("/") and t.startswith(w)) for w in wanted)]
                        new = [_capture_scalars(browser, tb, view, tags, outdir)] if tags else []
                    else:
                        wanted = [view.tag]
                        present = view.tag in available["images"]
                        new = _capture_images(browser, tb, view, outdir) if present else []
                except PlaywrightError as e:
                    raise RuntimeError(f"{view.name}: TensorBoard did not render as expected: {e}") from e
                if not new:
                    why = f"has none of the tags {wanted}" if view.run in runs else "is not in the logdir"
                    print(f"skipped {view.name}: run {view.run!r} {why}")
                for path in new:
                    with Image.open(path) as png:
                        size = "x".join(map(str, png.size))
                    print(f"saved {path} ({size} px, {blank_fraction(path):.0%} blank)")
                saved += new
        finally:
            browser.close()
    return saved


ATTACHMENT = re.compile(r"attachment:([^\s()\[\]<>\"']+)")  # as in ![alt](attachment:NAME.png)


def embed(notebook: Path, shots: Path) -> list[str]:
    """Make every ``attachment:NAME.png`` reference in a markdown cell of ``notebook`` an attachment
    of that cell holding ``shots/NAME.png``; drop attachments the cell does not reference (other
    referenced attachments, e.g. a .jpg, are kept). Returns the names embedded. Raises RuntimeError,
    writing nothing, when a referenced PNG is not in ``shots``. The file is rewritten (in nbformat's
    layout, atomically) only if something changed."""
    raw = notebook.read_text(encoding="utf-8")
    nb = nbformat.reads(raw, as_version=4)
    embedded, missing = [], []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        names = sorted(set(ATTACHMENT.findall(cell.source)))
        old, new = cell.get("attachments", {}), {}
        for name in names:
            png = shots / name
            if not name.endswith(".png"):
                if name in old:
                    new[name] = old[name]
            elif png.is_file():
                new[name] = {"image/png": base64.b64encode(png.read_bytes()).decode("ascii")}
                embedded.append(name)
            else:
                missing.append(name)
        if new:
            cell["attachments"] = new
        else:
            cell.pop("attachments", None)
    if missing:
        raise RuntimeError(f"{notebook.name} references {', '.join(missing)}, not in {shots}/ "
                           "(run: make screenshots)")
    text = nbformat.writes(nb) + "\n"
    if text != raw:
        with atomic_write(notebook) as partial:
            partial.write_text(text, encoding="utf-8")
    return embedded


def embed_all(notebooks: Sequence[Path], shots: Path) -> None:
    """embed() into each notebook that exists, printing what went where."""
    for notebook in notebooks:
        if not notebook.is_file():
            print(f"skipped embedding into {notebook}: no such notebook")
            continue
        names = embed(notebook, shots)
        print(f"embedded into {notebook}: {', '.join(names) if names else 'nothing (no attachment: reference)'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logdir", type=Path, default=Path("runs"), help="TensorBoard log directory")
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="where the PNGs go")
    parser.add_argument("--notebooks", type=Path, nargs="*", default=[Path(name) for name in NOTEBOOKS],
                        help="notebooks to embed the PNGs into (default: both task notebooks)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--embed-only", action="store_true",
                      help="do not start TensorBoard; embed the PNGs already in --out")
    mode.add_argument("--no-embed", action="store_true", help="only capture; leave the notebooks unchanged")
    args = parser.parse_args(argv)
    try:
        if not args.embed_only and not capture(args.logdir, args.out):
            print(f"error: no view could be captured from {args.logdir}", file=sys.stderr)
            return 1
        if not args.no_embed:
            embed_all(args.notebooks, args.out)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
