"""The path every online user takes: the notebooks' loaders without DATASET_MIRROR, downloading through
torchvision. torchvision is pointed at an HTTP server on 127.0.0.1 that this module starts (its class
attributes patched), which counts requests and can drop a connection half-way or serve wrong bytes."""

import gzip
import hashlib
import io
import os
import pickle
import socket
import struct
import tarfile
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import torch

MIRROR = os.environ.get("DATASET_MIRROR")  # conftest sets it when ../shared/data exists; read before unsetting
TIMEOUT = 5  # seconds, for every socket of client and server
FASHION = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CIFAR_BATCHES = {"data_batch_1": 3, "data_batch_2": 3, "data_batch_3": 3, "data_batch_4": 3, "data_batch_5": 3,
                 "test_batch": 4}  # images per batch file


class LocalServer:
    """Serves ``files`` (URL path -> bytes) on 127.0.0.1 from a daemon thread and counts GET requests per
    path. ``faults[path]``: "drop" sends the full Content-Length but closes the connection half-way
    through the body; "reset" aborts it there (TCP reset); "wrong" sends other bytes of the same length."""

    def __init__(self):
        self.files, self.faults, self.requests = {}, {}, Counter()
        lock, owner = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            timeout = TIMEOUT

            def do_GET(self):
                with lock:
                    owner.requests[self.path] += 1
                body, fault = owner.files.get(self.path), owner.faults.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                if fault == "wrong":
                    body = bytes(len(body))
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2] if fault in ("drop", "reset") else body)
                    if fault == "reset":  # linger 0: close() sends RST instead of FIN
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # torchvision's redirect probe closes its request without reading the body
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(TIMEOUT)


@pytest.fixture
def server(monkeypatch):
    """A running LocalServer, stopped in teardown. No mirror, no proxy; every URL torchvision opens must
    be on 127.0.0.1 and is opened without proxies and with a short timeout."""
    for name in ("DATASET_MIRROR", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def local_only(request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        assert urlsplit(url).hostname == "127.0.0.1", f"the test tried to reach {url}"
        kwargs.setdefault("timeout", TIMEOUT)
        return direct.open(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", local_only)
    local = LocalServer()
    yield local
    local.stop()
    assert not local.thread.is_alive()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def assert_one_short_error(err, fault, *fragments):
    """One short DatasetUnavailable naming DATASET_MIRROR and the cause: a truncated or wrong file fails
    torchvision's checksum ("corrupted"); a reset connection shows as the reset, or as a truncated file
    when the client read the first half before the reset arrived."""
    message = str(err.value)
    cause = ("corrupted",) if fault != "reset" else ("corrupted", "reset")
    assert "DATASET_MIRROR" in message and any(c in message.lower() for c in cause), message
    assert all(f in message for f in fragments), message
    assert len(message) <= 500 and message.count("\n") <= 2, f"not a short message:\n{message}"


# --- Fashion-MNIST ---

def serve_fashion(server, monkeypatch, datasets, files: dict[str, bytes]):
    """Serve ``files`` (name.gz -> bytes) under /fashion/ and point torchvision's FashionMNIST at them."""
    for name, data in files.items():
        server.files[f"/fashion/{name}"] = data
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", [server.url + "fashion/"])
    monkeypatch.setattr(datasets.FashionMNIST, "resources", [(name, md5(data)) for name, data in files.items()])


def tiny_fashion() -> dict[str, bytes]:
    """Four small gzipped IDX files (train: 6 images, test: 4) in Fashion-MNIST's format."""
    rng = np.random.default_rng(0)
    out = {}
    for prefix, n in (("train", 6), ("t10k", 4)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        out[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(
            (2051).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in images.shape) + images.tobytes())
        out[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(
            (2049).to_bytes(4, "big") + n.to_bytes(4, "big") + labels.tobytes())
    return out


@pytest.mark.skipif(not MIRROR, reason="needs DATASET_MIRROR (the offline copy of the data) to serve")
def test_fashion_mnist_download_equals_the_mirror_and_happens_once(dcgan, server, monkeypatch, tmp_path):
    serve_fashion(server, monkeypatch, dcgan["datasets"],
                  {f"{n}.gz": (Path(MIRROR) / "fashion-mnist" / f"{n}.gz").read_bytes() for n in FASHION})
    root, load = tmp_path / "data", dcgan["load_fashion_mnist"]
    train = load(root, None, train=True)
    assert sorted(server.requests) == sorted(f"/fashion/{n}.gz" for n in FASHION)
    served = dict(server.requests)
    test = load(root, None, train=False)
    again = load(root, None, train=True)
    assert server.requests == served  # the second split and the second call download nothing
    assert sorted(p.name for p in root.iterdir()) == ["FashionMNIST"]  # no temporary folder left
    for split, got, other in ((True, train, again), (False, test, None)):
        want = load(tmp_path / "from-mirror", MIRROR, train=split)
        assert torch.equal(got[0], want[0]) and got[0].dtype == torch.uint8
        assert torch.equal(got[1], want[1]) and got[1].dtype == torch.int64 and got[2] == want[2]
        if other is not None:
            assert torch.equal(other[0], got[0]) and torch.equal(other[1], got[1])
    assert train[0].shape == (60_000, 1, 28, 28) and test[0].shape == (10_000, 1, 28, 28)
    assert train[2][0] == "T-shirt/top" and len(train[2]) == 10


@pytest.mark.parametrize("fault", ["drop", "reset", "wrong"])
def test_fashion_mnist_failed_download_leaves_nothing_and_the_next_call_succeeds(
        dcgan, server, monkeypatch, tmp_path, fault):
    files = tiny_fashion()
    serve_fashion(server, monkeypatch, dcgan["datasets"], files)
    server.faults["/fashion/t10k-images-idx3-ubyte.gz"] = fault  # the third file: two are whole by then
    root, load = tmp_path / "data", dcgan["load_fashion_mnist"]
    with pytest.raises(dcgan["DatasetUnavailable"]) as err:
        load(root, None, train=False)
    # torchvision names the file when its checksum fails; a reset escapes its per-file loop unnamed
    assert_one_short_error(err, fault, *(["t10k-images-idx3-ubyte.gz"] if fault != "reset" else []))
    assert list(root.rglob("*")) == []  # nothing half-written, no temporary folder
    server.faults.clear()
    images, labels, _ = load(root, None, train=False)
    assert images.shape == (4, 1, 28, 28) and labels.shape == (4,)
    with gzip.open(io.BytesIO(files["t10k-images-idx3-ubyte.gz"])) as f:
        assert images.flatten().tolist() == list(f.read()[16:])


# --- CIFAR-10 ---

def cifar_archive() -> tuple[bytes, dict[str, bytes], dict[str, dict]]:
    """A small cifar-10-python.tar.gz in torchvision's layout: (archive, pickle bytes per member, the
    pickled dicts), with a few images per batch file."""
    rng = np.random.default_rng(0)
    blobs, batches = {}, {}
    for name, n in CIFAR_BATCHES.items():
        batches[name] = {"batch_label": name, "labels": rng.integers(0, 10, n).tolist(),
                         "data": rng.integers(0, 256, (n, 3 * 32 * 32), dtype=np.uint8),
                         "filenames": [f"{name}_{i}.png" for i in range(n)]}
        blobs[name] = pickle.dumps(batches[name], protocol=2)
    blobs["batches.meta"] = pickle.dumps({"label_names": list(CIFAR_CLASSES), "num_cases_per_batch": 3,
                                          "num_vis": 3072}, protocol=2)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in blobs.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue(), blobs, batches


@pytest.fixture
def cifar(vae, server, monkeypatch):
    """The small archive served at /cifar-10-python.tar.gz, torchvision's CIFAR10 pointed at it; returns
    the pickled batches."""
    archive, blobs, batches = cifar_archive()
    server.files["/cifar-10-python.tar.gz"] = archive
    cls = vae["datasets"].CIFAR10
    monkeypatch.setattr(cls, "url", server.url + "cifar-10-python.tar.gz")
    monkeypatch.setattr(cls, "tgz_md5", md5(archive))
    monkeypatch.setattr(cls, "train_list", [[f"data_batch_{i}", md5(blobs[f"data_batch_{i}"])] for i in range(1, 6)])
    monkeypatch.setattr(cls, "test_list", [["test_batch", md5(blobs["test_batch"])]])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": md5(blobs["batches.meta"])})
    return batches


def expected_split(batches, names):
    images = np.concatenate([batches[n]["data"] for n in names]).reshape(-1, 3, 32, 32)
    return torch.from_numpy(images), torch.tensor(sum((batches[n]["labels"] for n in names), []))


def test_cifar10_download_gives_both_splits_and_happens_once(vae, server, cifar, tmp_path):
    root, load = tmp_path / "data", vae["load_cifar10"]
    train = load(root, None, train=True)
    assert set(server.requests) == {"/cifar-10-python.tar.gz"}
    served = dict(server.requests)
    test = load(root, None, train=False)
    again = load(root, None, train=True)
    assert server.requests == served  # the second split and the second call download nothing
    assert sorted(p.name for p in root.iterdir()) == ["cifar-10-batches-py"]  # no archive, no temporary folder
    for (images, labels, classes), names in ((train, [f"data_batch_{i}" for i in range(1, 6)]),
                                             (test, ["test_batch"]), (again, [f"data_batch_{i}" for i in range(1, 6)])):
        want_images, want_labels = expected_split(cifar, names)
        assert images.dtype == torch.uint8 and images.shape == (len(want_labels), 3, 32, 32)
        assert labels.dtype == torch.int64 and labels.shape == (len(want_labels),)
        assert torch.equal(images, want_images) and torch.equal(labels, want_labels)
        assert classes == CIFAR_CLASSES  # a tuple, as the mirror branch returns
    assert len(train[1]) == 15 and len(test[1]) == 4


@pytest.mark.parametrize("fault", ["drop", "reset", "wrong"])
def test_cifar10_failed_download_leaves_nothing_and_the_next_call_succeeds(vae, server, cifar, tmp_path, fault):
    server.faults["/cifar-10-python.tar.gz"] = fault
    root, load = tmp_path / "data", vae["load_cifar10"]
    with pytest.raises(vae["DatasetUnavailable"]) as err:
        load(root, None, train=False)
    assert_one_short_error(err, fault)
    assert list(root.rglob("*")) == []  # nothing half-written, no temporary folder
    server.faults.clear()
    images, labels, classes = load(root, None, train=False)
    want_images, want_labels = expected_split(cifar, ["test_batch"])
    assert torch.equal(images, want_images) and torch.equal(labels, want_labels) and classes == CIFAR_CLASSES
