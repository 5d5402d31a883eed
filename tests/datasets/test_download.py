"""Downloads, for real, from a local HTTP server on 127.0.0.1 (see conftest.py: nothing else
can be reached). The served files are small ones generated here; their hashes replace the
real ones (``REMOTE``), which belong to the real files."""

import os
import socket
import time

import pytest
from conftest import InternetAccessError
from dataset_files import (IDX_NAMES, assert_same_dataset, listing, plant_idx, plant_npz,
                           sha256_of, small_dataset)

from kerasette.datasets import download, fashion_mnist, mnist
from kerasette.datasets.download import ChecksumError, RemoteFile


def remote_for(path, name=None):
    """A RemoteFile with the true hash and size of the local file ``path``."""
    return RemoteFile(name or os.path.basename(path), sha256_of(path), os.path.getsize(path))


@pytest.fixture
def served_fashion(http_server, monkeypatch, tmp_path):
    """Small Fashion-MNIST files on the server, their hashes in REMOTE, no system folder."""
    arrays = small_dataset(5)
    plant_idx(http_server.folder, arrays)
    remote = {stem + ".gz": remote_for(os.path.join(http_server.folder, stem + ".gz"))
              for stem in IDX_NAMES.values()}
    monkeypatch.setattr(fashion_mnist, "REMOTE", remote)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_FOLDER", str(tmp_path / "no-system-folder"))
    return arrays


@pytest.fixture
def served_mnist(http_server, monkeypatch):
    arrays = small_dataset(9)
    path = plant_npz(os.path.join(http_server.folder, "mnist.npz"), arrays)
    monkeypatch.setattr(mnist, "REMOTE", remote_for(path))
    return arrays


def cache(home, name):
    return home / ".kerasette" / "datasets" / name


# ------------------------------------------------------------------------------ good files
def test_mnist_downloads_then_loads_from_cache(served_mnist, http_server, offline, monkeypatch):
    assert_same_dataset(mnist.load_data(), served_mnist)
    assert http_server.requests == ["/mnist.npz"]
    assert listing(cache(offline, "mnist")) == ["mnist.npz"]  # no temporary file left
    assert sha256_of(cache(offline, "mnist") / "mnist.npz") == mnist.REMOTE.sha256
    # the second call reads the cache: no request, even with the server unreachable
    monkeypatch.setenv("KERASETTE_DATASETS_MIRROR", "http://127.0.0.1:9/")
    assert_same_dataset(mnist.load_data(), served_mnist)
    assert http_server.requests == ["/mnist.npz"]


def test_fashion_downloads_four_files(served_fashion, http_server, offline):
    assert_same_dataset(fashion_mnist.load_data(), served_fashion)
    assert sorted(http_server.requests) == sorted("/" + s + ".gz" for s in IDX_NAMES.values())
    assert listing(cache(offline, "fashion-mnist")) == sorted(
        s + ".gz" for s in IDX_NAMES.values())
    assert_same_dataset(fashion_mnist.load_data(), served_fashion)
    assert len(http_server.requests) == 4


def test_only_missing_files_are_downloaded(served_fashion, http_server, offline):
    plant_idx(cache(offline, "fashion-mnist"), served_fashion, skip=("x_train", "y_test"))
    assert_same_dataset(fashion_mnist.load_data(), served_fashion)
    assert sorted(http_server.requests) == ["/t10k-labels-idx1-ubyte.gz",
                                            "/train-images-idx3-ubyte.gz"]


def test_mirror_without_trailing_slash(served_mnist, http_server, monkeypatch):
    monkeypatch.setenv("KERASETTE_DATASETS_MIRROR", http_server.url.rstrip("/"))
    assert_same_dataset(mnist.load_data(), served_mnist)


def test_custom_npz_name_is_the_local_name(served_mnist, http_server, offline):
    # path= names the local copy; what is fetched is still the mirror's mnist.npz
    assert_same_dataset(mnist.load_data(path="copy.npz"), served_mnist)
    assert http_server.requests == ["/mnist.npz"]
    assert listing(cache(offline, "mnist")) == ["copy.npz"]


# ------------------------------------------------------------------------------- bad files
def test_corrupt_download_rejected_and_deleted(served_mnist, http_server, offline):
    served = os.path.join(http_server.folder, "mnist.npz")
    data = bytearray(open(served, "rb").read())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    with open(served, "wb") as f:
        f.write(bytes(data))
    with pytest.raises(ChecksumError) as info:
        mnist.load_data()
    message = str(info.value)
    assert mnist.REMOTE.sha256 in message and sha256_of(served) in message
    assert f"got {len(data)} bytes" in message and http_server.url + "mnist.npz" in message
    assert listing(offline) == []  # neither the file nor a temporary copy is left


def test_wrong_size_rejected(served_fashion, http_server, offline, monkeypatch):
    name = IDX_NAMES["y_test"] + ".gz"
    honest = fashion_mnist.REMOTE[name]
    monkeypatch.setitem(fashion_mnist.REMOTE, name, honest._replace(size=honest.size - 3))
    with pytest.raises(ChecksumError, match=f"expected {honest.size - 3} bytes"):
        fashion_mnist.load_data()
    assert name not in listing(cache(offline, "fashion-mnist"))


def test_endless_file_cut_off_after_its_size(http_server, tmp_path):
    with open(os.path.join(http_server.folder, "big"), "wb") as f:
        f.write(bytes(1_000_000))
    target = tmp_path / "out" / "big"
    with pytest.raises(ChecksumError) as info:
        download.download(http_server.url + "big", str(target), "0" * 64, size=1000)
    assert "got 1001 bytes" in str(info.value)  # stopped one byte past the expected size
    assert listing(tmp_path / "out") == []


def test_download_without_size(http_server, tmp_path):
    with open(os.path.join(http_server.folder, "f"), "wb") as f:
        f.write(b"kerasette" * 1000)
    target = str(tmp_path / "f")
    expected = sha256_of(os.path.join(http_server.folder, "f"))
    assert download.download(http_server.url + "f", target, expected) == target
    assert os.path.getsize(target) == 9000 and sha256_of(target) == expected


# ------------------------------------------------------------------------------ no network
def test_404_names_url_and_three_ways(http_server, monkeypatch, tmp_path, offline):
    monkeypatch.setattr(fashion_mnist, "SYSTEM_FOLDER", str(tmp_path / "no-system-folder"))
    with pytest.raises(FileNotFoundError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert f"{http_server.url}train-images-idx3-ubyte.gz failed: HTTP error 404" in message
    assert "KERASETTE_DATA" in message
    assert str(cache(offline, "fashion-mnist")) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert str(tmp_path / "no-system-folder") in message  # the folders searched
    assert listing(offline) == []


def test_mnist_offline_error(offline):
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert os.environ["KERASETTE_DATASETS_MIRROR"] + "mnist.npz failed" in message
    assert "refused" in message.lower()  # why it failed
    assert "KERASETTE_DATA" in message and str(cache(offline, "mnist")) in message
    assert mnist.REMOTE.sha256 in message  # the third way: fetch it elsewhere, verified


def test_silent_server_times_out(monkeypatch, offline):
    with socket.socket() as silent:  # accepts connections (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        monkeypatch.setenv("KERASETTE_DATASETS_MIRROR",
                           f"http://127.0.0.1:{silent.getsockname()[1]}/")
        monkeypatch.setattr(download, "TIMEOUT_SECONDS", 0.3)
        start = time.perf_counter()
        with pytest.raises(FileNotFoundError, match="timed out"):
            mnist.load_data()
        assert time.perf_counter() - start < 5
    assert listing(offline) == []


def test_the_guard_refuses_the_internet():
    with pytest.raises(InternetAccessError):
        socket.create_connection(("storage.googleapis.com", 443), timeout=1)
