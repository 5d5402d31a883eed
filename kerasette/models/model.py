"""Model: a Layer with training (``compile``/``fit``/``evaluate``/``predict``) and summaries.

``Model(inputs, outputs)`` builds a :class:`~kerasette.models.functional.Functional`
model; subclassing ``Model`` and writing ``call`` gives a subclassed model.
"""

import numpy as np

from kerasette.backends.variable import StatelessScope
from kerasette.layers.layer import Layer, _private_last
from kerasette.layers.tracking import no_tracking
from kerasette.models.summary import print_summary
from kerasette.trainers.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable group of layers (Keras 3 ``keras.Model``).

    Two ways to make one:

    - functional: ``Model(inputs=keras.Input(...), outputs=...)``;
    - subclassing: define layers in ``__init__`` and the forward pass in ``call``.

    Example:
        >>> class MLP(kerasette.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = kerasette.layers.Dense(64, activation="relu")
        ...         self.out = kerasette.layers.Dense(10)
        ...     def call(self, x):
        ...         return self.out(self.hidden(x))
    """

    # a model's own layers attach and drop masks; as a whole it drops none
    _warns_when_dropping_masks = False

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            from kerasette.models.functional import Functional
            return Functional.__new__(Functional)
        return super().__new__(cls)

    @no_tracking
    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            # a subclass given inputs and outputs (``M(inputs, outputs)``, or its __init__
            # passing them on) is a functional model of its own class, as in Keras 3
            from kerasette.models.functional import Functional
            _put_functional_in_bases(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        Trainer.__init__(self)
        Layer.__init__(self, **kwargs)

    # ------------------------------------------------------------------ structure
    @property
    def layers(self):
        """The model's direct sublayers."""
        return self._layers

    def get_layer(self, name=None, index=None):
        """A sublayer by name or by index in :attr:`layers`."""
        if index is not None:
            layers = self.layers
            if not -len(layers) <= index < len(layers):
                raise ValueError(f'Model "{self.name}" has {len(layers)} layers; no index {index}.')
            return layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f'No layer named "{name}" in model "{self.name}". Layers: '
            f"{[layer.name for layer in self.layers]}."
        )

    def build(self, input_shape=None):
        """Creates the weights by running the model once on zeros of ``input_shape``
        (None sizes taken as 1); no variable changes value."""
        if input_shape is None:
            raise ValueError(f'Model "{self.name}".build() needs an input_shape.')
        def zeros(shape):
            return np.zeros(tuple(1 if d is None else d for d in shape), dtype="float32")
        if isinstance(input_shape, (list, tuple)) and input_shape and all(
                isinstance(s, (list, tuple)) for s in input_shape):
            data = [zeros(s) for s in input_shape]
        elif isinstance(input_shape, dict):
            data = {k: zeros(s) for k, s in input_shape.items()}
        else:
            data = zeros(input_shape)
        with StatelessScope():
            self(data, training=False)
        self.built = True

    # weights appear as the sublayers are first called, so the first call needs no build
    build._builds_by_calling = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints Keras's table of layers: name (type), output shape, parameter count (and
        "Connected to" for branching functional models); then the total, trainable,
        non-trainable and optimizer parameter counts. ``layer_range`` is not supported yet."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    # ------------------------------------------------------------------ files
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model as a ``.keras`` file (Keras 3's format): architecture, weights,
        compile settings and optimizer state. Same as ``kerasette.saving.save_model``.

        Args:
            filepath: a path ending in ``.keras``.
            overwrite: False raises FileExistsError when the file exists.
            zipped: only True (the default) is supported.

        Example:
            >>> model.save("model.keras")
            >>> restored = kerasette.models.load_model("model.keras")
        """
        from kerasette.saving import saving_api
        return saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped,
                                     **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        """Saves the weights (and the optimizer's state) to a ``.weights.h5`` file in
        Keras 3's layout. Same as ``kerasette.saving.save_weights``."""
        from kerasette.saving import saving_api
        return saving_api.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a ``.weights.h5`` or ``.keras`` file into this (built) model.

        All or nothing: every layer's variables are checked against the file first (their
        number, shapes and dtypes; a ValueError names the layer, the variable and both
        shapes), and nothing changes unless everything fits. With ``skip_mismatch=True``
        the objects that do not fit are skipped with a warning instead.
        """
        from kerasette.saving import saving_api
        return saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def _saveable_children(self):
        """As :meth:`Layer._saveable_children`, with the model's ``layers`` walked as an
        attribute (every sublayer, nested lists flattened), so that the layers of a subclassed
        model held in no attribute of their own are saved at ``layers/...``."""
        children = dict(super()._saveable_children())
        children["layers"] = self.layers
        return [(name, children[name]) for name in sorted(children, key=_private_last)]

    def build_from_config(self, config):
        """Builds the model for the input shape saved in a file's ``build_config`` (running
        :meth:`build`, so that the weights exist before they are loaded)."""
        shapes = config.get("input_shape") if isinstance(config, dict) else None
        if shapes is None or self.built:
            return
        from kerasette.layers.layer import _json_to_shapes
        self.build(_json_to_shapes(shapes))

    # ------------------------------------------------------------------ config
    def to_json(self, **kwargs):
        """The model's architecture (no weights) as a JSON string; see ``model_from_json``."""
        import json
        from kerasette.models.serialization import serialize
        return json.dumps(serialize(self), **kwargs)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            from kerasette.models.serialization import functional_from_config
            return functional_from_config(cls, config, custom_objects)
        return cls(**config)


def _functional_arguments(args, kwargs):
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _put_functional_in_bases(cls):
    """``cls`` with ``Model`` replaced by ``Functional`` in its bases and in those of its
    ``Model`` ancestors (what Keras 3 does when a subclass gets functional arguments): the
    class then runs the graph, lists its layers and saves a functional config, and keeps
    its own methods (a ``train_step``, ...). Classes already functional stay as they are."""
    from kerasette.models.functional import Functional
    if cls is Model:
        return Functional
    if not issubclass(cls, Model) or issubclass(cls, Functional):
        return cls
    cls.__bases__ = tuple(_put_functional_in_bases(base) for base in cls.__bases__)
    return cls
