"""Identity: a layer that returns its inputs unchanged."""

from kerasette.layers.layer import Layer


class Identity(Layer):
    """Returns its inputs (any structure of tensors) unchanged, masks included: a placeholder
    where an architecture may put a layer, or a named point in a functional model."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
