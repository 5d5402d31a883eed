"""BaseConvTranspose: transposed convolutions (the gradient of a convolution with respect to
its input), which upsample by their strides."""

from kerasette import ops
from kerasette.layers.argument_validation import describe, standardize_tuple
from kerasette.layers.convolutional.base_conv import BaseConv
from kerasette.layers.convolutional.output_size import conv_transpose_output_length


class BaseConvTranspose(BaseConv):
    """An N-D transposed convolution layer (N = ``rank``).

    The kernel has shape ``(*kernel_size, filters, input_channels)``, as in Keras. The
    output spatial size is ``(size - 1) * stride + max(kernel, stride)`` for "valid" and
    ``size * stride`` for "same"; ``output_padding`` (each entry less than its stride)
    picks among the sizes a convolution maps back to the input size:
    ``(size - 1) * stride + kernel + output_padding`` ("valid") or
    ``(size - 1) * stride + kernel % 2 + output_padding`` ("same").

    Arguments as :class:`~kerasette.layers.convolutional.base_conv.BaseConv`, without
    ``groups``, plus ``output_padding`` (None, an int or a tuple of ``rank`` ints).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate, groups=1,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        who = describe(self)
        if self.padding == "causal":
            raise ValueError(f'{who}: padding must be "valid" or "same", got "causal".')
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = standardize_tuple(output_padding, rank, "output_padding", who,
                                                    allow_zero=True)
            for index, (extra, stride) in enumerate(zip(self.output_padding, self.strides)):
                if extra >= stride:
                    raise ValueError(
                        f"{who}: each entry of output_padding must be less than the stride, got "
                        f"output_padding={self.output_padding} and strides={self.strides} "
                        f"(dimension {index})."
                    )

    def _kernel_shape(self, input_channels):
        return self.kernel_size + (self.filters, input_channels)

    def _output_length(self, size, index):
        extra = None if self.output_padding is None else self.output_padding[index]
        return conv_transpose_output_length(size, self.kernel_size[index], self.strides[index],
                                            self.padding, extra, self.dilation_rate[index])

    def _convolve(self, inputs):
        return ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                  output_padding=self.output_padding,
                                  data_format=self.data_format, dilation_rate=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = self.output_padding
        return config
