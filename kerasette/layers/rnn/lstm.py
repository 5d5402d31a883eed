"""LSTMCell and LSTM: Hochreiter & Schmidhuber's long short-term memory, Keras 3's gates."""

import numpy as np

from kerasette import activations, ops
from kerasette.backend import get_backend
from kerasette.layers.rnn.cell_layer import CellLayer
from kerasette.layers.rnn.gated_cell import GatedCell, states_list

_CELL_DOC_ARGS = """
        units: the size of the output and of each state.
        activation: of the candidate and of the output's carry (default "tanh").
        recurrent_activation: of the input, forget and output gates (default "sigmoid").
        use_bias: whether the gates have a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: default
            "glorot_uniform", "orthogonal", "zeros".
        unit_forget_bias: start the forget gate's bias at 1 (Jozefowicz et al., 2015).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout: the fraction of the inputs dropped while training.
        recurrent_dropout: the fraction of the previous output dropped while training (one
            mask per gate).
        seed: an int for reproducible dropout masks."""


def forget_bias_initializer(initializer, units):
    """The initializer of an LSTM's ``(4 * units,)`` bias with ``unit_forget_bias``:
    ``initializer``'s values, the forget gate's set to 1 (Jozefowicz et al., 2015)."""
    def initialize(shape, dtype=None):
        def part(size):
            return np.asarray(ops.convert_to_numpy(initializer((size,), dtype)))
        return np.concatenate([part(units), np.ones((units,), dtype=dtype), part(2 * units)])
    return initialize


class LSTMCell(GatedCell):
    __doc__ = """The cell of an LSTM layer: states ``[h, c]``; ``kernel`` and
    ``recurrent_kernel`` hold the input, forget, candidate and output gates side by side.

    Args:""" + _CELL_DOC_ARGS + """

    Example:
        >>> rnn = kerasette.layers.RNN(kerasette.layers.LSTMCell(4))
        >>> rnn(np.zeros((2, 10, 8), "float32")).shape
        (2, 4)
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", *,
                 unit_forget_bias=True, **kwargs):
        # the other arguments (use_bias, initializers, ..., dropout, seed): GatedCell's
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [units, units]

    def bias_initializer_fn(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.units)

    def step(self, projected, states, training=False):
        h, c = states_list(states)[:2]
        masks = self.recurrent_masks(h, training)
        if (masks is None and self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid):
            h, c = get_backend().lstm_cell(projected, h, c, self.recurrent_kernel)
            return h, [h, c]
        if masks is None:
            z = ops.split(ops.add(projected, ops.matmul(h, self.recurrent_kernel)), 4, axis=-1)
        else:  # one recurrent mask per gate
            kernels = ops.split(self.recurrent_kernel, 4, axis=1)
            z = [ops.add(x, ops.matmul(ops.multiply(h, m), k))
                 for x, m, k in zip(ops.split(projected, 4, axis=-1), masks, kernels)]
        gate = self.recurrent_activation
        c = ops.add(ops.multiply(gate(z[1]), c), ops.multiply(gate(z[0]), self.activation(z[2])))
        h = ops.multiply(gate(z[3]), self.activation(c))
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class LSTM(CellLayer):
    __doc__ = """Long short-term memory (Hochreiter & Schmidhuber, 1997): :class:`RNN`
    around an :class:`LSTMCell` (Keras 3's ``keras.layers.LSTM``). With the default
    activations a timestep is one backend op.

    Args:""" + _CELL_DOC_ARGS + """
        activity_regularizer: a penalty on the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as :class:`RNN`.
        use_cudnn: accepted for Keras compatibility (there is no cuDNN path).

    Example:
        >>> layer = kerasette.layers.LSTM(4, return_state=True)
        >>> output, h, c = layer(np.zeros((2, 10, 8), "float32"))
        >>> output.shape, c.shape
        ((2, 4), (2, 4))
    """

    cell_class = LSTMCell
    cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        super().__init__(
            dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                 use_bias=use_bias, kernel_initializer=kernel_initializer,
                 recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                 unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                 recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                 kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                 bias_constraint=bias_constraint, dropout=dropout,
                 recurrent_dropout=recurrent_dropout, seed=seed),
            activity_regularizer=activity_regularizer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            unroll=unroll, **kwargs)
