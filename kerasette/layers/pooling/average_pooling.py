"""AveragePooling1D, AveragePooling2D and AveragePooling3D: the mean of each window."""

from kerasette.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling over steps: ``(batch, steps, channels) -> (batch, new_steps, channels)``.

    Args:
        pool_size: the window size (required, as in Keras).
        strides: the step between windows (default: ``pool_size``).
        padding: "valid" or "same" (padded cells are not counted in the mean).
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, rank=1, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling over height and width.

    Args:
        pool_size: the window size, an int or a pair (required, as in Keras).
        strides: the step between windows (default: ``pool_size``).
        padding: "valid" or "same" (padded cells are not counted in the mean).
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, rank=2, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling over the three spatial axes of volumes.

    Args:
        pool_size: the window size, an int or a triple (required, as in Keras).
        strides: the step between windows (default: ``pool_size``).
        padding: "valid" or "same" (padded cells are not counted in the mean).
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, rank=3, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)
