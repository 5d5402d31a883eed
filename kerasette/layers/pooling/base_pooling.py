"""BasePooling: a window slid over the spatial axes, keeping its maximum or its mean."""

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.layers.argument_validation import describe, standardize_padding, standardize_tuple
from kerasette.layers.convolutional.output_size import conv_output_length, with_spatial
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class BasePooling(Layer):
    """N-D pooling (N = ``rank``) of each channel separately.

    Args:
        pool_size: an int or a tuple of ``rank`` ints, the window size.
        strides: an int or a tuple of ``rank`` ints; None (default) means ``pool_size``
            (windows that do not overlap).
        rank: the number of spatial dimensions.
        pool_mode: "max" or "average".
        padding: "valid" (windows inside the input) or "same" (output size
            ``ceil(size / stride)``; average pooling does not count the padded cells).
        data_format: "channels_last" or "channels_first" (default
            ``kerasette.config.image_data_format()``).
    """

    def __init__(self, pool_size, strides, rank, pool_mode="max", padding="valid",
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = describe(self)
        self.rank = rank
        self.pool_mode = pool_mode
        self.pool_size = standardize_tuple(pool_size, rank, "pool_size", who)
        self.strides = standardize_tuple(pool_size if strides is None else strides, rank,
                                         "strides", who)
        self.padding = standardize_padding(padding, who)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)

    def call(self, inputs):
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return pool(inputs, pool_size=self.pool_size, strides=self.strides,
                    padding=self.padding, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        start = 1 if self.data_format == "channels_last" else 2
        sizes = [conv_output_length(input_shape[start + i], self.pool_size[i], self.strides[i],
                                    self.padding) for i in range(self.rank)]
        if any(size is not None and size <= 0 for size in sizes):
            raise ValueError(
                f"{describe(self)}: the input (shape {tuple(input_shape)}) is smaller than the "
                f"pooling window {self.pool_size} with padding {self.padding!r}."
            )
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        return with_spatial(input_shape, sizes, channels, self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config
