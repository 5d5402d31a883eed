"""Reading and finding the IDX files of MNIST-style datasets (gzip-compressed or not)."""

import gzip
import os

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def read_idx(path):
    """The array stored in the IDX file ``path`` (``.gz`` read transparently)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4]!r}).")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated: its header needs {header} bytes.")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(
            f"{path} holds {len(data) - header} bytes of data, expected {expected} for shape {shape}."
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def find_files(name, folders):
    """The four files of dataset ``name`` in the first folder that has all of them, or None.

    For each folder both ``folder/`` and ``folder/<name>/`` are tried, and each file with or
    without ``.gz``."""
    for folder in folders:
        if not folder:
            continue
        for base in (os.path.join(folder, name), folder):
            paths = {}
            for key, stem in FILES.items():
                for candidate in (stem + ".gz", stem):
                    path = os.path.join(base, candidate)
                    if os.path.isfile(path):
                        paths[key] = path
                        break
            if len(paths) == len(FILES):
                return paths
    return None
