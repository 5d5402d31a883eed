"""Sequential: a plain stack of layers, each with one input and one output."""

from kerasette.backends.masking import set_keras_mask
from kerasette.layers.input_layer import Input, InputLayer
from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.layer import Layer
from kerasette.layers.tracking import no_tracking, unique
from kerasette.models.functional import Functional, check_model_input_shapes
from kerasette.models.model import Model


class Sequential(Model):
    """A linear stack of layers (Keras 3 ``keras.Sequential``).

    Args:
        layers: the layers, in order; the first may be ``keras.Input(shape)`` or
            a layer given ``input_shape=``. Without an input shape the model is
            built on its first call or ``fit``.
        name: the model's name.

    Example:
        >>> model = kerasette.Sequential([
        ...     kerasette.Input(shape=(784,)),
        ...     kerasette.layers.Dense(64, activation="relu"),
        ...     kerasette.layers.Dense(10),
        ... ])
    """

    @no_tracking
    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._layers_list = []
        self._functional = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def _saveable_children(self):
        """Keras 3 walks a Sequential model's ``layers`` first, then its other attributes (as
        :meth:`Model._saveable_children`): its own layers take their paths before any attribute
        of a subclass."""
        return [("layers", self.layers)] + super()._saveable_children()

    @no_tracking
    def add(self, layer, rebuild=True):
        """Appends a layer (or ``keras.Input``) to the stack."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError(
                f'Sequential "{self.name}" can only add layers, got {type(layer).__name__}: {layer!r}.'
            )
        if isinstance(layer, InputLayer) and self._layers_list:
            raise ValueError(
                f'Sequential "{self.name}": keras.Input may only be the first entry; the model '
                f"already has layers {[l.name for l in self._layers_list]}."
            )
        names = {l.name for l in self._layers_list}
        if layer.name in names:
            raise ValueError(
                f'Sequential "{self.name}" already has a layer named "{layer.name}"; '
                "layer names must be unique within a model."
            )
        self._layers_list.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False
            self._functional = None

    @no_tracking
    def pop(self, rebuild=True):
        """Removes and returns the last layer; IndexError (as Keras 3) when there is none."""
        if not self.layers:
            raise IndexError(f'Sequential "{self.name}" has no layer to pop: its list of layers '
                             "is empty.")
        layer = self._layers_list.pop()
        self.built = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self):
        """The layers, without the InputLayer."""
        return [l for l in self._layers_list if not isinstance(l, InputLayer)]

    @property
    def _layers(self):
        # the stack, then any layer a subclass holds in attributes of its own
        return unique(self._layers_list + super()._layers)

    @no_tracking
    def _maybe_rebuild(self):
        self.built = False
        self._functional = None
        if not self._layers_list:
            return
        first = self._layers_list[0]
        if isinstance(first, InputLayer):
            self.build(first.batch_shape)
        elif first._batch_input_shape is not None:
            self.build(first._batch_input_shape)

    @no_tracking
    def build(self, input_shape=None):
        """Connects the layers on a symbolic input of ``input_shape`` (batch size left free)."""
        if input_shape is None:
            raise ValueError(f'Sequential "{self.name}".build() needs an input_shape.')
        first = self._layers_list[0] if self._layers_list else None
        if isinstance(first, InputLayer):
            inputs = first._output_tensor
        else:
            shape = tuple(input_shape)
            inputs = Input(batch_shape=(None,) + shape[1:], name=f"{self.name}_input")
        x = inputs
        for layer in self.layers:
            x = layer(x)
        self._functional = Functional(inputs, x, name=f"{self.name}_functional")
        self.input_spec = self._functional.input_spec
        self.built = True

    def _assert_input_compatibility(self, shapes):
        if self._functional is None:
            super()._assert_input_compatibility(shapes)
        else:
            check_model_input_shapes(self, self._functional, shapes)

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.call(inputs, training=training, mask=mask)
        if mask is not None:
            set_keras_mask(inputs, mask)  # the first layer reads it from there
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    def compute_output_spec(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.compute_output_spec(inputs)
        x = inputs
        for layer in self.layers:
            x = layer.compute_output_spec(x)
        return x

    @property
    def inputs(self):
        return self._functional.inputs if self._functional is not None else None

    @property
    def outputs(self):
        return self._functional.outputs if self._functional is not None else None

    @property
    def input_shape(self):
        return self.inputs[0].shape if self._functional is not None else None

    @property
    def output_shape(self):
        return self.outputs[0].shape if self._functional is not None else None

    @property
    def output_names(self):
        return [self.layers[-1].name] if self.layers else []

    def get_config(self):
        from kerasette.models.serialization import sequential_config
        return sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasette.models.serialization import sequential_from_config
        return sequential_from_config(cls, config, custom_objects)
