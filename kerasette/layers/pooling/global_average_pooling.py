"""GlobalAveragePooling1D and GlobalAveragePooling2D: the mean over every position."""

from kerasette import ops
from kerasette.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean over the steps: ``(batch, steps, channels) -> (batch, channels)``.

    ``call`` takes an optional ``mask`` of shape ``(batch, steps)``: masked steps are left
    out of the mean.

    Args:
        data_format: "channels_last" or "channels_first".
        keepdims: keep the steps axis with size 1.
    """

    rank = 1
    reduction = ops.mean

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = self._spatial_axes[0]
        weights = ops.expand_dims(ops.cast(mask, ops.dtype(inputs)),
                                  2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.multiply(inputs, weights), axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, ops.sum(weights, axis=steps_axis, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """The mean over height and width: ``(batch, height, width, channels) -> (batch, channels)``.

    Args:
        data_format: "channels_last" or "channels_first".
        keepdims: keep the spatial axes with size 1.
    """

    rank = 2
    reduction = ops.mean
