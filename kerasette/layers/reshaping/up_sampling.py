"""UpSampling1D and UpSampling2D: each cell repeated (or interpolated) to enlarge the input."""

import numpy as np

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.layers.argument_validation import describe, standardize_tuple
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class UpSampling1D(Layer):
    """Repeats each step ``size`` times: ``(batch, steps, features) -> (batch, steps * size,
    features)``.

    Args:
        size: the upsampling factor (default 2).
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = standardize_tuple(size, 1, "size", describe(self))[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(Layer):
    """Enlarges images by ``size = (rows, columns)``.

    Args:
        size: an int or a pair, the factors for height and width (default ``(2, 2)``).
        data_format: "channels_last" or "channels_first".
        interpolation: "nearest" (each pixel repeated) or "bilinear" (half-pixel centers, the
            edges clamped, as ``jax.image.resize``).

    Example:
        >>> kerasette.layers.UpSampling2D()(np.zeros((1, 7, 7, 3))).shape
        (1, 14, 14, 3)
    """

    INTERPOLATIONS = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        who = describe(self)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size", who)
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in self.INTERPOLATIONS:
            raise ValueError(
                f"{who}: interpolation must be one of {', '.join(self.INTERPOLATIONS)}, got "
                f"{interpolation!r}."
            )
        self.input_spec = InputSpec(ndim=4)

    def _spatial_axes(self):
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def call(self, inputs):
        outputs = inputs
        for axis, factor in zip(self._spatial_axes(), self.size):
            if self.interpolation == "nearest":
                outputs = ops.repeat(outputs, factor, axis=axis)
            else:
                outputs = _linear_upsample(outputs, factor, axis)
        return outputs

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes(), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config


def _linear_upsample(x, factor, axis):
    """Linear interpolation along ``axis`` to ``factor`` times as many cells: output cell
    ``j`` samples position ``(j + 0.5) / factor - 0.5`` of the input, clamped to its ends."""
    size = ops.shape(x)[axis]
    position = (np.arange(size * factor) + 0.5) / factor - 0.5
    below = np.floor(position)
    weight_above = (position - below).astype(ops.dtype(x))
    below = below.astype("int64")
    low = np.clip(below, 0, size - 1).astype("int32")
    high = np.clip(below + 1, 0, size - 1).astype("int32")
    shape = [1] * len(ops.shape(x))
    shape[axis] = size * factor
    weight_above = ops.convert_to_tensor(weight_above.reshape(shape))
    weight_below = ops.subtract(1.0, weight_above)
    return ops.add(ops.multiply(ops.take(x, low, axis=axis), weight_below),
                   ops.multiply(ops.take(x, high, axis=axis), weight_above))
