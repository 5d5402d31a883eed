"""GaussianDropout: the inputs multiplied by normal noise of mean 1 while training."""

import math

from kerasette import ops
from kerasette.backends.seed import SeedGenerator
from kerasette.layers.core.dropout import check_rate
from kerasette.layers.layer import Layer


class GaussianDropout(Layer):
    """Multiplies the inputs by ``normal(1, sqrt(rate / (1 - rate)))`` noise while training:
    the variance of dropout at ``rate``, without zeros; the identity at inference.

    Args:
        rate: the drop probability the noise mimics, in [0, 1).
        seed: an int for reproducible noise.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(self, rate)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = ops.normal(ops.shape(inputs), mean=1.0, stddev=stddev,
                               dtype=ops.dtype(inputs), seed=self.seed_generator)
            return ops.multiply(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
