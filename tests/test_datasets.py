"""The data path: the offline mirror loads complete, correctly labelled data; failures give one clear error."""

import gzip
import os
from urllib.error import URLError

import pytest
import torch
from PIL import Image
from torchvision import datasets

from support import datasets as data
from support.datasets import DatasetUnavailable

MIRROR = os.environ.get("DATASET_MIRROR")
needs_mirror = pytest.mark.skipif(not MIRROR, reason="DATASET_MIRROR is not set (see README)")


@needs_mirror
def test_fashion_mnist_from_mirror(tmp_path):
    train, test = data.fashion_mnist(True, tmp_path), data.fashion_mnist(False, tmp_path)
    assert train.images.shape == (60_000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (10_000, 1, 28, 28)
    assert train.labels.bincount().tolist() == [6000] * 10
    assert test.labels.bincount().tolist() == [1000] * 10
    assert train.classes[0] == "T-shirt/top" and train.classes[9] == "Ankle boot"
    pixels = train.images.float() / 255
    assert pixels.mean().item() == pytest.approx(0.2860, abs=1e-4)
    assert pixels.std().item() == pytest.approx(0.3530, abs=1e-4)
    # the notebook's normalisation maps [0, 255] to [-1, 1]
    scaled = pixels * 2 - 1
    assert scaled.min() == -1 and scaled.max() == 1
    assert not list(tmp_path.glob(".download-*"))


@needs_mirror
def test_cifar10_from_mirror_is_decoded_once_and_cached(tmp_path):
    train = data.cifar10(True, tmp_path)
    assert train.images.shape == (50_000, 3, 32, 32) and train.images.dtype == torch.uint8
    assert train.labels.bincount().tolist() == [5000] * 10
    assert train.classes == ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    mean = (train.images.float() / 255).mean((0, 2, 3))
    assert mean.tolist() == pytest.approx([0.49140, 0.48216, 0.44653], abs=1e-4)
    assert (tmp_path / "cifar10-mirror-train.pt").is_file()
    test = data.cifar10(False, tmp_path)
    assert test.images.shape == (10_000, 3, 32, 32)
    assert test.labels.bincount().tolist() == [1000] * 10
    again = data.cifar10(False, tmp_path)  # from the cache now
    assert torch.equal(again.images, test.images) and torch.equal(again.labels, test.labels)


def test_no_mirror_and_no_internet_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DATASET_MIRROR", raising=False)

    def offline(self, *args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(datasets.FashionMNIST, "download", offline)
    monkeypatch.setattr(datasets.CIFAR10, "download", offline)
    for load in (data.fashion_mnist, data.cifar10):
        with pytest.raises(DatasetUnavailable) as err:
            load(True, tmp_path)
        message = str(err.value)
        assert "DATASET_MIRROR" in message and "Datasets offline" in message and "no network" in message
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_incomplete_fashion_mirror_names_the_missing_files(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "fashion-mnist").mkdir(parents=True)
    with gzip.open(mirror / "fashion-mnist" / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(b"not really")
    monkeypatch.setenv("DATASET_MIRROR", str(mirror))
    with pytest.raises(DatasetUnavailable, match="t10k-labels-idx1-ubyte.gz"):
        data.fashion_mnist(True, tmp_path / "data")
    assert not (tmp_path / "data" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists()


def test_cifar_mirror_with_wrong_image_count_is_refused(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    for name in data.CIFAR10_CLASSES:
        folder = mirror / "cifar10" / "test" / name
        folder.mkdir(parents=True)
        Image.new("RGB", (32, 32)).save(folder / "a.png")
    monkeypatch.setenv("DATASET_MIRROR", str(mirror))
    with pytest.raises(DatasetUnavailable, match="has 10 images, expected 10000"):
        data.cifar10(False, tmp_path / "data")
    assert not (tmp_path / "data" / "cifar10-mirror-test.pt").exists()
    with pytest.raises(DatasetUnavailable, match="no folder"):
        data.cifar10(True, tmp_path / "data")
