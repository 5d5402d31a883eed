"""AlphaDropout: dropout that keeps the mean and variance of self-normalizing (SELU)
activations."""

from kerasette import ops
from kerasette.layers.core.dropout import Dropout

# SELU's constants: a dropped unit is set to SELU's negative saturation value
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Dropout):
    """While training, sets a ``rate`` fraction of the inputs to SELU's negative saturation
    value ``-alpha * scale`` and applies the affine map ``a * x + b`` that brings the mean and
    variance back to those of the inputs (for zero-mean, unit-variance inputs); the identity
    at inference. Pairs with ``selu`` activations and ``lecun_normal`` initialization.
    Arguments and config as :class:`~kerasette.layers.Dropout`'s:

    Args:
        rate: the fraction to drop, in [0, 1).
        noise_shape: the shape of the mask, broadcast against the input (None entries take
            the input's size).
        seed: an int for reproducible masks.
    """

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        noise_shape = self._noise_shape(inputs) or ops.shape(inputs)
        dropped_value = -_SELU_ALPHA * _SELU_SCALE
        kept = ops.greater_equal(ops.uniform(noise_shape, seed=self.seed_generator), self.rate)
        kept = ops.cast(kept, ops.dtype(inputs))
        # a and b restore mean 0 and variance 1 after a `rate` fraction is set to dropped_value
        a = ((1 - self.rate) * (1 + self.rate * dropped_value ** 2)) ** -0.5
        b = -a * dropped_value * self.rate
        x = ops.add(ops.multiply(inputs, kept),
                    ops.multiply(ops.subtract(1.0, kept), dropped_value))
        return ops.add(ops.multiply(x, a), b)
