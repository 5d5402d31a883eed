"""SimpleRNNCell and SimpleRNN: ``activation(x @ kernel + bias + h @ recurrent_kernel)``."""

from kerasette import activations, ops
from kerasette.backend import get_backend
from kerasette.layers.rnn.cell_layer import CellLayer
from kerasette.layers.rnn.gated_cell import GatedCell, states_list


class SimpleRNNCell(GatedCell):
    """The cell of a fully-connected RNN whose output is fed back as its state.

    Args:
        units: the size of the output and the state.
        activation: default "tanh".
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: default
            "glorot_uniform", "orthogonal", "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout: the fraction of the inputs dropped while training.
        recurrent_dropout: the fraction of the previous output dropped while training.
        seed: an int for reproducible dropout masks.

    Example:
        >>> rnn = kerasette.layers.RNN(kerasette.layers.SimpleRNNCell(4))
        >>> rnn(np.zeros((2, 10, 8), "float32")).shape
        (2, 4)
    """

    def step(self, projected, states, training=False):
        previous = states_list(states)[0]
        mask = self.recurrent_masks(previous, training)
        if mask is not None:
            previous = ops.multiply(previous, mask)
        if self.activation is activations.tanh:
            output = get_backend().simple_rnn_cell(projected, previous, self.recurrent_kernel)
        else:
            output = ops.matmul(previous, self.recurrent_kernel)
            output = self.activation(ops.add(projected, output))
        return output, ([output] if isinstance(states, (list, tuple)) else output)


class SimpleRNN(CellLayer):
    """A fully-connected RNN: :class:`RNN` around a :class:`SimpleRNNCell` (Keras 3's
    ``keras.layers.SimpleRNN``).

    Args:
        units, activation, use_bias, *_initializer, *_regularizer, *_constraint, dropout,
            recurrent_dropout, seed: the cell's (see :class:`SimpleRNNCell`).
        activity_regularizer: a penalty on the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as :class:`RNN`.

    Example:
        >>> layer = kerasette.layers.SimpleRNN(4, return_sequences=True)
        >>> layer(np.zeros((2, 10, 8), "float32")).shape
        (2, 10, 4)
    """

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"
    # Keras 3 leaves the seed out of SimpleRNN's config (its cell keeps it)
    config_leaves_out = ("seed",)

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        super().__init__(
            dict(units=units, activation=activation, use_bias=use_bias,
                 kernel_initializer=kernel_initializer,
                 recurrent_initializer=recurrent_initializer,
                 bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                 recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                 kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                 bias_constraint=bias_constraint, dropout=dropout,
                 recurrent_dropout=recurrent_dropout, seed=seed),
            activity_regularizer=activity_regularizer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            unroll=unroll, **kwargs)
