"""MNIST: 70,000 28x28 grayscale images of handwritten digits (LeCun, Cortes and Burges)."""

import os
import zipfile

import numpy as np

from kerasette.datasets.download import RemoteFile
from kerasette.datasets.idx import FILES, find_idx_files
from kerasette.datasets.loader import check_dataset, locate, read_idx_dataset

NAME = "mnist"
#: Debian ships no MNIST package (``apt-cache search mnist`` lists only Fashion-MNIST), so
#: there is no system folder to search.
SYSTEM_FOLDER = None
#: The mirror Keras 3 downloads ``mnist.npz`` from.
BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
#: Keras's ``mnist.npz``; the SHA-256 is the one ``keras.datasets.mnist`` checks, the size
#: the one its downloads report.
REMOTE = RemoteFile("mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
                    11490434)

_HOW_TO_GET = {
    "files": "MNIST is Keras's mnist.npz (arrays x_train, y_train, x_test, y_test), or the "
             "four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
             "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, .gz or not) in a folder "
             "named mnist/.",
    "third_way": f"download {REMOTE.name} where there is a network (from {BASE_URL}"
                 f"{REMOTE.name}, SHA-256 {REMOTE.sha256}) and copy it to one of those "
                 "folders, or set KERASETTE_DATASETS_MIRROR to a mirror that has it.",
}


def load_data(path="mnist.npz"):
    """Loads the MNIST dataset: 60,000 training and 10,000 test images of handwritten digits.

    The arrays are the same as ``keras.datasets.mnist.load_data()`` returns.

    Looked for, in order, in ``$KERASETTE_DATA/mnist/``, ``$KERASETTE_DATA`` and
    ``~/.kerasette/datasets/mnist/``: first Keras's ``mnist.npz``, then, in the ``mnist/``
    folders only, the four IDX files (``.gz`` or uncompressed; they have the same names as
    Fashion-MNIST's, so a shared folder could not tell them apart). Only when none holds
    them is ``mnist.npz`` downloaded from Keras's mirror (or ``$KERASETTE_DATASETS_MIRROR``)
    into ``~/.kerasette/datasets/mnist/``. Wherever it is found, the ``.npz`` is checked
    against the SHA-256 of Keras's ``mnist.npz`` before it is read (once per version of the
    file; see :mod:`kerasette.datasets.verify`): a bad one in ``~/.kerasette/datasets`` is
    replaced, with a warning; any other is an error. The IDX files have no published hash
    and are checked for shape only. The ``.npz`` is read with ``allow_pickle=False``: it
    can hold arrays only, never code.

    Args:
        path: the name of the ``.npz`` file to look for and to download to (relative to
            each folder searched); an absolute path is used as it is.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28) and (10000,); pixels 0 to 255, labels 0 to 9.

    Raises:
        FileNotFoundError: the files are nowhere on disk and cannot be downloaded; the
            message says how to provide them.
        ChecksumError: (a ValueError) the ``.npz`` found is not Keras's ``mnist.npz`` (the
            message names it, with the SHA-256 expected and found), or a download was corrupt.
        ValueError: IDX files are damaged (not IDX, or disagreeing).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
        >>> x_train.shape, y_test.shape
        ((60000, 28, 28), (10000,))
    """
    path = os.fspath(path)

    def find(folder, named):
        npz = os.path.join(folder, path)
        if os.path.isfile(npz):
            return npz
        return find_idx_files(folder) if named else None

    def expected(found):
        # Keras publishes the hash of mnist.npz only; the IDX files are checked for shape
        return {} if isinstance(found, dict) else {found: REMOTE.sha256}

    found = locate(NAME, find, {path: REMOTE}, BASE_URL, _HOW_TO_GET,
                   system_folder=SYSTEM_FOLDER, expected=expected)
    if isinstance(found, dict):
        return read_idx_dataset(found)
    return read_npz(found)


def read_npz(path):
    """``(x_train, y_train), (x_test, y_test)`` from a Keras-style ``mnist.npz``, read with
    ``allow_pickle=False``.

    Raises:
        ValueError: naming the file, when it is not an ``.npz`` archive, lacks one of the four
            arrays, or holds pickled objects.
    """
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it is a single .npy array, not an .npz archive")
        with archive:
            missing = [key for key in FILES if key not in archive.files]
            if missing:
                raise ValueError(f"it lacks the arrays {missing} (it holds {archive.files})")
            arrays = {key: archive[key] for key in FILES}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{path} is not a usable MNIST .npz: {error}. Expected an .npz archive of the "
            "arrays x_train, y_train, x_test, y_test (like Keras's mnist.npz)."
        ) from error
    return check_dataset(arrays, {key: f"{path}[{key!r}]" for key in FILES})
