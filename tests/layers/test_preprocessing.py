"""Normalization: adapt, given statistics, and Keras's weight layout."""

import numpy as np
import pytest

import kerasette.layers as layers
from kerasette import ops

# Keras's own Variable.__array__ warns under numpy 2; nothing of kerasette's
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

DATA = (np.random.default_rng(0).normal(size=(20, 3, 4)) * [[1.0], [2.0], [3.0]]
        + [[0.0], [1.0], [-2.0]]).astype("float32")


@pytest.mark.parametrize("axis", [-1, 1, (1, 2), None])
def test_adapt_matches_keras(backend, keras, axis):
    ours = layers.Normalization(axis=axis)
    ours.adapt(DATA)
    theirs = keras.layers.Normalization(axis=axis)
    theirs.adapt(DATA)
    assert [v.path.split("/")[-1] for v in ours.weights] == ["mean", "variance", "count"]
    assert [tuple(v.shape) for v in ours.weights] == [tuple(v.shape) for v in theirs.weights]
    for mine, reference in zip(ours.get_weights()[:2], theirs.get_weights()[:2]):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(ours(DATA)), np.asarray(theirs(DATA)),
                               rtol=1e-4, atol=1e-5)


def test_adapt_on_batches_equals_adapt_on_everything(backend):
    whole = layers.Normalization(axis=1)
    whole.adapt(DATA)
    batched = layers.Normalization(axis=1)
    batched.adapt([DATA[:7], DATA[7:]])
    np.testing.assert_allclose(batched.get_weights()[0], whole.get_weights()[0], rtol=1e-5)
    np.testing.assert_allclose(batched.get_weights()[1], whole.get_weights()[1], rtol=1e-5)


def test_given_statistics_make_no_weights(backend, keras):
    config = {"axis": 1, "mean": [0.0, 1.0, -2.0], "variance": [1.0, 4.0, 9.0]}
    ours = layers.Normalization(**config)
    out = ops.convert_to_numpy(ours(DATA))
    assert ours.weights == []
    np.testing.assert_allclose(out, np.asarray(keras.layers.Normalization(**config)(DATA)),
                               rtol=1e-5, atol=1e-6)
    inverse = layers.Normalization(invert=True, **config)
    np.testing.assert_allclose(ops.convert_to_numpy(inverse(out)), DATA, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="was given mean and variance"):
        ours.adapt(DATA)
