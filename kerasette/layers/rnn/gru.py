"""GRUCell and GRU: Cho et al.'s gated recurrent unit, Keras 3's gates."""

import functools

from kerasette import activations, ops
from kerasette.backend import get_backend
from kerasette.layers.rnn.cell_layer import CellLayer
from kerasette.layers.rnn.gated_cell import GatedCell, states_list

_CELL_DOC_ARGS = """
        units: the size of the output and the state.
        activation: of the candidate (default "tanh").
        recurrent_activation: of the update and reset gates (default "sigmoid").
        use_bias: whether the gates have a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: default
            "glorot_uniform", "orthogonal", "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout: the fraction of the inputs dropped while training.
        recurrent_dropout: the fraction of the previous output dropped while training (one
            mask per gate).
        reset_after: apply the reset gate after the recurrent matmul (default True, the
            cuDNN-compatible variant, with a separate recurrent bias: ``bias`` is
            ``(2, 3 * units)``, input bias then recurrent bias); False: before it (``bias``
            is ``(3 * units,)``).
        seed: an int for reproducible dropout masks."""


class GRUCell(GatedCell):
    __doc__ = """The cell of a GRU layer; ``kernel`` and ``recurrent_kernel`` hold the
    update, reset and candidate gates side by side.

    Args:""" + _CELL_DOC_ARGS + """

    Example:
        >>> rnn = kerasette.layers.RNN(kerasette.layers.GRUCell(4))
        >>> rnn(np.zeros((2, 10, 8), "float32")).shape
        (2, 4)
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", *,
                 reset_after=True, **kwargs):
        # the other arguments (use_bias, initializers, ..., dropout, seed): GatedCell's
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, **kwargs)
        self.reset_after = reset_after

    def bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return self.bias[0]

    def _recurrent_bias(self):
        """The bias inside the recurrent part: ``bias[1]`` with ``reset_after``, else zeros
        (the place of the candidate's recurrent bias in ``gru_cell``)."""
        if self.bias is not None and self.reset_after:
            return self.bias[1]
        return ops.zeros((3 * self.units,), dtype=self.compute_dtype)

    def step_function(self, training=False):
        return functools.partial(self.step, training=training,
                                 recurrent_bias=self._recurrent_bias())

    def step(self, projected, states, training=False, recurrent_bias=None):
        h = states_list(states)[0]
        masks = self.recurrent_masks(h, training)
        if recurrent_bias is None:
            recurrent_bias = self._recurrent_bias()
        if (masks is None and self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid):
            h = get_backend().gru_cell(projected, h, self.recurrent_kernel, recurrent_bias,
                                       reset_after=self.reset_after)
            return h, ([h] if isinstance(states, (list, tuple)) else h)
        h_z, h_r, h_h = _masks_applied(h, masks)
        x_z, x_r, x_h = ops.split(projected, 3, axis=-1)
        u_z, u_r, u_h = ops.split(self.recurrent_kernel, 3, axis=1)
        b_z, b_r, b_h = ops.split(recurrent_bias, 3)
        gate = self.recurrent_activation
        z = gate(ops.add(x_z, ops.add(ops.matmul(h_z, u_z), b_z)))
        r = gate(ops.add(x_r, ops.add(ops.matmul(h_r, u_r), b_r)))
        if self.reset_after:
            candidate_input = ops.multiply(r, ops.add(ops.matmul(h_h, u_h), b_h))
        else:
            candidate_input = ops.matmul(ops.multiply(r, h_h), u_h)
        candidate = self.activation(ops.add(x_h, candidate_input))
        h = ops.add(ops.multiply(z, h), ops.multiply(ops.subtract(1.0, z), candidate))
        return h, ([h] if isinstance(states, (list, tuple)) else h)

    def get_config(self):
        config = super().get_config()
        config["reset_after"] = self.reset_after
        return config


def _masks_applied(h, masks):
    """``h`` as each gate sees it: times that gate's recurrent dropout mask, if any."""
    if masks is None:
        return h, h, h
    return tuple(ops.multiply(h, m) for m in masks)


class GRU(CellLayer):
    __doc__ = """Gated recurrent unit (Cho et al., 2014): :class:`RNN` around a
    :class:`GRUCell` (Keras 3's ``keras.layers.GRU``). With the default activations a
    timestep is one backend op.

    Args:""" + _CELL_DOC_ARGS + """
        activity_regularizer: a penalty on the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as :class:`RNN`.
        use_cudnn: accepted for Keras compatibility (there is no cuDNN path).

    Example:
        >>> layer = kerasette.layers.GRU(4, return_sequences=True)
        >>> layer(np.zeros((2, 10, 8), "float32")).shape
        (2, 10, 4)
    """

    cell_class = GRUCell
    cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        super().__init__(
            dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                 use_bias=use_bias, kernel_initializer=kernel_initializer,
                 recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                 kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                 bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                 recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                 dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
                 seed=seed),
            activity_regularizer=activity_regularizer, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful,
            unroll=unroll, **kwargs)
