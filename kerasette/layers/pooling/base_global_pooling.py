"""BaseGlobalPooling: one value per channel, reduced over every spatial position."""

from kerasette.backends.config import standardize_data_format
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces the ``rank`` spatial axes (a class attribute of each subclass).

    Args:
        data_format: "channels_last" or "channels_first" (default
            ``kerasette.config.image_data_format()``).
        keepdims: keep the spatial axes with size 1 (default False:
            ``(batch, channels)``).
    """

    #: the number of spatial dimensions
    rank = None
    #: the reduction over the spatial axes (``ops.mean`` or ``ops.max``)
    reduction = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _spatial_axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def call(self, inputs):
        return type(self).reduction(inputs, axis=self._spatial_axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            channels, spatial = input_shape[-1], (1,) * self.rank
            return (input_shape[0],) + (spatial if self.keepdims else ()) + (channels,)
        channels = input_shape[1]
        return (input_shape[0], channels) + ((1,) * self.rank if self.keepdims else ())

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
