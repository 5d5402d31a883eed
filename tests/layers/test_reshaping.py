"""ZeroPadding, Cropping and UpSampling: argument forms, values, output sizes, errors."""

import numpy as np
import pytest

import kerasette.layers as layers
from kerasette import ops


def _numpy(x):
    return ops.convert_to_numpy(x)


X = np.arange(2 * 3 * 4 * 2, dtype="float32").reshape(2, 3, 4, 2)


@pytest.mark.parametrize("padding, expected", [
    (1, ((1, 1), (1, 1))),
    ((1, 2), ((1, 1), (2, 2))),
    (((1, 0), (2, 3)), ((1, 0), (2, 3))),
])
def test_zero_padding_2d_argument_forms(backend, padding, expected):
    layer = layers.ZeroPadding2D(padding)
    assert layer.padding == expected
    np.testing.assert_array_equal(_numpy(layer(X)),
                                  np.pad(X, ((0, 0),) + expected + ((0, 0),)))


def test_zero_padding_1d_and_channels_first(backend):
    steps = X[:, :, :, 0]
    np.testing.assert_array_equal(_numpy(layers.ZeroPadding1D((2, 1))(steps)),
                                  np.pad(steps, ((0, 0), (2, 1), (0, 0))))
    np.testing.assert_array_equal(
        _numpy(layers.ZeroPadding2D((1, 2), data_format="channels_first")(X)),
        np.pad(X, ((0, 0), (0, 0), (1, 1), (2, 2))))


@pytest.mark.parametrize("cropping, expected", [
    (1, ((1, 1), (1, 1))),
    ((0, 1), ((0, 0), (1, 1))),
    (((1, 0), (0, 2)), ((1, 0), (0, 2))),
])
def test_cropping_2d_argument_forms(backend, cropping, expected):
    layer = layers.Cropping2D(cropping)
    assert layer.cropping == expected
    (top, bottom), (left, right) = expected
    np.testing.assert_array_equal(_numpy(layer(X)), X[:, top:3 - bottom, left:4 - right])


def test_cropping_that_removes_everything_is_an_error(backend):
    with pytest.raises(ValueError, match=r'Cropping1D "crop": cropping \(2, 2\) removes all of '
                                         r"axis 1 \(size 4\)"):
        layers.Cropping1D((2, 2), name="crop")(X[:, :, :, 0].reshape(2, 4, 3))


def test_up_sampling_nearest_repeats(backend):
    np.testing.assert_array_equal(_numpy(layers.UpSampling2D((2, 3))(X)),
                                  X.repeat(2, axis=1).repeat(3, axis=2))
    np.testing.assert_array_equal(_numpy(layers.UpSampling1D(2)(X[:, :, :, 0])),
                                  X[:, :, :, 0].repeat(2, axis=1))


def test_up_sampling_bilinear_keeps_constants_and_interpolates(backend):
    ramp = np.array([0.0, 4.0], "float32").reshape(1, 1, 2, 1)
    out = _numpy(layers.UpSampling2D((1, 2), interpolation="bilinear")(ramp))[0, 0, :, 0]
    # half-pixel centers: samples at -0.25, 0.25, 0.75, 1.25, clamped at the ends
    np.testing.assert_allclose(out, [0.0, 1.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="interpolation must be one of nearest, bilinear"):
        layers.UpSampling2D(interpolation="bicubic")


@pytest.mark.parametrize("layer, input_shape, expected", [
    (layers.ZeroPadding2D(((1, 0), (2, 3))), (None, None, 4, 2), (None, None, 9, 2)),
    (layers.Cropping2D(((1, 0), (2, 1)), data_format="channels_first"), (None, 2, None, 7),
     (None, 2, None, 4)),
    (layers.UpSampling2D(3), (None, 2, None, 5), (None, 6, None, 5)),
    (layers.UpSampling1D(2), (None, None, 5), (None, None, 5)),
    (layers.Cropping1D(1), (None, None, 5), (None, None, 5)),
])
def test_output_shape_with_unknown_sizes(layer, input_shape, expected):
    assert layer.compute_output_shape(input_shape) == expected
