"""Where datasets are looked for, and in which order: files are planted in temporary folders
(``$KERASETTE_DATA``, ``HOME``, a stand-in for the Debian folder) with a different label in
each copy, so the label loaded tells which copy won. Files on disk are checked against the
known hashes (test_verify.py): each test makes the copy expected to win the known one."""

import os

import numpy as np
import pytest
from dataset_files import (IDX_NAMES, assert_same_dataset, data_sha256, plant_idx, plant_npz,
                           remote_for, small_dataset, write_idx)

from kerasette.datasets import fashion_mnist, loader, mnist


@pytest.fixture
def places(tmp_path, monkeypatch, offline):
    """The four fashion-mnist locations, in search order, with KERASETTE_DATA and the system
    folder pointed into tmp_path."""
    data = tmp_path / "data"
    system = tmp_path / "system" / "fashion-mnist"
    monkeypatch.setenv("KERASETTE_DATA", str(data))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_FOLDER", str(system))
    return [data / "fashion-mnist", data, offline / ".kerasette" / "datasets" / "fashion-mnist",
            system]


@pytest.fixture
def known(monkeypatch):
    """``known(arrays)`` makes the IDX files of ``arrays`` Fashion-MNIST's; ``known(path)``
    makes the ``.npz`` at ``path`` MNIST's."""
    def make_known(what):
        if isinstance(what, dict):
            monkeypatch.setattr(fashion_mnist, "DATA_SHA256", data_sha256(what))
        else:
            monkeypatch.setattr(mnist, "REMOTE", remote_for(what, "mnist.npz"))
    return make_known


@pytest.mark.parametrize("first", range(4))
def test_fashion_search_order(places, known, first):
    """With copies in locations ``first`` and later, the copy in ``first`` is loaded."""
    for marker in range(first, 4):
        plant_idx(places[marker], small_dataset(marker + 1))
    known(small_dataset(first + 1))
    assert_same_dataset(fashion_mnist.load_data(), small_dataset(first + 1))


def test_incomplete_folder_is_skipped(places, known):
    plant_idx(places[0], small_dataset(1), skip=("y_test",))
    plant_idx(places[2], small_dataset(3))
    known(small_dataset(3))
    assert_same_dataset(fashion_mnist.load_data(), small_dataset(3))


def test_uncompressed_and_mixed_files(places, known):
    arrays = small_dataset(7)
    known(arrays)
    plant_idx(places[1], arrays, gz=False)
    write_idx(os.path.join(places[1], IDX_NAMES["x_test"] + ".gz"), arrays["x_test"])
    assert_same_dataset(fashion_mnist.load_data(), arrays)


def test_search_folders_without_kerasette_data(offline):
    folders = loader.search_folders("mnist", system_folder="/somewhere")
    assert folders == [(str(offline / ".kerasette" / "datasets" / "mnist"), True),
                       ("/somewhere", True)]


def test_files_that_disagree(places, known):
    arrays = small_dataset(2)
    arrays["y_train"] = arrays["y_train"][:-1]
    plant_idx(places[0], arrays)
    known(arrays)
    with pytest.raises(ValueError) as info:
        fashion_mnist.load_data()
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert "(6, 5, 5)" in message and "(5,)" in message


# ------------------------------------------------------------------------------------ MNIST
@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("KERASETTE_DATA", str(data))
    return data


def test_mnist_npz_in_kerasette_data(data_folder, known):
    arrays = small_dataset(4)
    known(plant_npz(str(data_folder / "mnist.npz"), arrays))
    assert_same_dataset(mnist.load_data(), arrays)


def test_mnist_order_named_folder_then_flat_then_home(data_folder, offline, known):
    home = offline / ".kerasette" / "datasets" / "mnist"
    known(plant_npz(str(home / "mnist.npz"), small_dataset(3)))
    assert_same_dataset(mnist.load_data(), small_dataset(3))
    known(plant_npz(str(data_folder / "mnist.npz"), small_dataset(2)))
    assert_same_dataset(mnist.load_data(), small_dataset(2))
    plant_idx(data_folder / "mnist", small_dataset(1))
    assert_same_dataset(mnist.load_data(), small_dataset(1))


def test_mnist_npz_preferred_to_idx_in_one_folder(data_folder, known):
    plant_idx(data_folder / "mnist", small_dataset(1))
    known(plant_npz(str(data_folder / "mnist" / "mnist.npz"), small_dataset(5)))
    assert_same_dataset(mnist.load_data(), small_dataset(5))


def test_mnist_ignores_idx_files_in_a_shared_folder(data_folder, known):
    # IDX files directly in $KERASETTE_DATA may be Fashion-MNIST's (same names): MNIST must
    # not load them, and says how to provide its files instead.
    plant_idx(data_folder, small_dataset(1))
    known(small_dataset(1))
    assert_same_dataset(fashion_mnist.load_data(), small_dataset(1))
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    assert "mnist.npz" in str(info.value) and "folder named mnist/" in str(info.value)


def test_mnist_custom_and_absolute_path(data_folder, tmp_path, known):
    known(plant_npz(str(data_folder / "mnist" / "mine.npz"), small_dataset(6)))
    assert_same_dataset(mnist.load_data(path="mine.npz"), small_dataset(6))
    elsewhere = plant_npz(str(tmp_path / "elsewhere" / "digits.npz"), small_dataset(8))
    known(elsewhere)
    assert_same_dataset(mnist.load_data(path=elsewhere), small_dataset(8))


def test_mnist_keeps_npz_dtypes(data_folder, known):
    arrays = small_dataset(2)
    arrays["y_train"] = arrays["y_train"].astype(np.int64)  # Keras returns what the file has
    known(plant_npz(str(data_folder / "mnist.npz"), arrays))
    (_, y_train), _ = mnist.load_data()
    assert y_train.dtype == np.int64
