"""UpSampling1D, UpSampling2D and UpSampling3D: each cell repeated (or interpolated) to enlarge
the input."""

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


class _UpSampling(Layer):
    """Enlarges the ``rank`` spatial axes by the factors in ``size``, repeating each cell
    (or interpolating, where the subclass says so)."""

    rank = None

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, self.rank, "size", describe(self))
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def _upsample(self, x, factor, axis):
        return ops.repeat(x, factor, axis=axis)

    def call(self, inputs):
        outputs = inputs
        for axis, factor in zip(self._spatial_axes(), self.size):
            outputs = self._upsample(outputs, factor, axis)
        return outputs

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes(), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config


class UpSampling2D(_UpSampling):
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

    rank = 2
    INTERPOLATIONS = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format=data_format, **kwargs)
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in self.INTERPOLATIONS:
            raise ValueError(
                f"{describe(self)}: interpolation must be one of "
                f"{', '.join(self.INTERPOLATIONS)}, got {interpolation!r}."
            )

    def _upsample(self, x, factor, axis):
        if self.interpolation == "nearest":
            return super()._upsample(x, factor, axis)
        return _linear_upsample(x, factor, axis)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_UpSampling):
    """Enlarges volumes by ``size = (dim1, dim2, dim3)``, repeating each cell.

    Args:
        size: an int or a triple, the factors of the three spatial axes (default
            ``(2, 2, 2)``).
        data_format: "channels_last" or "channels_first".

    Example:
        >>> kerasette.layers.UpSampling3D((1, 2, 3))(np.zeros((1, 4, 4, 4, 3))).shape
        (1, 4, 8, 12, 3)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format=data_format, **kwargs)


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
