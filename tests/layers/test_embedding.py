"""Embedding: row lookup, scatter-add gradient, masks, integer inputs."""

import numpy as np
import pytest

import kerasette
import kerasette.layers as layers
from kerasette import ops

IDS = np.array([[1, 3, 1], [0, 3, 3]], "int32")


def _layer(table):
    layer = layers.Embedding(table.shape[0], table.shape[1])
    layer.build()
    layer.set_weights([table])
    return layer


def test_gathers_rows(backend):
    table = np.arange(12, dtype="float32").reshape(4, 3)
    out = ops.convert_to_numpy(_layer(table)(IDS))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out, table[IDS])


def test_gradient_scatter_adds_into_the_table(backend):
    table = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    layer = _layer(table)
    cotangent = np.random.default_rng(1).normal(size=(2, 3, 3)).astype("float32")
    with kerasette.GradientTape() as tape:
        loss = ops.sum(ops.multiply(layer(IDS), cotangent))
    (gradient,) = tape.gradient(loss, layer.trainable_weights)
    expected = np.zeros_like(table)
    np.add.at(expected, IDS, cotangent)  # id 3 is used three times, id 2 never
    np.testing.assert_allclose(ops.convert_to_numpy(gradient), expected, rtol=1e-6, atol=1e-6)
    assert not ops.convert_to_numpy(gradient)[2].any()


def test_float_ids_are_cast_to_integers(backend):
    table = np.arange(8, dtype="float32").reshape(4, 2)
    out = ops.convert_to_numpy(_layer(table)(IDS.astype("float32")))
    np.testing.assert_array_equal(out, table[IDS])


def test_mask_zero(backend):
    layer = layers.Embedding(5, 2, mask_zero=True)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.compute_mask(IDS)), IDS != 0)
    assert layers.Embedding(5, 2).compute_mask(IDS) is None


def test_initial_weights_and_symbolic_call(backend):
    table = np.ones((5, 2), "float32")
    layer = layers.Embedding(5, 2, weights=[table])
    np.testing.assert_array_equal(layer.get_weights()[0], table)
    outputs = layers.Embedding(5, 2)(layers.Input(shape=(None,), dtype="int32"))
    assert outputs.shape == (None, None, 2) and outputs.dtype == "float32"


@pytest.mark.parametrize("arguments", [(0, 2), (5, -1), (2.5, 2)])
def test_sizes_must_be_positive_integers(arguments):
    with pytest.raises(ValueError, match="must be a positive integer"):
        layers.Embedding(*arguments)
