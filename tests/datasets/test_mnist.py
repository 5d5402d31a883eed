"""MNIST's ``.npz``: read without pickle, damaged files named; the API matches Keras's."""

import inspect
import zipfile

import numpy as np
import pytest
from dataset_files import small_dataset

from kerasette.datasets import fashion_mnist, mnist


def _error(path):
    with pytest.raises(ValueError) as info:
        mnist.read_npz(str(path))
    message = str(info.value)
    assert str(path) in message and "x_train, y_train, x_test, y_test" in message
    return message


def test_read_npz_values(tmp_path):
    arrays = small_dataset(3)
    np.savez_compressed(tmp_path / "m.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = mnist.read_npz(str(tmp_path / "m.npz"))
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_test.shape == (4, 5, 5) and y_train.tolist() == [3] * 6


def test_pickled_objects_refused(tmp_path):
    arrays = small_dataset(1)
    arrays["y_train"] = np.array([object()] * 6, dtype=object)  # would need pickle to load
    np.savez(tmp_path / "evil.npz", **arrays)
    assert "allow_pickle=False" in _error(tmp_path / "evil.npz")


def test_missing_array(tmp_path):
    arrays = small_dataset(1)
    del arrays["y_test"]
    np.savez(tmp_path / "partial.npz", **arrays)
    message = _error(tmp_path / "partial.npz")
    assert "lacks the arrays ['y_test']" in message


def test_not_an_npz(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04" + bytes(50))  # a zip header, no zip
    _error(tmp_path / "junk.npz")
    (tmp_path / "text.npz").write_bytes(b"hello, world" * 10)
    _error(tmp_path / "text.npz")


def test_single_npy_refused(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    assert "single .npy array" in _error(tmp_path / "one.npy")


def test_labels_disagree(tmp_path):
    arrays = small_dataset(1)
    arrays["y_test"] = arrays["y_test"][:2]
    np.savez(tmp_path / "m.npz", **arrays)
    with pytest.raises(ValueError, match=r"holds labels of shape \(2,\)"):
        mnist.read_npz(str(tmp_path / "m.npz"))


def test_truncated_npz(tmp_path):
    np.savez(tmp_path / "m.npz", **small_dataset(1))
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    assert not zipfile.is_zipfile(tmp_path / "cut.npz")
    _error(tmp_path / "cut.npz")


def test_signatures_match_keras(keras):
    for ours, theirs in ((mnist.load_data, keras.datasets.mnist.load_data),
                         (fashion_mnist.load_data, keras.datasets.fashion_mnist.load_data)):
        ours_params = [(p.name, p.default) for p in inspect.signature(ours).parameters.values()]
        theirs_params = [(p.name, p.default)
                         for p in inspect.signature(theirs).parameters.values()]
        assert ours_params == theirs_params
