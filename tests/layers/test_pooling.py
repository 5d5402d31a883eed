"""Pooling layers: values, layouts, default strides, output sizes, errors; values and input
gradients against the real Keras 3 layers."""

import itertools

import numpy as np
import pytest

import kerasette
import kerasette.layers as layers
from kerasette import ops


def _numpy(x):
    return ops.convert_to_numpy(x)


def test_max_and_average_pooling_values(backend):
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(_numpy(layers.MaxPooling2D()(x))[0, :, :, 0],
                                  [[5, 7], [13, 15]])
    np.testing.assert_array_equal(_numpy(layers.AveragePooling2D(2)(x))[0, :, :, 0],
                                  [[2.5, 4.5], [10.5, 12.5]])
    steps = np.array([[[1.0], [3.0], [2.0], [8.0], [5.0]]], "float32")
    np.testing.assert_array_equal(_numpy(layers.MaxPooling1D()(steps))[0, :, 0], [3, 8])
    # "same" padding: the padded cells are not counted in the mean
    np.testing.assert_allclose(
        _numpy(layers.AveragePooling1D(2, padding="same")(steps))[0, :, 0], [2, 5, 5])


def test_strides_default_to_pool_size():
    assert layers.MaxPooling2D((3, 2)).strides == (3, 2)
    assert layers.AveragePooling1D(4).strides == (4,)
    assert layers.MaxPooling2D(3, strides=1).strides == (1, 1)
    assert layers.MaxPooling1D().pool_size == (2,)
    assert layers.MaxPooling2D().pool_size == (2, 2)


@pytest.mark.parametrize("name, config, shape", [
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 6, 3)),
    ("AveragePooling2D", {"pool_size": (2, 3), "strides": 1}, (2, 5, 6, 3)),
    ("MaxPooling1D", {"pool_size": 2, "padding": "same"}, (2, 5, 3)),
    ("AveragePooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 3)),
    ("GlobalAveragePooling2D", {"keepdims": True}, (2, 4, 5, 3)),
    ("GlobalMaxPooling2D", {}, (2, 4, 5, 3)),
    ("GlobalAveragePooling1D", {}, (2, 4, 3)),
    ("GlobalMaxPooling1D", {"keepdims": True}, (2, 4, 3)),
])
def test_channels_first_agrees_with_channels_last(backend, name, config, shape):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    last = _numpy(getattr(layers, name)(data_format="channels_last", **config)(x))
    first = _numpy(getattr(layers, name)(data_format="channels_first", **config)(
        np.moveaxis(x, -1, 1)))
    expected = np.moveaxis(last, -1, 1) if last.ndim > 2 else last
    # float32 sums of the same cells in another memory order: equal to rounding
    np.testing.assert_allclose(first, expected, rtol=5e-6, atol=1e-7)


@pytest.mark.parametrize("layer, input_shape, expected", [
    (layers.MaxPooling2D(), (None, None, 7, 3), (None, None, 3, 3)),
    (layers.AveragePooling2D(3, strides=2, padding="same", data_format="channels_first"),
     (None, 3, 7, None), (None, 3, 4, None)),
    (layers.MaxPooling1D(3, strides=1), (None, None, 2), (None, None, 2)),
    (layers.GlobalAveragePooling2D(keepdims=True), (None, None, None, 3), (None, 1, 1, 3)),
    (layers.GlobalMaxPooling1D(data_format="channels_first"), (None, 3, None), (None, 3)),
])
def test_output_shape_with_unknown_sizes(layer, input_shape, expected):
    assert layer.compute_output_shape(input_shape) == expected


def test_masked_global_average_pooling_ignores_masked_steps(backend):
    x = np.arange(12, dtype="float32").reshape(1, 4, 3)
    mask = np.array([[True, True, False, False]])
    out = _numpy(layers.GlobalAveragePooling1D()(x, mask=mask))
    np.testing.assert_allclose(out, x[:, :2].mean(axis=1))


def test_errors_name_the_layer(backend):
    with pytest.raises(ValueError, match=r'MaxPooling2D "p" expected an input of rank 4, got '
                                         r"rank 3 \(input shape \(1, 4, 4\)\)"):
        layers.MaxPooling2D(name="p")(np.zeros((1, 4, 4), "float32"))
    with pytest.raises(ValueError, match=r'AveragePooling2D "p2": the input \(shape '
                                         r"\(1, 2, 5, 1\)\) is smaller than the pooling window"):
        layers.AveragePooling2D(3, name="p2")(np.zeros((1, 2, 5, 1), "float32"))
    with pytest.raises(ValueError, match=r"""MaxPooling1D "p3": padding must be one of"""):
        layers.MaxPooling1D(padding="full", name="p3")


# ---------------------------------------------------------------------------- against Keras
# The numpy engine and the JAX backend share their pooling geometry (backends/geometry.py),
# so agreeing with each other proves nothing about it: here every backend's layer is held
# to the real Keras layer, values and input gradients, over window shapes, default and
# explicit strides, both paddings and both data formats.
POOLING_GEOMETRIES = [  # (rank, pool_size, strides): None strides default to pool_size
    (1, 2, None), (1, 3, 2), (1, 2, 3),
    (2, (2, 3), None), (2, 3, 2), (2, (3, 2), (1, 2)), (2, 2, 1),
]


@pytest.mark.parametrize("kind, geometry, padding, data_format", list(itertools.product(
    ("Max", "Average"), POOLING_GEOMETRIES, ("valid", "same"),
    ("channels_last", "channels_first"))), ids=str)
def test_values_and_input_gradients_match_keras(backend, keras, kind, geometry, padding,
                                                 data_format):
    jax = pytest.importorskip("jax")

    rank, pool_size, strides = geometry
    name = f"{kind}Pooling{rank}D"
    spatial = (7, 6)[:rank]
    shape = (2, *spatial, 3) if data_format == "channels_last" else (2, 3, *spatial)
    rng = np.random.default_rng(rank * 10 + len(str(geometry)))
    # distinct values: max pooling's gradient has one clear winner per window
    x = rng.permutation(np.prod(shape)).reshape(shape).astype("float32") / 10
    config = dict(pool_size=pool_size, strides=strides, padding=padding,
                  data_format=data_format)
    keras_layer = getattr(keras.layers, name)(**config)
    expected, pullback = jax.vjp(keras_layer, x)
    cotangent = rng.normal(size=expected.shape).astype("float32")
    (expected_gradient,) = pullback(cotangent)

    layer = getattr(layers, name)(**config)
    inputs = ops.convert_to_tensor(x)
    with kerasette.GradientTape() as tape:
        tape.watch(inputs)
        output = layer(inputs)
        target = ops.sum(ops.multiply(output, ops.convert_to_tensor(cotangent)))
    gradient = tape.gradient(target, inputs)
    where = f"{name}({config})"
    np.testing.assert_allclose(_numpy(output), np.asarray(expected), rtol=1e-6, atol=1e-6,
                               err_msg=f"{where}: output differs from Keras")
    np.testing.assert_allclose(_numpy(gradient), np.asarray(expected_gradient), rtol=1e-6,
                               atol=1e-6, err_msg=f"{where}: input gradient differs from Keras")
