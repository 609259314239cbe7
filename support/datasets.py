"""Get Fashion-MNIST and CIFAR-10 as in-memory uint8 tensors, online or from an offline mirror.

Online (the default), torchvision downloads the datasets into ``data/`` exactly as the task
sheet suggests. Offline, set ``DATASET_MIRROR`` to a folder laid out like the project's
``shared/data`` (``fashion-mnist/*.gz`` IDX files and ``cifar10/{train,test}/<class>/*.png``);
see the README section "Datasets offline". Either way the result is the same:

    >>> data = fashion_mnist(train=True)      # ImageTensors(images=(60000, 1, 28, 28) uint8, ...)
    >>> data = cifar10(train=False)           # ImageTensors(images=(10000, 3, 32, 32) uint8, ...)

Nothing half-written is left in ``data/`` when a download or a mirror fails.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from PIL import Image
from torchvision import datasets

MIRROR_ENV = "DATASET_MIRROR"
HELP = (
    "Either connect to the internet (torchvision downloads the data into 'data/'), or set "
    f"{MIRROR_ENV} to a folder laid out like shared/data — see the README section "
    "'Datasets offline'."
)
FASHION_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
EXPECTED = {("fashion-mnist", True): 60_000, ("fashion-mnist", False): 10_000,
            ("cifar10", True): 50_000, ("cifar10", False): 10_000}


class DatasetUnavailable(RuntimeError):
    """The dataset could neither be downloaded nor read from the mirror."""


class ImageTensors(NamedTuple):
    images: torch.Tensor  # (N, C, H, W) uint8
    labels: torch.Tensor  # (N,) int64
    classes: tuple[str, ...]


def fashion_mnist(train: bool = True, root: str | Path = "data") -> ImageTensors:
    """Fashion-MNIST through ``torchvision.datasets.FashionMNIST``."""
    root = Path(root)
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        _stage_fashion_mirror(Path(mirror) / "fashion-mnist", root / "FashionMNIST" / "raw")
        ds = datasets.FashionMNIST(root, train=train, download=False)
    else:
        ds = _download(lambda r: datasets.FashionMNIST(r, train=train, download=True),
                       root, "FashionMNIST", "Fashion-MNIST")
    data = ImageTensors(ds.data.unsqueeze(1).contiguous(), ds.targets.long(), tuple(ds.classes))
    return _checked(data, "fashion-mnist", train)


def cifar10(train: bool = True, root: str | Path = "data") -> ImageTensors:
    """CIFAR-10 through ``torchvision.datasets.CIFAR10`` or, offline, ``ImageFolder``.

    The mirror's PNGs are decoded once and cached as a tensor file in ``root`` (about 150 MB
    for the training split), so later runs start in a second instead of ~15 s.
    """
    root = Path(root)
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        data = _cifar10_from_mirror(Path(mirror) / "cifar10" / ("train" if train else "test"),
                                    root / f"cifar10-mirror-{'train' if train else 'test'}.pt")
    else:
        ds = _download(lambda r: datasets.CIFAR10(r, train=train, download=True),
                       root, "cifar-10-batches-py", "CIFAR-10")
        images = torch.from_numpy(ds.data).permute(0, 3, 1, 2).contiguous()  # (N,32,32,3) -> (N,3,32,32)
        data = ImageTensors(images, torch.tensor(ds.targets), tuple(ds.classes))
    return _checked(data, "cifar10", train)


def cifar10_per_sample(train: bool = True, root: str | Path = "data", transform=None):
    """The classic per-sample pipeline, for comparison only: a torchvision dataset that decodes and
    transforms one image per ``__getitem__`` (``CIFAR10`` online, ``ImageFolder`` over the mirror)."""
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        return datasets.ImageFolder(Path(mirror) / "cifar10" / ("train" if train else "test"), transform=transform)
    return _download(lambda r: datasets.CIFAR10(r, train=train, download=True, transform=transform),
                     Path(root), "cifar-10-batches-py", "CIFAR-10")


def _download(make, root: Path, folder: str, name: str):
    """Run torchvision's download in a temporary folder; move it into ``root`` only on success."""
    if (root / folder).exists():
        try:
            return make(root)
        except RuntimeError:
            pass  # incomplete earlier download: fetch again below
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
        try:
            make(tmp)
        except Exception as exc:  # URLError, HTTPError, checksum RuntimeError, ...
            raise DatasetUnavailable(
                f"Could not download {name} ({type(exc).__name__}: {exc}) and {MIRROR_ENV} is not set. "
                + HELP) from None
        shutil.rmtree(root / folder, ignore_errors=True)
        os.replace(Path(tmp) / folder, root / folder)
        for archive in Path(tmp).glob("*.tar.gz"):  # keep CIFAR's archive so md5 checks pass later
            os.replace(archive, root / archive.name)
    return make(root)


def _stage_fashion_mirror(src: Path, raw: Path) -> None:
    """Decompress the four IDX files into torchvision's ``raw/`` folder (atomically, once)."""
    missing = [f"{n}.gz" for n in FASHION_FILES if not (src / f"{n}.gz").is_file()]
    if missing:
        raise DatasetUnavailable(
            f"{MIRROR_ENV}={os.environ.get(MIRROR_ENV)} is incomplete: {src} lacks {', '.join(missing)}. "
            + HELP)
    raw.mkdir(parents=True, exist_ok=True)
    for name in FASHION_FILES:
        if (raw / name).is_file():
            continue
        with tempfile.NamedTemporaryFile(dir=raw, delete=False) as out:
            try:
                with gzip.open(src / f"{name}.gz") as f:
                    shutil.copyfileobj(f, out)
            except (OSError, EOFError) as exc:
                os.unlink(out.name)
                raise DatasetUnavailable(f"Cannot read {src / name}.gz ({exc}). " + HELP) from None
        os.replace(out.name, raw / name)


def _cifar10_from_mirror(folder: Path, cache: Path) -> ImageTensors:
    if cache.is_file():
        images, labels = torch.load(cache)
        return ImageTensors(images, labels, CIFAR10_CLASSES)
    if not folder.is_dir():
        raise DatasetUnavailable(
            f"{MIRROR_ENV}={os.environ.get(MIRROR_ENV)} has no folder {folder}. " + HELP)
    ds = datasets.ImageFolder(folder)
    if tuple(ds.classes) != CIFAR10_CLASSES:
        raise DatasetUnavailable(f"{folder} holds classes {ds.classes}, expected {list(CIFAR10_CLASSES)}. " + HELP)
    # Decode every PNG once; ImageFolder's sorted order keeps this repeatable.
    pixels = np.stack([np.asarray(Image.open(p).convert("RGB")) for p, _ in ds.samples])  # (N, 32, 32, 3)
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous()
    labels = torch.tensor(ds.targets)
    data = ImageTensors(images, labels, CIFAR10_CLASSES)
    _checked(data, "cifar10", folder.name == "train")
    cache.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache.parent, delete=False) as tmp:
        torch.save((images, labels), tmp)
    os.replace(tmp.name, cache)
    return data


def _checked(data: ImageTensors, name: str, train: bool) -> ImageTensors:
    expected = EXPECTED[(name, train)]
    if len(data.images) != expected or len(data.labels) != expected:
        raise DatasetUnavailable(
            f"{name} ({'train' if train else 'test'}) has {len(data.images)} images, expected {expected}; "
            "the download or mirror is incomplete. " + HELP)
    return data
