"""Convolution layers: layouts, groups, causal padding, output sizes, and the errors."""

import numpy as np
import pytest

import kerasette.layers as layers
from kerasette import ops


def _numpy(x):
    return ops.convert_to_numpy(x)


def _to_channels_first(x):
    return np.moveaxis(x, -1, 1)


@pytest.mark.parametrize("name, config, shape", [
    ("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": (3, 2), "padding": "same", "groups": 2}, (2, 5, 6, 4)),
    ("Conv2D", {"filters": 3, "kernel_size": 2, "dilation_rate": 2}, (2, 6, 6, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 3, 4, 2)),
    ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 4, 3)),
])
def test_channels_first_agrees_with_channels_last(backend, name, config, shape):
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    last = getattr(layers, name)(data_format="channels_last", **config)
    first = getattr(layers, name)(data_format="channels_first", **config)
    expected = _numpy(last(x))
    first.build(_to_channels_first(x).shape)
    first.set_weights(last.get_weights())  # the kernel layout does not depend on data_format
    np.testing.assert_allclose(_numpy(first(_to_channels_first(x))),
                               _to_channels_first(expected), rtol=1e-5, atol=1e-5)


def test_kernel_layouts_follow_keras(backend):
    conv = layers.Conv2D(8, (3, 2), groups=2)
    conv.build((None, 10, 10, 4))
    assert conv.kernel.shape == (3, 2, 2, 8) and conv.bias.shape == (8,)
    transpose = layers.Conv2DTranspose(8, (3, 2))
    transpose.build((None, 10, 10, 4))
    assert transpose.kernel.shape == (3, 2, 8, 4)
    assert layers.Conv1D(5, 3, use_bias=False)(np.zeros((1, 4, 2), "float32")).shape == (1, 2, 5)


def test_groups_convolve_channel_groups_separately(backend):
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 4)).astype("float32")
    grouped = layers.Conv2D(6, 3, groups=2)
    out = _numpy(grouped(x))
    kernel, bias = grouped.get_weights()
    for group in range(2):
        single = layers.Conv2D(3, 3)
        single.build((None, 5, 5, 2))
        single.set_weights([kernel[..., group * 3:(group + 1) * 3], bias[group * 3:(group + 1) * 3]])
        np.testing.assert_allclose(out[..., group * 3:(group + 1) * 3],
                                   _numpy(single(x[..., group * 2:(group + 1) * 2])),
                                   rtol=1e-5, atol=1e-5)


def test_causal_padding_never_looks_ahead(backend):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 8, 2)).astype("float32")
    layer = layers.Conv1D(3, 3, padding="causal", dilation_rate=2)
    out = _numpy(layer(x))
    assert out.shape == (1, 8, 3)
    changed = x.copy()
    changed[:, 5:] += 10.0
    out_changed = _numpy(layer(changed))
    np.testing.assert_array_equal(out_changed[:, :5], out[:, :5])
    assert np.abs(out_changed[:, 5:] - out[:, 5:]).max() > 0


@pytest.mark.parametrize("layer, input_shape, expected", [
    (layers.Conv2D(4, 3, data_format="channels_last"), (None, None, None, 3),
     (None, None, None, 4)),
    (layers.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first"),
     (None, 3, None, 9), (None, 4, None, 5)),
    (layers.Conv1D(4, 3, padding="causal"), (None, None, 2), (None, None, 4)),
    (layers.Conv2DTranspose(4, 3, strides=2, data_format="channels_last"),
     (None, None, 5, 3), (None, None, 11, 4)),
    (layers.Conv2DTranspose(4, 4, strides=2, padding="same", output_padding=1,
                            data_format="channels_last"), (None, 5, None, 3),
     (None, 9, None, 4)),
])
def test_output_shape_with_unknown_sizes(layer, input_shape, expected):
    assert layer.compute_output_shape(input_shape) == expected


def test_symbolic_call_with_unknown_spatial_sizes(backend):
    inputs = layers.Input(shape=(None, None, 3))
    assert layers.Conv2D(4, 3)(inputs).shape == (None, None, None, 4)
    x = np.zeros((2, 9, 7, 3), "float32")
    assert layers.Conv2D(4, 3)(x).shape == (2, 7, 5, 4)


@pytest.mark.parametrize("build, message", [
    (lambda: layers.Conv2D(6, 3, groups=4, name="c"),
     r'Conv2D "c": filters \(6\) must be divisible by groups \(4\)'),
    (lambda: layers.Conv2D(6, 3, groups=2, name="c").build((None, 8, 8, 3)),
     r'Conv2D "c": the input channels \(3\) must be divisible by groups \(2\) '
     r"\(input shape \(None, 8, 8, 3\)\)"),
    (lambda: layers.Conv2D(4, 3, name="c").build((None, 8, 3)),
     r'Conv2D "c" expected an input of rank 4, got rank 3 \(input shape \(None, 8, 3\)\)'),
    (lambda: layers.Conv2D(4, 3, name="c").build((None, 8, 8, None)),
     r'Conv2D "c" needs a known number of input channels'),
    (lambda: layers.Conv2D(4, 5, name="c").build((None, 3, 8, 2)),
     r'Conv2D "c": the input \(shape \(None, 3, 8, 2\)\) is smaller than the kernel'),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2, name="c"),
     r'Conv2D "c": strides > 1 cannot be combined with dilation_rate > 1'),
    (lambda: layers.Conv2D(4, (3, 3, 3), name="c"),
     r'Conv2D "c": kernel_size must be an int or a tuple of 2 ints, got \(3, 3, 3\)'),
    (lambda: layers.Conv2D(0, 3, name="c"), r'Conv2D "c": filters must be a positive integer'),
    (lambda: layers.Conv2D(4, 3, padding="causal", name="c"),
     r"""Conv2D "c": padding must be one of 'valid', 'same', got 'causal'"""),
    (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2, name="c"),
     r'Conv2DTranspose "c": each entry of output_padding must be less than the stride'),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0, name="c"),
     r'DepthwiseConv2D "c": depth_multiplier must be a positive integer, got 0'),
    (lambda: layers.SeparableConv1D(4, 3, padding="causal", name="c"),
     r"""SeparableConv1D "c": padding must be one of 'valid', 'same', got 'causal'"""),
    (lambda: layers.SeparableConv2D(0, 3, name="c"),
     r'SeparableConv2D "c": filters must be a positive integer'),
    (lambda: layers.Conv3D(4, 2, name="c").build((None, 8, 8, 3)),
     r'Conv3D "c" expected an input of rank 5, got rank 4'),
])
def test_bad_arguments_raise_errors_naming_the_layer(backend, build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_wrong_channels_after_build_names_the_layer(backend):
    layer = layers.Conv2D(4, 3, name="conv_x")
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r'Conv2D "conv_x" expected last dimension 3, got 2 '
                                         r"\(input shape \(1, 5, 5, 2\)\)"):
        layer(np.zeros((1, 5, 5, 2), "float32"))
    with pytest.raises(ValueError, match=r'Conv2D "conv_x" expected an input of rank 4, got '
                                         r"rank 3"):
        layer(np.zeros((1, 5, 3), "float32"))
