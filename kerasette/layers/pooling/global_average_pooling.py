"""GlobalAveragePooling1D, GlobalAveragePooling2D and GlobalAveragePooling3D: the mean over
every position."""

from kerasette import ops
from kerasette.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """The mean over the steps: ``(batch, steps, channels) -> (batch, channels)``.

    Masked steps are left out of the mean: ``call`` takes a ``mask`` of shape ``(batch,
    steps)``, given automatically when the input carries one (after
    ``Embedding(mask_zero=True)`` or ``Masking``). The output carries no mask.

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
        kept = ops.expand_dims(ops.cast(mask, "bool"),
                               2 if self.data_format == "channels_last" else 1)
        # where, not a product: a masked step holding inf or nan does not spoil the mean
        total = ops.sum(ops.where(kept, inputs, ops.zeros_like(inputs)), axis=steps_axis,
                        keepdims=self.keepdims)
        count = ops.sum(ops.cast(kept, ops.dtype(inputs)), axis=steps_axis,
                        keepdims=self.keepdims)
        return ops.divide(total, count)

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


class GlobalAveragePooling3D(BaseGlobalPooling):
    """The mean over the three spatial axes: ``(batch, dim1, dim2, dim3, channels) ->
    (batch, channels)``.

    Args:
        data_format: "channels_last" or "channels_first".
        keepdims: keep the spatial axes with size 1.
    """

    rank = 3
    reduction = ops.mean
