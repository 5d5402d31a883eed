"""BaseDepthwiseConv: each input channel convolved on its own with ``depth_multiplier``
kernels, and :func:`depthwise_conv`, the op it runs (also the first half of a separable
convolution)."""

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.argument_validation import describe
from kerasette.layers.convolutional.base_conv import ConvolutionBase


def depthwise_conv(inputs, kernel, strides, padding, data_format, dilation_rate):
    """Convolves each input channel with its own ``multiplier`` kernels: ``kernel`` is
    ``(*window, channels, multiplier)`` and output channel ``c * multiplier + m`` is channel
    ``c`` convolved with ``kernel[..., c, m]`` (TensorFlow's and Keras's order). It runs as a
    grouped convolution with one group per channel."""
    *window, channels, multiplier = ops.shape(kernel)
    grouped = ops.reshape(kernel, (*window, 1, channels * multiplier))
    return ops.conv(inputs, grouped, strides=strides, padding=padding, data_format=data_format,
                    dilation_rate=dilation_rate)


def check_depth_multiplier(layer, depth_multiplier):
    """``depth_multiplier`` if it is a positive int, else ValueError naming ``layer``."""
    if (not isinstance(depth_multiplier, int) or isinstance(depth_multiplier, bool)
            or depth_multiplier <= 0):
        raise ValueError(
            f"{describe(layer)}: depth_multiplier must be a positive integer, got "
            f"{depth_multiplier!r}."
        )
    return depth_multiplier


class BaseDepthwiseConv(ConvolutionBase):
    """An N-D depthwise convolution (N = ``rank``): ``activation(depthwise_conv(inputs,
    kernel) + bias)``, ``channels * depth_multiplier`` output channels.

    The kernel (weight "kernel") has shape ``(*kernel_size, input_channels,
    depth_multiplier)`` and the bias ``(input_channels * depth_multiplier,)``, as in Keras.

    Args:
        rank: the number of spatial dimensions (1 or 2).
        depth_multiplier: how many output channels each input channel gives.
        kernel_size, strides, padding ("valid" or "same"), data_format, dilation_rate,
            activation, use_bias, bias_initializer, bias_regularizer, activity_regularizer,
            bias_constraint: as :class:`~kerasette.layers.convolutional.base_conv.ConvolutionBase`.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: the kernel's
            initializer (default "glorot_uniform"), penalty and projection.
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=rank, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = check_depth_multiplier(self, depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _output_channels(self, input_channels):
        return input_channels * self.depth_multiplier

    def _build_kernels(self, input_channels):
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (input_channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)

    def _convolve(self, inputs):
        return depthwise_conv(inputs, self.kernel, self.strides, self.padding, self.data_format,
                              self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        })
        return config
