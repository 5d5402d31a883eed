"""The IDX file format of MNIST-style datasets: reading one file, finding the four of a dataset.

An IDX file is two zero bytes, a type code, the number of dimensions, one big-endian
uint32 per dimension, then the values in C order (also big-endian). The files are
usually distributed gzip-compressed (``.gz``); both forms are read.
"""

import gzip
import os
import zlib

import numpy as np

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

#: The file name (without ``.gz``) of each of the four arrays of an MNIST-style dataset.
FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def read_idx(path):
    """The array stored in the IDX file ``path`` (a ``.gz`` one is decompressed).

    Args:
        path: the file; a name ending in ``.gz`` is read as gzip.

    Returns:
        A writable numpy array in native byte order, of the dtype and shape the header gives.

    Raises:
        ValueError: naming the file, when it is not IDX (wrong magic number), is truncated
            (header or data shorter than the header promises), has trailing bytes, or is a
            damaged gzip stream.

    Example:
        >>> labels = read_idx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
        >>> labels.shape, labels.dtype
        ((10000,), dtype('uint8'))
    """
    path = os.fspath(path)
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(
            f"{path} is a damaged or truncated gzip file ({type(error).__name__}: {error}); "
            "delete it and provide it again."
        ) from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise ValueError(
            f"{path} is not an IDX file: it starts with {data[:4]!r}, expected two zero bytes, "
            f"a type code (one of {', '.join(hex(code) for code in _DTYPES)}) and the number "
            "of dimensions."
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{path} is truncated: its header needs {header} bytes for {ndim} dimensions, "
            f"the file holds {len(data)}."
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[data[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        problem = "is truncated" if len(data) - header < expected else "has trailing bytes"
        raise ValueError(
            f"{path} {problem}: it holds {len(data) - header} bytes of data after its header, "
            f"expected {expected} for shape {shape} of {dtype.name}."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def find_idx_files(folder):
    """The paths of the four IDX files in ``folder``, keyed as :data:`FILES`, or None.

    Each file may be gzip-compressed (``.gz``, preferred when both are present) or not.
    None unless all four are there.
    """
    paths = {}
    for key, stem in FILES.items():
        for candidate in (stem + ".gz", stem):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                paths[key] = path
                break
        else:
            return None
    return paths

