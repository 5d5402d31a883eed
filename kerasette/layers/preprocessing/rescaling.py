"""Rescaling: ``inputs * scale + offset``."""

from kerasette import ops
from kerasette.layers.layer import Layer


class Rescaling(Layer):
    """Multiplies by ``scale`` and adds ``offset``, e.g. ``Rescaling(1 / 255)`` for pixels.

    Args:
        scale: a float (or a sequence broadcast against the last axis).
        offset: a float (or sequence) added after scaling.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        scale = ops.cast(ops.convert_to_tensor(self.scale), self.compute_dtype)
        offset = ops.cast(ops.convert_to_tensor(self.offset), self.compute_dtype)
        return ops.add(ops.multiply(inputs, scale), offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config
