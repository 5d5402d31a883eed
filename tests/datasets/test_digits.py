"""scikit-learn's 8x8 digits, split Keras-style: sizes, ranges, determinism, the whole set."""

import sys

import numpy as np
import pytest

from kerasette.datasets import digits

sklearn_datasets = pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="module")
def everything():
    bunch = sklearn_datasets.load_digits()
    return bunch.images, bunch.target


def test_default_split(everything):
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and y_train.shape == (1437,)
    assert x_test.shape == (360, 8, 8) and y_test.shape == (360,)
    assert len(everything[0]) == digits.SIZE == 1437 + 360
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16 and x_test.max() <= 16
    assert sorted(set(y_train.tolist())) == list(range(10))


@pytest.mark.parametrize("test_split, n_train", [(0.5, 898), (0.1, 1617), (0.0, 1797)])
def test_split_sizes(test_split, n_train):
    (x_train, _), (x_test, y_test) = digits.load_data(test_split=test_split)
    assert len(x_train) == n_train == int(1797 * (1 - test_split))
    assert len(x_test) == len(y_test) == 1797 - n_train


def test_the_split_is_a_shuffle_of_the_whole_set(everything):
    images, labels = everything
    (x_train, y_train), (x_test, y_test) = digits.load_data(seed=7)
    x = np.concatenate([x_train, x_test]).astype(np.float64)
    y = np.concatenate([y_train, y_test])
    order = np.random.default_rng(7).permutation(1797)
    np.testing.assert_array_equal(x, images[order])  # the values are sklearn's, exactly
    np.testing.assert_array_equal(y, labels[order])
    assert np.bincount(y).tolist() == np.bincount(labels).tolist()


def test_deterministic(everything):
    first, second = digits.load_data(seed=3), digits.load_data(seed=3)
    for a, b in zip(first[0] + first[1], second[0] + second[1]):
        np.testing.assert_array_equal(a, b)
    other = digits.load_data(seed=4)
    assert not np.array_equal(first[0][1], other[0][1])  # another seed, another order
    # a fixed default: the default split is the seed-113 one
    np.testing.assert_array_equal(digits.load_data()[1][1], digits.load_data(seed=113)[1][1])


@pytest.mark.parametrize("test_split", [-0.1, 1.0, 1.5])
def test_bad_test_split(test_split):
    with pytest.raises(ValueError, match=r"test_split must be in \[0, 1\)"):
        digits.load_data(test_split=test_split)


def test_without_scikit_learn(monkeypatch):
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` fail
    with pytest.raises(ImportError, match=r'pip install "kerasette\[examples\]"'):
        digits.load_data()
