"""The real Fashion-MNIST, from Debian's ``dataset-fashion-mnist`` (skipped without it):
the arrays Keras gives, and the download hashes checked against the installed files."""

import gzip
import hashlib
import os
import struct

import numpy as np
import pytest

from kerasette.datasets import fashion_mnist
from kerasette.datasets.idx import FILES

DEBIAN = "/usr/share/datasets/fashion-mnist"
pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(DEBIAN, "t10k-labels-idx1-ubyte.gz")),
    reason=f"Fashion-MNIST is not installed in {DEBIAN} (apt-get install dataset-fashion-mnist)",
)

# Zalando's published MD5 of each upstream file, and the mtime in its gzip header.
UPSTREAM = {
    "train-images-idx3-ubyte.gz": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", 1504176606),
    "train-labels-idx1-ubyte.gz": ("25c81989df183df01b3e8a0aad5dffbe", 1504176606),
    "t10k-images-idx3-ubyte.gz": ("bef4ecab320f06d8554ea6380940ec79", 1504176627),
    "t10k-labels-idx1-ubyte.gz": ("bb300cfdad3c16e7a12a480ee83cd310", 1504176627),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """What load_data gives with an empty home, no $KERASETTE_DATA and no network: Debian's
    files. (Module-scoped, so it runs before conftest's per-test isolation; it isolates
    itself the same way.)"""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
        patch.delenv("KERASETTE_DATA", raising=False)
        patch.setenv("KERASETTE_DATASETS_MIRROR", "http://127.0.0.1:9/")
        return fashion_mnist.load_data()


def test_shapes_and_dtypes(data):
    (x_train, y_train), (x_test, y_test) = data
    assert [a.shape for a in (x_train, y_train, x_test, y_test)] == [
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]
    assert all(a.dtype == np.uint8 for a in (x_train, y_train, x_test, y_test))


def test_values(data):
    (x_train, y_train), (x_test, y_test) = data
    assert (x_train.min(), x_train.max(), x_test.min(), x_test.max()) == (0, 255, 0, 255)
    # the balanced classes, 6,000 and 1,000 images of each
    assert np.bincount(y_train, minlength=10).tolist() == [6000] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [1000] * 10
    # the normalisation constants widely quoted for the training set: mean 0.2860, std 0.3530
    assert x_train.mean() / 255 == pytest.approx(0.2860, abs=5e-5)
    assert x_train.std() / 255 == pytest.approx(0.3530, abs=5e-5)
    assert fashion_mnist.CLASS_NAMES[y_train[0]] == "Ankle boot"


def test_uncompressed_copy_loads_the_same(data, tmp_path, monkeypatch):
    # the labels only (the images would be 55 MB): .gz next to uncompressed
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    for name in os.listdir(DEBIAN):
        target = folder / (name[:-3] if "labels" in name else name)
        if "labels" in name:
            target.write_bytes(gzip.decompress(open(os.path.join(DEBIAN, name), "rb").read()))
        else:
            os.symlink(os.path.join(DEBIAN, name), target)
    monkeypatch.setenv("KERASETTE_DATA", str(tmp_path))
    (_, y_train), (_, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(y_train, data[0][1])
    np.testing.assert_array_equal(y_test, data[1][1])


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_download_hashes_match_the_installed_data(name):
    """Debian's files carry upstream's deflate stream under a rewritten gzip header (no file
    name, Debian's build time). Rebuilding upstream's header must give Zalando's MD5 and the
    SHA-256 and size that downloads are checked against; the data of both is what every copy
    on disk is checked against (DATA_SHA256)."""
    debian = open(os.path.join(DEBIAN, name), "rb").read()
    if debian[:4] != b"\x1f\x8b\x08\x00":  # gzip, deflate, no flags (no FNAME)
        pytest.skip(f"{name}: this build of the Debian package has other gzip headers")
    md5, mtime = UPSTREAM[name]
    upstream = (b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + debian[8:10]
                + name[:-3].encode() + b"\x00" + debian[10:])
    assert hashlib.md5(upstream).hexdigest() == md5
    remote = fashion_mnist.REMOTE[name]
    assert remote.name == name
    assert len(upstream) == remote.size
    assert hashlib.sha256(upstream).hexdigest() == remote.sha256
    assert gzip.decompress(upstream) == gzip.decompress(debian)
    key = next(key for key, stem in FILES.items() if name == stem + ".gz")
    assert hashlib.sha256(gzip.decompress(upstream)).hexdigest() == fashion_mnist.DATA_SHA256[key]
