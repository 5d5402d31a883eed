"""MaxPooling1D, MaxPooling2D and MaxPooling3D: the maximum of each window."""

from kerasette.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling over steps: ``(batch, steps, channels) -> (batch, new_steps, channels)``.

    Args:
        pool_size: the window size (default 2).
        strides: the step between windows (default: ``pool_size``).
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, rank=1, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class MaxPooling2D(BasePooling):
    """Max pooling over height and width.

    Args:
        pool_size: the window size, an int or a pair (default ``(2, 2)``).
        strides: the step between windows (default: ``pool_size``).
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first".

    Example:
        >>> kerasette.layers.MaxPooling2D()(np.zeros((1, 28, 28, 8))).shape
        (1, 14, 14, 8)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, rank=2, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class MaxPooling3D(BasePooling):
    """Max pooling over the three spatial axes of volumes.

    Args:
        pool_size: the window size, an int or a triple (default ``(2, 2, 2)``).
        strides: the step between windows (default: ``pool_size``).
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, rank=3, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)
