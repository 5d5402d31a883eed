"""DepthwiseConv1D: each channel of a sequence convolved on its own."""

from kerasette.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """1-D depthwise convolution: ``(batch, steps, channels) -> (batch, new_steps, channels *
    depth_multiplier)`` (channels_last). Arguments as
    :class:`~kerasette.layers.convolutional.base_depthwise_conv.BaseDepthwiseConv`.

    Example:
        >>> layer = kerasette.layers.DepthwiseConv1D(3, depth_multiplier=2)
        >>> layer(np.zeros((4, 10, 6))).shape
        (4, 8, 12)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, depth_multiplier=depth_multiplier, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs)
