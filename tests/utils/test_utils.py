"""Utilities: to_categorical and normalize against Keras 3, set_random_seed, clear_session,
PyDataset, the kerasette.random namespace."""

import math
import os
import random
import warnings

import numpy as np
import pytest

import kerasette
from kerasette import initializers, ops, utils
from kerasette.utils import naming


def keras_reference():
    """Keras 3 on its JAX backend, or a skip when it is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip(f"keras runs on {keras.backend.backend()}, the reference needs jax")
    return keras


# ---------------------------------------------------------------------------- to_categorical
CATEGORICAL_CASES = [
    ([0, 1, 2, 3], None),
    ([0, 2, 1], 5),
    ([[1], [0], [2]], None),                # (n, 1): the trailing axis is dropped
    ([[0, 1, 2], [2, 1, 0]], None),          # (2, 3) -> (2, 3, 3)
    (np.array([3, 0], dtype="uint8"), 4),
    ([[[1]]], 2),
]


@pytest.mark.parametrize("labels, num_classes", CATEGORICAL_CASES)
def test_to_categorical(labels, num_classes):
    encoded = utils.to_categorical(labels, num_classes)
    labels = np.asarray(labels)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    classes = num_classes or labels.max() + 1
    assert encoded.shape == labels.shape + (classes,)
    assert encoded.dtype == np.float64
    np.testing.assert_array_equal(encoded.argmax(-1), labels)
    np.testing.assert_array_equal(encoded.sum(-1), 1.0)


@pytest.mark.parametrize("labels, num_classes", CATEGORICAL_CASES)
def test_to_categorical_matches_keras(labels, num_classes):
    keras = keras_reference()
    ours = utils.to_categorical(labels, num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes)
    assert ours.dtype == np.asarray(theirs).dtype
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_of_a_tensor(backend):
    encoded = utils.to_categorical(ops.convert_to_tensor(np.array([[2], [0]], "int32")), 3)
    assert ops.is_tensor(encoded)
    np.testing.assert_array_equal(ops.convert_to_numpy(encoded), [[0, 0, 1], [1, 0, 0]])


def test_to_categorical_rejects_out_of_range_ids():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        utils.to_categorical([0, 3], 3)
    with pytest.raises(ValueError):
        utils.to_categorical([-1, 0], 3)


# ---------------------------------------------------------------------------- normalize
def test_normalize_numpy_matches_keras():
    x = np.random.default_rng(0).normal(size=(4, 5))
    x[1] = 0.0
    for axis, order in [(-1, 2), (0, 2), (-1, 1), (1, 3)]:
        ours = utils.normalize(x, axis=axis, order=order)
        assert isinstance(ours, np.ndarray)
        keras = keras_reference() if axis == -1 and order == 2 else None
        if keras is not None:
            np.testing.assert_allclose(ours, keras.utils.normalize(x, axis, order))
        norms = np.linalg.norm(ours, ord=order, axis=axis)
        nonzero = np.linalg.norm(x, ord=order, axis=axis) > 0
        np.testing.assert_allclose(norms[nonzero], 1.0)


def test_normalize_tensor(backend):
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    x[1] = 0.0
    result = utils.normalize(ops.convert_to_tensor(x), axis=-1, order=2)
    assert ops.is_tensor(result) and ops.dtype(result) == "float32"
    result = ops.convert_to_numpy(result)
    np.testing.assert_allclose(np.linalg.norm(result[[0, 2, 3]], axis=-1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(result[1], 0.0)
    l1 = ops.convert_to_numpy(utils.normalize(ops.convert_to_tensor(x), axis=0, order=1))
    np.testing.assert_allclose(np.abs(l1).sum(axis=0), 1.0, rtol=1e-6)
    # finite gradient even through the zero row
    grad = ops.convert_to_numpy(ops.grad(lambda v: ops.sum(utils.normalize(v)))(
        ops.convert_to_tensor(x)))
    assert np.isfinite(grad).all()


def test_normalize_tensor_matches_keras_ops():
    keras = keras_reference()
    x = np.random.default_rng(1).normal(size=(3, 6)).astype("float32")
    for axis, order in [(-1, 2), (0, 2), (-1, 1)]:
        ours = ops.convert_to_numpy(utils.normalize(ops.convert_to_tensor(x), axis, order))
        theirs = np.asarray(keras.ops.normalize(x, axis=axis, order=order))
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------- seeds
def draw_everything():
    return (random.random(), np.random.rand(), initializers.GlorotUniform()((3, 3)),
            ops.convert_to_numpy(ops.normal((4,))),
            ops.convert_to_numpy(ops.uniform((4,))))


def test_set_random_seed_replays_every_generator(backend):
    utils.set_random_seed(1234)
    first = draw_everything()
    utils.set_random_seed(1234)
    again = draw_everything()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    utils.set_random_seed(4321)
    other = draw_everything()
    for a, b in zip(first, other):
        assert not np.array_equal(a, b)
    assert utils.get_random_seed() == 4321


def test_set_random_seed_needs_an_int():
    with pytest.raises(ValueError, match="int"):
        utils.set_random_seed(1.5)
    with pytest.raises(ValueError, match="int"):
        utils.set_random_seed("42")


# ---------------------------------------------------------------------------- clear_session
def test_clear_session_resets_automatic_names():
    naming.auto_name("dense")
    assert naming.auto_name("dense") != "dense"
    utils.clear_session()
    assert naming.auto_name("dense") == "dense"
    assert naming.auto_name("dense") == "dense_1"


# ---------------------------------------------------------------------------- PyDataset
class Batches(utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset():
    x, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    dataset = Batches(x, y, batch_size=4, workers=2, use_multiprocessing=False, max_queue_size=5)
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (2, False, 5)
    assert len(dataset) == dataset.num_batches == 3
    batches = list(dataset)
    assert [len(bx) for bx, _ in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([by for _, by in batches]), y)
    dataset.on_epoch_begin()
    dataset.on_epoch_end()
    assert dataset.epochs_ended == 1


def test_py_dataset_defaults_and_keras_alias():
    dataset = Batches(np.zeros((3, 1)), np.zeros(3), batch_size=2)
    assert (dataset.workers, dataset.use_multiprocessing, dataset.max_queue_size) == (1, False, 10)
    assert utils.Sequence is utils.PyDataset


def test_py_dataset_without_super_init_warns_and_uses_defaults():
    class Forgetful(utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return np.zeros((1, 1)), np.zeros(1)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert Forgetful().workers == 1
    assert any("super().__init__" in str(w.message) for w in caught)


def test_py_dataset_must_implement_getitem():
    class Empty(utils.PyDataset):
        def __len__(self):
            return 1

    with pytest.raises(NotImplementedError, match="__getitem__"):
        Empty()[0]


def test_endless_py_dataset_iterates_until_stopped():
    class Endless(utils.PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return np.full((1,), index)

    first = [int(batch[0]) for _, batch in zip(range(5), Endless())]
    assert first == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------------------- kerasette.random
def test_random_namespace(backend):
    from kerasette import random as krandom
    from kerasette.backends.seed import SeedGenerator

    assert krandom.SeedGenerator is SeedGenerator
    generator = krandom.SeedGenerator(3)
    a = ops.convert_to_numpy(krandom.normal((1000,), seed=generator))
    b = ops.convert_to_numpy(krandom.normal((1000,), seed=generator))
    assert not np.array_equal(a, b)
    assert abs(a.mean()) < 0.15 and a.std() == pytest.approx(1.0, rel=0.1)
    u = ops.convert_to_numpy(krandom.uniform((1000,), minval=2.0, maxval=3.0, seed=1))
    assert u.min() >= 2.0 and u.max() < 3.0
    t = ops.convert_to_numpy(krandom.truncated_normal((1000,), seed=1))
    assert np.abs(t).max() <= 2.0
    i = ops.convert_to_numpy(krandom.randint((1000,), 0, 5, seed=1))
    assert set(np.unique(i)) == {0, 1, 2, 3, 4}
    kept = ops.convert_to_numpy(krandom.dropout(ops.ones((1000,)), rate=0.5, seed=1))
    assert set(np.unique(kept)) <= {0.0, 2.0}
    shuffled = ops.convert_to_numpy(krandom.shuffle(ops.arange(10), seed=1))
    np.testing.assert_array_equal(np.sort(shuffled), np.arange(10))
