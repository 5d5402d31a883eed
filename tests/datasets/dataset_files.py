"""Writing small MNIST-style datasets for the dataset tests: IDX files (written here from the
format's definition, independently of the reader under test) and Keras-style ``.npz``."""

import gzip
import hashlib
import os

import numpy as np

from kerasette.datasets.download import RemoteFile

IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_TYPE_CODES = {"uint8": 0x08, "int8": 0x09, "int16": 0x0B, "int32": 0x0C, "float32": 0x0D,
               "float64": 0x0E}


def idx_bytes(array):
    """The IDX encoding of ``array``: magic, big-endian dimensions, big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, _TYPE_CODES[array.dtype.name], array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array):
    """Writes ``array`` as IDX to ``path``, gzip-compressed when ``path`` ends in ``.gz``."""
    data = idx_bytes(array)
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)
    return path


def small_dataset(marker, n_train=6, n_test=4, side=5):
    """Four uint8 arrays, MNIST-shaped but tiny; every label equals ``marker``, so a test can
    tell which copy was loaded."""
    rng = np.random.default_rng(marker)
    return {
        "x_train": rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
        "y_train": np.full(n_train, marker, np.uint8),
        "x_test": rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
        "y_test": np.full(n_test, marker, np.uint8),
    }


def plant_idx(folder, arrays, gz=True, skip=()):
    """Writes the four IDX files of ``arrays`` in ``folder`` (created), except keys in
    ``skip``; returns the folder."""
    os.makedirs(folder, exist_ok=True)
    for key, stem in IDX_NAMES.items():
        if key not in skip:
            write_idx(os.path.join(folder, stem + (".gz" if gz else "")), arrays[key])
    return folder


def plant_npz(path, arrays):
    """Writes ``arrays`` as a Keras-style ``mnist.npz`` at ``path`` (folder created)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez(path, **arrays)
    return path


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def remote_for(path, name=None):
    """A RemoteFile with the true hash and size of the local file ``path``: set as a
    dataset's ``REMOTE``, it makes that file the known one (downloaded and checked)."""
    return RemoteFile(name or os.path.basename(path), sha256_of(path), os.path.getsize(path))


def data_sha256(arrays):
    """``{key: SHA-256 of the IDX encoding of arrays[key]}``: the hashes a loader checks IDX
    files against (of their data, so the same for a ``.gz`` file and an uncompressed one)."""
    return {key: hashlib.sha256(idx_bytes(array)).hexdigest() for key, array in arrays.items()}


def assert_same_dataset(loaded, arrays):
    (x_train, y_train), (x_test, y_test) = loaded
    for key, value in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test),
                       ("y_test", y_test)):
        assert value.dtype == arrays[key].dtype, key
        np.testing.assert_array_equal(value, arrays[key], err_msg=key)


def listing(folder):
    """Every file under ``folder`` (relative paths, sorted); [] when it does not exist."""
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.relpath(os.path.join(top, name), folder)
                  for top, _, names in os.walk(folder) for name in names)
