"""ConvLSTMCell and ConvLSTM: an LSTM whose input and recurrent transformations are
convolutions (Shi et al., 2015), the base of ConvLSTM1D/2D/3D."""

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.layers.argument_validation import describe, standardize_padding, standardize_tuple
from kerasette.layers.convolutional.output_size import (
    channel_axis,
    conv_output_length,
    spatial_axes,
    with_spatial,
)
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.rnn.cell_layer import CellLayer
from kerasette.layers.rnn.gated_cell import GatedCell, states_list
from kerasette.layers.rnn.lstm import forget_bias_initializer


class ConvLSTMCell(GatedCell):
    """The cell of a ConvLSTM layer: LSTM's gates (input, forget, candidate, output, side by
    side along the kernels' last axis) with convolutions in place of matmuls; states
    ``[h, c]`` are images of ``filters`` channels.

    Like the built-in dense cells, it runs in two parts (see :class:`GatedCell`): the input
    convolution of every timestep at once (:meth:`project_inputs`), then per timestep the
    recurrent convolution ("same" padding, stride 1) and the gates (:meth:`step`).

    Args:
        rank: 1, 2 or 3 spatial dimensions.
        filters: the channels of the output and of each state.
        kernel_size, strides, padding, data_format, dilation_rate: the input convolution's.
        activation, recurrent_activation, use_bias, kernel_initializer,
            recurrent_initializer, bias_initializer, unit_forget_bias, *_regularizer,
            *_constraint, dropout, recurrent_dropout, seed: as :class:`LSTMCell`'s (dropout
            draws one mask per gate, as Keras's ConvLSTM does).
    """

    gates = 4

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", unit_forget_bias=True, **kwargs):
        kwargs.pop("implementation", None)  # the dense cells' (one mask per gate here)
        super().__init__(filters, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
        who = describe(self)
        self.rank = rank
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", who)
        self.strides = standardize_tuple(strides, rank, "strides", who)
        self.padding = standardize_padding(padding, who)
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", who)
        self.unit_forget_bias = unit_forget_bias
        self.dropout_mask_count = 4
        self.state_size = [filters, filters]
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        self.spatial_dims = tuple(input_shape[a] for a in spatial_axes(self.rank,
                                                                       self.data_format))
        self.input_dim = self.input_dim_of(input_shape)
        super().build(input_shape)

    def input_dim_of(self, input_shape):
        return input_shape[channel_axis(self.data_format)]

    def kernel_shape(self, input_dim):
        return self.kernel_size + (input_dim, 4 * self.filters)

    def bias_initializer_fn(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.filters)

    def compute_output_shape(self, inputs_shape, states_shape=None):
        """The shape of one step's output (and of each state) for one step's input."""
        sizes = [inputs_shape[a] for a in spatial_axes(self.rank, self.data_format)]
        sizes = [conv_output_length(size, window, stride, self.padding, dilation)
                 for size, window, stride, dilation in zip(sizes, self.kernel_size,
                                                           self.strides, self.dilation_rate)]
        shape = with_spatial(inputs_shape, sizes, self.filters, self.data_format)
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        """Zero ``[h, c]`` of the output's shape."""
        step = with_spatial((batch_size,), self.spatial_dims, self.input_dim, self.data_format)
        shape = self.compute_output_shape(step)[0]
        return [ops.zeros(shape, dtype=self.compute_dtype) for _ in range(2)]

    # ------------------------------------------------------------------ the step
    def project_inputs(self, inputs, training=False):
        """The input convolution plus bias, for one timestep or a whole sequence (its
        timesteps convolved as one batch); while training, one dropout mask per gate."""
        sequence = ops.ndim(inputs) == self.rank + 3
        masks = None
        if training and 0.0 < self.dropout < 1.0:
            masks = self.get_dropout_mask(inputs[:, 0] if sequence else inputs)
            if sequence:
                masks = tuple(ops.expand_dims(m, 1) for m in masks)
        shape = ops.shape(inputs)
        axis = channel_axis(self.data_format)
        if masks is None:
            z = self._input_conv(inputs, self.kernel, sequence)
        else:
            z = ops.concatenate([self._input_conv(ops.multiply(inputs, m), k, sequence)
                                 for m, k in zip(masks, ops.split(self.kernel, 4, axis=-1))],
                                axis=axis)
        if self.bias is not None:
            bias_shape = [1] * (self.rank + 2)
            bias_shape[axis] = 4 * self.filters
            z = ops.add(z, ops.reshape(self.bias, tuple(bias_shape)))
        if sequence:
            z = ops.reshape(z, tuple(shape[:2]) + tuple(ops.shape(z)[1:]))
        return z

    def _input_conv(self, inputs, kernel, sequence):
        if sequence:  # the timesteps as one batch
            inputs = ops.reshape(inputs, (-1,) + tuple(ops.shape(inputs)[2:]))
        return ops.conv(inputs, kernel, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def _recurrent_conv(self, h, kernel):
        return ops.conv(h, kernel, strides=1, padding="same", data_format=self.data_format)

    def step(self, projected, states, training=False):
        h, c = states_list(states)[:2]
        axis = channel_axis(self.data_format)
        masks = self.recurrent_masks(h, training)
        if masks is None:
            recurrent = self._recurrent_conv(h, self.recurrent_kernel)
        else:  # one recurrent mask per gate
            recurrent = ops.concatenate([
                self._recurrent_conv(ops.multiply(h, m), k)
                for m, k in zip(masks, ops.split(self.recurrent_kernel, 4, axis=-1))], axis=axis)
        z = ops.split(ops.add(projected, recurrent), 4, axis=axis)
        gate = self.recurrent_activation
        c = ops.add(ops.multiply(gate(z[1]), c), ops.multiply(gate(z[0]), self.activation(z[2])))
        h = ops.multiply(gate(z[3]), self.activation(c))
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        del config["units"]  # "filters", below
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "unit_forget_bias": self.unit_forget_bias,
        })
        return config


class ConvLSTM(CellLayer):
    """The base of ConvLSTM1D/2D/3D: :class:`RNN` around a :class:`ConvLSTMCell` over
    inputs ``(batch, time, *spatial, channels)`` (``channels_last``) or
    ``(batch, time, channels, *spatial)``.

    Args:
        rank: the number of spatial dimensions.
        filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
            recurrent_activation, use_bias, *_initializer, unit_forget_bias,
            *_regularizer, *_constraint, dropout, recurrent_dropout, seed: the cell's.
        activity_regularizer: a penalty on the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as :class:`RNN`.
    """

    cell_class = ConvLSTMCell
    cell_name = "conv_lstm_cell"

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        super().__init__(
            dict(rank=rank, filters=filters, kernel_size=kernel_size, strides=strides,
                 padding=padding, data_format=data_format, dilation_rate=dilation_rate,
                 activation=activation, recurrent_activation=recurrent_activation,
                 use_bias=use_bias, kernel_initializer=kernel_initializer,
                 recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                 unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                 recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                 kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                 bias_constraint=bias_constraint, dropout=dropout,
                 recurrent_dropout=recurrent_dropout, seed=seed),
            activity_regularizer=activity_regularizer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        step = (sequences_shape[0],) + tuple(sequences_shape[2:])
        shape = tuple(self.cell.compute_output_shape(step)[0])
        output = (shape[0], sequences_shape[1]) + shape[1:] if self.return_sequences else shape
        return [output, shape, shape] if self.return_state else output
