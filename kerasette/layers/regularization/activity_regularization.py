"""ActivityRegularization: an L1/L2 penalty on the activations that pass through it."""

from kerasette.layers.layer import Layer
from kerasette.regularizers import L1L2


class ActivityRegularization(Layer):
    """Returns its inputs unchanged and adds ``l1 * sum(|x|) + l2 * sum(x ** 2)`` of them to
    the layer's losses (and so to the training loss).

    Args:
        l1: the L1 factor (default 0).
        l2: the L2 factor (default 0).
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)  # l1 and l2 say it
        config.update({"l1": self.l1, "l2": self.l2})
        return config
