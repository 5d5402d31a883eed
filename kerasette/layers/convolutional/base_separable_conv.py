"""BaseSeparableConv: a depthwise convolution followed by a pointwise (1x1) one, fewer
weights than a full convolution for the same output."""

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.argument_validation import describe
from kerasette.layers.convolutional.base_conv import ConvolutionBase
from kerasette.layers.convolutional.base_depthwise_conv import (
    check_depth_multiplier,
    depthwise_conv,
)


class BaseSeparableConv(ConvolutionBase):
    """An N-D separable convolution (N = ``rank``): each input channel convolved on its own
    with ``depth_multiplier`` kernels (strides, padding and dilation apply here), then the
    ``channels * depth_multiplier`` results mixed into ``filters`` channels by a 1x1
    convolution, then the bias and the activation.

    Weights, as in Keras: "depthwise_kernel" ``(*kernel_size, input_channels,
    depth_multiplier)``, "pointwise_kernel" ``(1, ..., 1, input_channels * depth_multiplier,
    filters)``, "bias" ``(filters,)``.

    Args:
        rank: the number of spatial dimensions (1 or 2).
        depth_multiplier: how many channels the depthwise step makes of each input channel.
        filters: the number of output channels.
        kernel_size, strides, padding ("valid" or "same"), data_format, dilation_rate,
            activation, use_bias, bias_initializer, bias_regularizer, activity_regularizer,
            bias_constraint: as :class:`~kerasette.layers.convolutional.base_conv.ConvolutionBase`.
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: the depthwise
            kernel's initializer (default "glorot_uniform"), penalty and projection.
        pointwise_initializer, pointwise_regularizer, pointwise_constraint: the same for the
            pointwise kernel.
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=rank, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, **kwargs)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{describe(self)}: filters must be a positive integer, got "
                             f"{filters!r}.")
        self.depth_multiplier = check_depth_multiplier(self, depth_multiplier)
        self.filters = filters
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _output_channels(self, input_channels):
        return self.filters

    def _build_kernels(self, input_channels):
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=self.kernel_size + (input_channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (input_channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)

    def _convolve(self, inputs):
        depthwise = depthwise_conv(inputs, self.depthwise_kernel, self.strides, self.padding,
                                   self.data_format, self.dilation_rate)
        return ops.conv(depthwise, self.pointwise_kernel, data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config
