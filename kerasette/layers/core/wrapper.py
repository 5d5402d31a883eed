"""Wrapper: the base of layers that wrap another layer (Keras 3 ``keras.layers.Wrapper``)."""

from kerasette.layers.layer import Layer
from kerasette.serialization.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)


class Wrapper(Layer):
    """A layer holding another layer, ``self.layer``, whose weights become its own; the
    config holds the wrapped layer's serialized config under ``"layer"``, as in Keras 3
    (so the wrapped layer's weights lie under ``layer/`` in a weights file).

    Args:
        layer: the layer to wrap.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__} wraps a layer, got {layer!r} ({type(layer).__name__})."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
