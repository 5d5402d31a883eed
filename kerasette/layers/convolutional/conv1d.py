"""Conv1D: 1-D convolution over sequences, with "causal" padding for autoregressive models."""

from kerasette import ops
from kerasette.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution: ``(batch, steps, channels) -> (batch, new_steps, filters)``
    (channels_last). Arguments as :class:`~kerasette.layers.convolutional.base_conv.BaseConv`;
    ``padding="causal"`` pads only the start, so output ``t`` sees inputs ``<= t``.

    Example:
        >>> layer = kerasette.layers.Conv1D(32, 3, activation="relu")
        >>> layer(np.zeros((4, 10, 128))).shape
        (4, 8, 32)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)

    def _convolve(self, inputs):
        if self.padding != "causal":
            return super()._convolve(inputs)
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        steps_padding = (left, 0)
        if self.data_format == "channels_last":
            inputs = ops.pad(inputs, ((0, 0), steps_padding, (0, 0)))
        else:
            inputs = ops.pad(inputs, ((0, 0), (0, 0), steps_padding))
        return ops.conv(inputs, self.kernel, strides=self.strides, padding="valid",
                        data_format=self.data_format, dilation_rate=self.dilation_rate)
