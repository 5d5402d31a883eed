"""Bidirectional: a recurrent layer run forwards and backwards, the two outputs merged."""

from kerasette import ops
from kerasette.layers.layer import Layer
from kerasette.serialization.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Runs a copy of ``layer`` over the sequence and another copy (or ``backward_layer``)
    over the reversed sequence, and merges their outputs (Keras 3's
    ``keras.layers.Bidirectional``). With ``return_sequences`` the backward outputs are
    flipped back, so that timestep ``t`` of both halves belongs to input ``t``.

    Args:
        layer: a recurrent layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``); its copy,
            named ``forward_<name>``, runs forwards.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (a list of the two).
        backward_layer: the layer that runs backwards (its ``go_backwards`` must differ from
            ``layer``'s); default a copy of ``layer`` with ``go_backwards`` flipped, named
            ``backward_<name>``.

    Call arguments:
        sequences, mask, training: as the wrapped layer's.
        initial_state: the forward layer's initial states followed by the backward one's.

    Example:
        >>> layer = kerasette.layers.Bidirectional(kerasette.layers.LSTM(4))
        >>> layer(np.zeros((2, 10, 8), "float32")).shape
        (2, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional wraps a layer, got {layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: backward_layer must be a layer, got "
                             f"{backward_layer!r}.")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {MERGE_MODES}, got "
                             f"{merge_mode!r}.")
        if weights is not None:
            raise NotImplementedError("Bidirectional: weights= is not supported; call "
                                      "set_weights() once the layer is built.")
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, f"forward_{_without(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy(layer, f"backward_{_without(layer.name, 'backward_')}",
                                   go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(f'Bidirectional "{self.name}": the forward and backward layers '
                             f"need different go_backwards, both have "
                             f"{self.forward_layer.go_backwards}.")
        for attribute in ("stateful", "return_sequences", "return_state"):
            forward = getattr(self.forward_layer, attribute)
            backward = getattr(self.backward_layer, attribute)
            if forward != backward:
                raise ValueError(f'Bidirectional "{self.name}": the forward and backward '
                                 f"layers need the same {attribute}, got {forward} and "
                                 f"{backward}.")
        # masked timesteps output zeros, so the flipped halves line up (Keras does the same)
        for half in (self.forward_layer, self.backward_layer):
            if hasattr(half, "zero_output_for_mask"):
                half.zero_output_for_mask = half.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def build(self, sequences_shape, initial_state_shape=None):
        for half in (self.forward_layer, self.backward_layer):
            if not half.built:
                half._maybe_build(sequences_shape)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if self.return_state:
            return outputs + states + states
        return outputs if self.merge_mode is None else shape

    def compute_mask(self, inputs, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            count = len(self.forward_layer.compute_output_shape((1, 1, 1))) - 1
            return masks + [None] * (2 * count)
        return masks if self.merge_mode is None else output_mask

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_backward = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                         training=training)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_backward[1:])
            y, y_backward = y[0], y_backward[0]
        if self.return_sequences:
            y_backward = ops.flip(y_backward, axis=1)
        if self.merge_mode == "concat":
            output = [ops.concatenate([y, y_backward], axis=-1)]
        elif self.merge_mode == "sum":
            output = [ops.add(y, y_backward)]
        elif self.merge_mode == "ave":
            output = [ops.divide(ops.add(y, y_backward), 2.0)]
        elif self.merge_mode == "mul":
            output = [ops.multiply(y, y_backward)]
        else:
            output = [y, y_backward]
        if self.return_state:
            return output + states
        return output if self.merge_mode is None else output[0]

    @property
    def states(self):
        """The states of a stateful layer: the forward layer's, then the backward one's."""
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states) + tuple(self.backward_layer.states)
        return None

    def reset_state(self):
        """Sets the states of both halves of a stateful layer to zeros."""
        if not self.stateful:
            raise AttributeError(f'Bidirectional "{self.name}" is not stateful.')
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Alias of :meth:`reset_state`."""
        self.reset_state()

    def get_config(self):
        config = super().get_config()
        config.update({
            "merge_mode": self.merge_mode,
            "layer": serialize_keras_object(self.forward_layer),
            "backward_layer": serialize_keras_object(self.backward_layer),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize_keras_object(backward, custom_objects=custom_objects)
        return cls(layer, backward_layer=backward, **config)


def _copy(layer, name, **changes):
    """A new layer from ``layer``'s serialized config, renamed, with ``changes`` applied."""
    config = serialize_keras_object(layer)
    config["config"] = dict(config["config"], name=name, **changes)
    return deserialize_keras_object(config)


def _without(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name
