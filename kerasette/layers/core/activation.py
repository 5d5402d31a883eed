"""Activation: applies an activation function."""

from kerasette import activations
from kerasette.layers.layer import Layer


class Activation(Layer):
    """Applies ``activation`` (a name such as "relu", or a function) to its input.

    Example:
        >>> kerasette.layers.Activation("relu")(np.array([-1.0, 2.0]))
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
