"""RNN: runs a recurrent cell over the timesteps of a sequence (Keras 3 ``keras.layers.RNN``)."""

from kerasette import ops
from kerasette.backends import tree
from kerasette.layers.layer import Layer
from kerasette.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerasette.layers.tracking import untracked
from kerasette.serialization.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)


class RNN(Layer):
    """Runs ``cell`` over the timesteps of ``(batch, time, features)`` inputs.

    A cell is a layer (or any object) with ``state_size`` (an int, or a list of ints: one
    per state) and ``call(inputs, states)`` returning ``(output, new_states)`` for one
    timestep; optionally ``output_size`` and ``get_initial_state(batch_size)``. A list of
    cells is stacked (:class:`StackedRNNCells`).

    The loop is ``ops.scan``: a compiled ``lax.scan`` on JAX, a Python loop on the engine.
    The built-in cells (:class:`SimpleRNNCell`, :class:`LSTMCell`, :class:`GRUCell`)
    project every timestep's inputs with one matmul before the loop, and a step of their
    default configuration is one backend op.

    Args:
        cell: the cell, or a list of cells.
        return_sequences: return the output of every timestep ``(batch, time, units)``
            instead of the last one.
        return_state: also return the final states (``[output, *states]``).
        go_backwards: process the sequence from its end (the outputs come in that order).
        stateful: the final states of a batch are the initial states of the next one
            (``reset_state()`` sets them to zeros); the batch size must stay the same.
        unroll: unroll the loop (on JAX the scan is unrolled; the engine always loops).
        zero_output_for_mask: masked timesteps output zeros instead of the previous output.

    Call arguments:
        sequences: ``(batch, time, features)``.
        initial_state: a list of initial states (default zeros).
        mask: ``(batch, time)`` booleans: a masked timestep leaves the states as they were
            (and outputs the previous output). Taken from the inputs when they carry one
            (``Embedding(mask_zero=True)``, ``Masking``).
        training: whether dropout applies.

    Example:
        >>> class MinimalCell(kerasette.layers.Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = self.state_size = units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units))
        ...     def call(self, inputs, states):
        ...         output = ops.tanh(ops.matmul(inputs, self.kernel) + states[0])
        ...         return output, [output]
        >>> kerasette.layers.RNN(MinimalCell(3))(np.ones((2, 5, 4), "float32")).shape
        (2, 3)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            from kerasette.layers.rnn.stacked_rnn_cells import StackedRNNCells
            cell = StackedRNNCells(cell)
        super().__init__(**kwargs)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f'RNN "{self.name}": the cell needs a call(inputs, states) '
                             f"method, got {cell!r}.")
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (int, list, tuple)):
            raise ValueError(f'RNN "{self.name}": the cell needs a state_size attribute (an '
                             f"int, or a list of ints: one per state), got {state_size!r}.")
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        with untracked(self):  # the states of a stateful RNN are not weights (as in Keras)
            self.states = None

    # ------------------------------------------------------------------ shapes and masks
    def build(self, sequences_shape, initial_state_shape=None):
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True

    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        if size is None:
            first = self.state_size[0]
            size = first[0] if isinstance(first, (list, tuple)) else first
        return size

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        size = self._output_size()
        size = tuple(size) if isinstance(size, (list, tuple)) else (size,)
        output = (batch, length) + size if self.return_sequences else (batch,) + size
        if not self.return_state:
            return output
        states = []
        for state in self.state_size:
            if isinstance(state, (list, tuple)):  # a stacked cell's states: one list per cell
                states.append([(batch, s) for s in state])
            else:
                states.append((batch, state))
        return [output] + states

    def compute_mask(self, inputs, mask):
        mask = _leaves(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # ------------------------------------------------------------------ states
    def get_initial_state(self, batch_size):
        """The cell's initial states for ``batch_size`` (zeros unless the cell says)."""
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            states = make(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        dtype = getattr(self.cell, "compute_dtype", self.compute_dtype)
        return [ops.zeros((batch_size, size), dtype=dtype) for size in self.state_size]

    def reset_state(self):
        """Sets the states of a stateful RNN to zeros."""
        if self.states is not None:
            for variable in _leaves(self.states):
                variable.assign(ops.zeros_like(variable.value))

    def reset_states(self):
        """Alias of :meth:`reset_state` (Keras 2's name)."""
        self.reset_state()

    def _stateful_initial_state(self, batch_size):
        if self.states is None:
            from kerasette.backends.variable import Variable
            initial = self.get_initial_state(batch_size)
            with untracked(self):
                self.states = tree.map_structure(
                    lambda value: Variable(value, trainable=False, name="rnn_state"), initial)
        expected = ops.shape(_leaves(self.states)[0])[0]
        if expected != batch_size:
            raise ValueError(f'RNN "{self.name}" is stateful: every batch needs the batch size '
                             f"of the first one, {expected}, got {batch_size}.")
        return tree.map_structure(lambda variable: variable.value, self.states)

    # ------------------------------------------------------------------ the loop
    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch_size = ops.shape(sequences)[0]
        if initial_state is None:
            initial_state = (self._stateful_initial_state(batch_size) if self.stateful
                             else self.get_initial_state(batch_size))
        initial_state = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        cell = self.cell
        prepare_dropout_masks(cell, sequences, initial_state, training)
        try:
            last_output, outputs, states = self._loop(sequences, initial_state, mask, training)
        finally:
            forget_dropout_masks(cell)
        if self.stateful:
            for variable, value in zip(_leaves(self.states), _leaves(states)):
                variable.assign(value)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(states)  # a stacked cell's: one list per cell, as Keras
        return output

    def _loop(self, sequences, initial_state, mask, training):
        """``(last_output, outputs, final_states)`` of the cell run over ``sequences``."""
        project = getattr(self.cell, "project_inputs", None)
        if project is not None:  # a built-in cell: the inputs' part for all timesteps at once
            inputs = project(sequences, training)
            step = self.cell.step_function(training)
        else:
            inputs = sequences
            step = _cell_caller(self.cell, training)
        # time first, in processing order
        inputs = ops.moveaxis(inputs, 1, 0)
        if self.go_backwards:
            inputs = ops.flip(inputs, 0)
        if mask is not None:
            mask = ops.moveaxis(ops.expand_dims(ops.cast(mask, "bool"), -1), 1, 0)
            if self.go_backwards:
                mask = ops.flip(mask, 0)
        zero_output = self.zero_output_for_mask

        def body(states, step_inputs):
            x = step_inputs[0] if mask is not None else step_inputs
            output, new_states = step(x, list(states))
            new_states = list(new_states) if isinstance(new_states, (list, tuple)) \
                else [new_states]
            if mask is not None:
                keep = step_inputs[1]
                # a masked step keeps the states, and outputs zeros or the previous output
                # (the first state, as Keras's scan does)
                previous = _leaves(states[-1] if isinstance(states[0], (list, tuple))
                                   else states[0])[0]
                output = _where(keep, output,
                                ops.zeros_like(output) if zero_output else previous)
                new_leaves, treedef = tree.flatten(new_states)
                new_states = tree.unflatten(treedef, [
                    _where(keep, new, old) for new, old in zip(new_leaves, _leaves(states))])
            return new_states, output

        length = ops.shape(inputs)[0]
        states, outputs = ops.scan(body, initial_state,
                                   (inputs, mask) if mask is not None else inputs,
                                   unroll=(length or 1) if self.unroll else 1)
        last_output = outputs[-1]
        outputs = ops.moveaxis(outputs, 0, 1) if self.return_sequences else None
        return last_output, outputs, states

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)


def _leaves(structure):
    """The tensors (or ints) of a nested list of them, in order."""
    return tree.flatten(structure)[0]


def _where(keep, new, old):
    """``new`` where ``keep`` (``(batch, 1)`` booleans), else ``old``, for a state or an
    output of any rank (ConvLSTM's are images)."""
    rank = len(ops.shape(new))
    if rank != 2:
        keep = ops.reshape(keep, (-1,) + (1,) * (rank - 1))
    return ops.where(keep, new, old)


def _cell_caller(cell, training):
    """``step(inputs, states)`` for a user's cell: its ``__call__`` for a layer (which builds
    it and drops ``training`` when its ``call`` takes none), else its ``call``."""
    if isinstance(cell, Layer):
        return lambda inputs, states: cell(inputs, states, training=training)
    return lambda inputs, states: cell.call(inputs, states)


def prepare_dropout_masks(cell, sequences, states, training):
    """Draws the dropout masks of ``cell`` (and of the cells it stacks) before the loop, so
    every timestep uses the same ones (drawing inside a compiled scan would draw once per
    trace, not per call)."""
    if not training:
        return
    step_input = sequences[:, 0]
    cells = getattr(cell, "cells", None)
    for inner, state in zip(cells, states) if cells is not None else [(cell, states)]:
        if isinstance(inner, DropoutRNNCell):
            inner.get_dropout_mask(step_input)
            inner.get_recurrent_dropout_mask(_leaves(state)[0])
        # the next cell's inputs are this one's outputs: a stand-in of their shape
        size = getattr(inner, "output_size", None) or _leaves(inner.state_size)[0]
        step_input = ops.zeros((ops.shape(sequences)[0], size), dtype=ops.dtype(step_input))


def forget_dropout_masks(cell):
    """Forgets the masks of ``cell`` (and of the cells it stacks): the next call draws new
    ones."""
    for inner in getattr(cell, "cells", None) or [cell]:
        if isinstance(inner, DropoutRNNCell):
            inner.reset_dropout_mask()
            inner.reset_recurrent_dropout_mask()
