"""ZeroPadding1D, ZeroPadding2D and ZeroPadding3D: zeros added around the spatial axes."""

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.layers.argument_validation import (
    describe,
    standardize_pairs,
    standardize_tuple,
)
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class _ZeroPadding(Layer):
    """Pads spatial axis ``i`` with ``spatial_padding[i] = (before, after)`` zeros."""

    rank = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_padding(self):
        """``(before, after)`` for each spatial axis."""
        return self.padding

    def _axis_padding(self):
        """``(before, after)`` for every axis, batch and channels included."""
        spatial = tuple(self._spatial_padding())
        if self.data_format == "channels_first":
            return ((0, 0), (0, 0)) + spatial
        return ((0, 0),) + spatial + ((0, 0),)

    def call(self, inputs):
        return ops.pad(inputs, self._axis_padding())

    def compute_output_shape(self, input_shape):
        return tuple(None if size is None else size + before + after
                     for size, (before, after) in zip(input_shape, self._axis_padding()))

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros at the start and end of the steps axis of ``(batch, steps, channels)``.

    Args:
        padding: an int (the same at both ends) or a pair ``(before, after)``; default 1.
        data_format: "channels_last" or "channels_first".
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = standardize_tuple(padding, 2, "padding", describe(self), allow_zero=True)

    def _spatial_padding(self):
        return (self.padding,)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around images.

    Args:
        padding: an int (the same on every side), a pair ``(symmetric_height,
            symmetric_width)`` or a pair of pairs ``((top, bottom), (left, right))``;
            default ``(1, 1)``.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> kerasette.layers.ZeroPadding2D(((1, 0), (2, 2)))(np.zeros((1, 4, 4, 3))).shape
        (1, 5, 8, 3)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = standardize_pairs(padding, 2, "padding", describe(self))


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around the three spatial axes of volumes.

    Args:
        padding: an int (the same on every side), a tuple of 3 ints (symmetric per axis) or a
            tuple of 3 pairs ``((before, after), ...)``; default 1 on every side.
        data_format: "channels_last" or "channels_first".

    Example:
        >>> kerasette.layers.ZeroPadding3D(((1, 0), 2, 0))(np.zeros((1, 4, 4, 4, 3))).shape
        (1, 5, 8, 4, 3)
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = standardize_pairs(padding, 3, "padding", describe(self))
