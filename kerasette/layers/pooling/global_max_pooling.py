"""GlobalMaxPooling1D, GlobalMaxPooling2D and GlobalMaxPooling3D: the maximum over every
position."""

from kerasette import ops
from kerasette.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """The maximum over the steps: ``(batch, steps, channels) -> (batch, channels)``.

    Args:
        data_format: "channels_last" or "channels_first".
        keepdims: keep the steps axis with size 1.
    """

    rank = 1
    reduction = ops.max


class GlobalMaxPooling2D(BaseGlobalPooling):
    """The maximum over height and width: ``(batch, height, width, channels) ->
    (batch, channels)``.

    Args:
        data_format: "channels_last" or "channels_first".
        keepdims: keep the spatial axes with size 1.
    """

    rank = 2
    reduction = ops.max


class GlobalMaxPooling3D(BaseGlobalPooling):
    """The maximum over the three spatial axes: ``(batch, dim1, dim2, dim3, channels) ->
    (batch, channels)``.

    Args:
        data_format: "channels_last" or "channels_first".
        keepdims: keep the spatial axes with size 1.
    """

    rank = 3
    reduction = ops.max
