"""What every convolution layer shares (:class:`ConvolutionBase`: the window, the bias,
the activation, the input checks, the output shape, the config) and the plain convolution
with one kernel (:class:`BaseConv`); subclasses say how many spatial dimensions, which
kernels and which op."""

from kerasette import activations, constraints, initializers, ops, regularizers
from kerasette.backends.config import standardize_data_format
from kerasette.layers.argument_validation import (
    describe,
    standardize_padding,
    standardize_tuple,
)
from kerasette.layers.convolutional.output_size import (
    channel_axis,
    conv_output_length,
    with_spatial,
)
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class ConvolutionBase(Layer):
    """The base of every convolution layer: ``activation(convolve(inputs) + bias)``.

    Subclasses create their kernels in :meth:`_build_kernels`, say how many channels come out
    (:meth:`_output_channels`) and convolve (:meth:`_convolve`); the bias has one entry per
    output channel.

    Args:
        rank: the number of spatial dimensions (1, 2 or 3).
        kernel_size: an int or a tuple of ``rank`` ints, the window size.
        strides: an int or a tuple of ``rank`` ints (default 1).
        padding: "valid" (no padding) or "same" (output size ``ceil(size / stride)``); "causal"
            too where ``allow_causal``.
        data_format: "channels_last" (``(batch, *spatial, channels)``) or "channels_first";
            default ``kerasette.config.image_data_format()``.
        dilation_rate: an int or a tuple of ``rank`` ints.
        activation: name or function applied to the output (default: none).
        use_bias: whether to add a bias vector.
        bias_initializer, bias_regularizer, bias_constraint: the bias's initializer
            (default "zeros"), penalty and projection.
        activity_regularizer: a penalty on the output, added to the loss.
        allow_causal: whether "causal" padding is accepted (1-D convolutions).
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, bias_initializer="zeros",
                 bias_regularizer=None, activity_regularizer=None, bias_constraint=None,
                 allow_causal=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = describe(self)
        self.rank = rank
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", who)
        self.strides = standardize_tuple(strides, rank, "strides", who)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", who)
        self.padding = standardize_padding(padding, who, allow_causal=allow_causal)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    # -- what subclasses give
    def _output_channels(self, input_channels):
        """How many channels the convolution of ``input_channels`` channels gives."""
        raise NotImplementedError

    def _build_kernels(self, input_channels):
        """Creates the kernel weights (before the bias, Keras's order)."""
        raise NotImplementedError

    def _convolve(self, inputs):
        """The convolution of ``inputs`` with the kernels, before the bias."""
        raise NotImplementedError

    def _check_input_channels(self, channels, input_shape):
        """Raises ValueError when the kernels cannot take ``channels`` input channels."""

    def _output_length(self, size, index):
        return conv_output_length(size, self.kernel_size[index], self.strides[index],
                                  self.padding, self.dilation_rate[index])

    # -- the layer
    def _input_channels(self, input_shape):
        who = describe(self)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{who} expected an input of rank {self.rank + 2}, got rank {len(input_shape)} "
                f"(input shape {tuple(input_shape)})."
            )
        channels = input_shape[channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(
                f"{who} needs a known number of input channels (axis "
                f"{channel_axis(self.data_format)}, data_format={self.data_format!r}), got input "
                f"shape {tuple(input_shape)}."
            )
        return channels

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._check_input_channels(channels, input_shape)
        self.compute_output_shape(input_shape)  # rejects inputs smaller than the window
        self._build_kernels(channels)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self._output_channels(channels),),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})

    def call(self, inputs):
        outputs = self._convolve(inputs)
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (1, -1) + (1,) * self.rank)
            outputs = ops.add(outputs, bias)
        return self.activation(outputs) if self.activation is not None else outputs

    def compute_output_shape(self, input_shape):
        channels = self._input_channels(input_shape)
        start = 1 if self.data_format == "channels_last" else 2
        sizes = [self._output_length(input_shape[start + i], i) for i in range(self.rank)]
        if any(size is not None and size <= 0 for size in sizes):
            raise ValueError(
                f"{describe(self)}: the input (shape {tuple(input_shape)}) is smaller than the "
                f"kernel (kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}, "
                f"padding={self.padding!r}): the output would have spatial size {tuple(sizes)}."
            )
        return with_spatial(input_shape, sizes, self._output_channels(channels),
                            self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


class BaseConv(ConvolutionBase):
    """An N-D convolution layer (N = ``rank``): ``activation(conv(inputs, kernel) + bias)``.

    The kernel has shape ``(*kernel_size, input_channels // groups, filters)``, as in Keras.

    Args:
        rank: the number of spatial dimensions (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: an int or a tuple of ``rank`` ints, the window size.
        strides: an int or a tuple of ``rank`` ints (default 1).
        padding: "valid" (no padding), "same" (output size ``ceil(size / stride)``), or for
            1-D "causal" (the input padded on the left only, so no output sees the future).
        data_format: "channels_last" (``(batch, *spatial, channels)``) or "channels_first";
            default ``kerasette.config.image_data_format()``.
        dilation_rate: an int or a tuple of ``rank`` ints; strides and dilation cannot both
            exceed 1.
        groups: split the input channels into ``groups`` groups, each convolved with
            ``filters // groups`` filters; it must divide both the input channels and ``filters``.
        activation: name or function applied to the output (default: none).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers ("glorot_uniform", "zeros").
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: projections applied after each update.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=rank, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, allow_causal=rank == 1, **kwargs)
        who = describe(self)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{who}: filters must be a positive integer, got {filters!r}.")
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(f"{who}: groups must be a positive integer, got {groups!r}.")
        if filters % groups:
            raise ValueError(
                f"{who}: filters ({filters}) must be divisible by groups ({groups}): each group "
                "has filters // groups filters."
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{who}: strides > 1 cannot be combined with dilation_rate > 1, got "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}."
            )
        self.filters = filters
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    # -- what subclasses change
    def _kernel_shape(self, input_channels):
        return self.kernel_size + (input_channels // self.groups, self.filters)

    def _convolve(self, inputs):
        return ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    # -- ConvolutionBase's hooks
    def _output_channels(self, input_channels):
        return self.filters

    def _check_input_channels(self, channels, input_shape):
        if channels % self.groups:
            raise ValueError(
                f"{describe(self)}: the input channels ({channels}) must be divisible by groups "
                f"({self.groups}) (input shape {tuple(input_shape)})."
            )

    def _build_kernels(self, input_channels):
        self.kernel = self.add_weight(name="kernel", shape=self._kernel_shape(input_channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        })
        return config
