"""Cropping1D, Cropping2D and Cropping3D: cells removed from the ends of the spatial axes."""

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.layers.argument_validation import (
    describe,
    standardize_pairs,
    standardize_tuple,
)
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class _Cropping(Layer):
    """Removes ``spatial_cropping[i] = (start, end)`` cells from spatial axis ``i``."""

    rank = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_cropping(self):
        """``(start, end)`` for each spatial axis."""
        return self.cropping

    def _spatial_axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return range(start, start + self.rank)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (start, end) in zip(self._spatial_axes(), self._spatial_cropping()):
            if shape[axis] is None:
                continue
            if start + end >= shape[axis]:
                raise ValueError(
                    f"{describe(self)}: cropping {self.cropping} removes all of axis {axis} "
                    f"(size {shape[axis]}) of input shape {tuple(input_shape)}; the cropping "
                    "must leave at least one cell."
                )
            shape[axis] -= start + end
        return tuple(shape)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def call(self, inputs):
        shape = self.compute_output_shape(tuple(ops.shape(inputs)))
        start = [0] * len(shape)
        for axis, (before, _) in zip(self._spatial_axes(), self._spatial_cropping()):
            start[axis] = before
        return ops.slice(inputs, start, shape)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping1D(_Cropping):
    """Crops the steps axis of ``(batch, steps, channels)``.

    Args:
        cropping: an int (the same at both ends) or a pair ``(start, end)``; default
            ``(1, 1)``.
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(data_format="channels_last", **kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", describe(self),
                                          allow_zero=True)

    def _spatial_cropping(self):
        return (self.cropping,)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # always channels_last: Keras's Cropping1D takes none
        return config


class Cropping2D(_Cropping):
    """Crops the height and width of images.

    Args:
        cropping: an int (the same on every side), a pair ``(symmetric_height,
            symmetric_width)`` or a pair of pairs ``((top, bottom), (left, right))``;
            default no cropping.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> kerasette.layers.Cropping2D(((2, 2), (4, 4)))(np.zeros((1, 28, 28, 3))).shape
        (1, 24, 20, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = standardize_pairs(cropping, 2, "cropping", describe(self))


class Cropping3D(_Cropping):
    """Crops the three spatial axes of volumes.

    Args:
        cropping: an int (the same on every side), a tuple of 3 ints (symmetric per axis) or
            a tuple of 3 pairs ``((start, end), ...)``; default 1 on every side.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> kerasette.layers.Cropping3D(((1, 0), 1, 0))(np.zeros((1, 4, 4, 4, 3))).shape
        (1, 3, 2, 4, 3)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = standardize_pairs(cropping, 3, "cropping", describe(self))
