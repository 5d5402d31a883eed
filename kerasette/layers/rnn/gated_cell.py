"""GatedCell: what SimpleRNNCell, LSTMCell and GRUCell share (weights, dropout, config),
and the two-part step protocol the RNN layer runs them with."""

import functools

from kerasette import activations, constraints, initializers, ops, regularizers
from kerasette.backends.seed import SeedGenerator
from kerasette.layers.layer import Layer
from kerasette.layers.rnn.dropout_rnn_cell import DropoutRNNCell


class GatedCell(Layer, DropoutRNNCell):
    """The base of the built-in recurrent cells: ``kernel`` ``(input_dim, gates * units)``,
    ``recurrent_kernel`` ``(units, gates * units)`` and ``bias``, as Keras 3 lays them out.

    A step is split in two, so that the RNN layer does the part that does not depend on
    the state for all timesteps at once:

    - :meth:`project_inputs`: ``inputs @ kernel + bias`` (after input dropout), for one
      timestep or a whole sequence ``(batch, time, features)``;
    - :meth:`step`: the recurrent part, given one timestep's projected inputs and the
      states; with the default activations it is one backend op (``lstm_cell``, ...);
      :meth:`step_function` gives it for all the timesteps of one call.

    ``call(inputs, states)`` (Keras's cell API) runs both for one timestep.

    Subclasses set ``gates`` and implement :meth:`step`; :meth:`input_bias` and
    :meth:`bias_shape` where the bias is not one ``(gates * units,)`` vector.

    Args:
        units: the size of the output and of each state.
        activation: the output's activation (default "tanh").
        use_bias: whether the gates have a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: default
            "glorot_uniform", "orthogonal", "zeros".
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout: the fraction of the inputs dropped while training.
        recurrent_dropout: the fraction of the previous output dropped while training.
        seed: an int for reproducible dropout masks.
        recurrent_activation: the gates' activation (cells with gates; None: none).
    """

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, *,
                 recurrent_activation=None, **kwargs):
        # Keras's "implementation" (1: one matmul per gate, 2: one for all): the math is the
        # same; recurrent dropout draws one mask per gate, as Keras's implementation 1 does
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f'{type(self).__name__} "{self.name}": units must be a positive '
                             f"integer, got {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = (None if recurrent_activation is None
                                     else activations.get(recurrent_activation))
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1 and self.gates > 1:
            self.dropout_mask_count = self.gates
        self.seed = seed
        self.seed_generator = SeedGenerator(seed)
        self.state_size = units
        self.output_size = units

    # ------------------------------------------------------------------ weights
    def build(self, input_shape):
        input_dim = self.input_dim_of(input_shape)
        if input_dim is None:
            raise ValueError(f'{type(self).__name__} "{self.name}" needs a known feature '
                             f"dimension, got input shape {tuple(input_shape)}.")
        self.kernel = self.add_weight(
            shape=self.kernel_shape(input_dim), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_shape(self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self.bias_shape(), name="bias", initializer=self.bias_initializer_fn(),
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def input_dim_of(self, input_shape):
        """The size of the inputs' feature axis (the last)."""
        return input_shape[-1]

    def kernel_shape(self, input_dim):
        """The shape of a kernel from ``input_dim`` features (the inputs', or the state's
        for ``recurrent_kernel``) to all the gates."""
        return (input_dim, self.gates * self.units)

    def bias_shape(self):
        """The shape of ``bias``."""
        return (self.gates * self.units,)

    def bias_initializer_fn(self):
        """The initializer of ``bias`` (LSTM's ``unit_forget_bias`` changes it)."""
        return self.bias_initializer

    def input_bias(self):
        """The part of ``bias`` added to the projected inputs (None without a bias)."""
        return self.bias

    # ------------------------------------------------------------------ the step
    def get_initial_state(self, batch_size=None):
        """Zero states: one ``(batch_size, units)`` tensor per entry of ``state_size``."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in sizes]

    def project_inputs(self, inputs, training=False):
        """``inputs @ kernel + input bias`` (the inputs dropped out while training), for one
        timestep ``(batch, features)`` or a sequence ``(batch, time, features)``: the
        same mask at every timestep."""
        masks = None
        if training and 0.0 < self.dropout < 1.0:
            step_input = inputs if ops.ndim(inputs) == 2 else inputs[:, 0]
            masks = self.get_dropout_mask(step_input)
            if ops.ndim(inputs) != 2:
                masks = (tuple(ops.expand_dims(m, 1) for m in masks) if isinstance(masks, tuple)
                         else ops.expand_dims(masks, 1))
        if isinstance(masks, tuple):  # one mask per gate
            kernels = ops.split(self.kernel, self.gates, axis=1)
            z = ops.concatenate([ops.matmul(ops.multiply(inputs, m), k)
                                 for m, k in zip(masks, kernels)], axis=-1)
        else:
            z = ops.matmul(inputs if masks is None else ops.multiply(inputs, masks), self.kernel)
        bias = self.input_bias()
        return z if bias is None else ops.add(z, bias)

    def recurrent_masks(self, state, training):
        """The recurrent dropout masks for ``state`` while training (a tuple of one per gate),
        else None."""
        if training and 0.0 < self.recurrent_dropout < 1.0:
            return self.get_recurrent_dropout_mask(state)
        return None

    def step(self, projected, states, training=False):
        """One timestep given its projected inputs: ``(output, new_states)``."""
        raise NotImplementedError

    def step_function(self, training=False):
        """``step(projected, states)`` for every timestep of one call (a cell computes what
        does not change from step to step, such as a slice of its bias, once here)."""
        return functools.partial(self.step, training=training)

    def call(self, inputs, states, training=False):
        return self.step(self.project_inputs(inputs, training), states, training)

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        if self.recurrent_activation is not None:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        return config


def states_list(states):
    """``states`` as a list (a cell may be handed one tensor, as Keras allows)."""
    return list(states) if isinstance(states, (list, tuple)) else [states]

