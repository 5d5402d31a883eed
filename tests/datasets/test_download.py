"""Downloads, for real, from a local HTTP server on 127.0.0.1 (see conftest.py: nothing else
can be reached). The served files are small ones generated here; their hashes replace the
real ones (``REMOTE``), which belong to the real files."""

import os
import socket
import time

import pytest
from conftest import InternetAccessError
from dataset_files import (IDX_NAMES, assert_same_dataset, data_sha256, listing, plant_idx,
                           plant_npz, remote_for, sha256_of, small_dataset, write_idx)

from kerasette.datasets import download, fashion_mnist, mnist
from kerasette.datasets.download import ChecksumError


@pytest.fixture
def served_fashion(http_server, monkeypatch, tmp_path):
    """Small Fashion-MNIST files on the server, their hashes in REMOTE and DATA_SHA256, no
    system folder."""
    arrays = small_dataset(5)
    plant_idx(http_server.folder, arrays)
    remote = {stem + ".gz": remote_for(os.path.join(http_server.folder, stem + ".gz"))
              for stem in IDX_NAMES.values()}
    monkeypatch.setattr(fashion_mnist, "REMOTE", remote)
    monkeypatch.setattr(fashion_mnist, "DATA_SHA256", data_sha256(arrays))
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


# ------------------------------------------------------------------- bad files in the cache
def corrupt(path):
    with open(path, "wb") as f:
        f.write(bytes(range(256)) * 40)


@pytest.mark.parametrize("bad", ["valid", "corrupt"])
def test_bad_cached_mnist_is_replaced(served_mnist, http_server, offline, bad):
    cached = str(cache(offline, "mnist") / "mnist.npz")
    if bad == "valid":
        plant_npz(cached, small_dataset(99))  # a valid npz, but not the known file
    else:
        os.makedirs(os.path.dirname(cached))
        corrupt(cached)
    found = sha256_of(cached)
    with pytest.warns(UserWarning) as record:
        assert_same_dataset(mnist.load_data(), served_mnist)
    message = str(record[0].message)
    assert cached in message and mnist.REMOTE.sha256 in message and found in message
    assert "deleted" in message
    assert http_server.requests == ["/mnist.npz"]
    assert sha256_of(cached) == mnist.REMOTE.sha256


def test_bad_cached_idx_file_is_the_only_one_fetched(served_fashion, http_server, offline):
    folder = cache(offline, "fashion-mnist")
    plant_idx(folder, served_fashion)
    write_idx(folder / (IDX_NAMES["y_train"] + ".gz"), small_dataset(1)["y_train"])
    with pytest.warns(UserWarning, match=IDX_NAMES["y_train"]):
        assert_same_dataset(fashion_mnist.load_data(), served_fashion)
    assert http_server.requests == ["/train-labels-idx1-ubyte.gz"]


def test_bad_file_in_a_partial_cache_is_fetched_too(served_fashion, http_server, offline):
    # the cache lacks one file (so it was not checked as a whole) and holds a bad one
    folder = cache(offline, "fashion-mnist")
    plant_idx(folder, served_fashion, skip=("y_test",))
    corrupt(folder / (IDX_NAMES["x_test"] + ".gz"))
    with pytest.warns(UserWarning, match=IDX_NAMES["x_test"]):
        assert_same_dataset(fashion_mnist.load_data(), served_fashion)
    assert http_server.requests == ["/t10k-labels-idx1-ubyte.gz", "/t10k-images-idx3-ubyte.gz"]


def test_bad_cached_file_yields_to_the_system_folder(served_fashion, http_server, offline,
                                                     monkeypatch, tmp_path):
    system = plant_idx(tmp_path / "system", served_fashion)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_FOLDER", str(system))
    folder = cache(offline, "fashion-mnist")
    plant_idx(folder, served_fashion)
    corrupt(folder / (IDX_NAMES["x_train"] + ".gz"))
    with pytest.warns(UserWarning, match="deleted"):
        assert_same_dataset(fashion_mnist.load_data(), served_fashion)
    assert http_server.requests == []  # the system folder has them all: nothing fetched
    assert IDX_NAMES["x_train"] + ".gz" not in listing(folder)


def test_downloads_that_contradict_the_data_hashes(served_fashion, http_server, offline,
                                                   monkeypatch):
    # the download hash and the data hash disagree: fetched twice, then an error, no loop
    monkeypatch.setitem(fashion_mnist.DATA_SHA256, "y_test", "0" * 64)
    with pytest.warns(UserWarning, match="deleted") as record, \
            pytest.raises(ChecksumError, match="matched their download hashes"):
        fashion_mnist.load_data()
    assert len(record) == 2
    assert http_server.requests.count("/t10k-labels-idx1-ubyte.gz") == 2
    assert IDX_NAMES["y_test"] + ".gz" not in listing(cache(offline, "fashion-mnist"))


def test_bad_cached_file_offline(served_mnist, offline, monkeypatch):
    cached = plant_npz(str(cache(offline, "mnist") / "mnist.npz"), small_dataset(99))
    monkeypatch.setenv("KERASETTE_DATASETS_MIRROR", "http://127.0.0.1:9/")
    with pytest.warns(UserWarning, match="deleted"), pytest.raises(FileNotFoundError):
        mnist.load_data()
    assert not os.path.exists(cached)


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
