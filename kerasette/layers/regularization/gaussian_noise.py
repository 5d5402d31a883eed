"""GaussianNoise: zero-mean normal noise added to the inputs while training."""

from kerasette import ops
from kerasette.backends.seed import SeedGenerator
from kerasette.layers.layer import Layer


class GaussianNoise(Layer):
    """Adds ``normal(0, stddev)`` noise to the inputs while training (a regularizer, and a
    form of data augmentation for real-valued inputs); the identity at inference.

    Args:
        stddev: the standard deviation of the noise, in [0, 1] (Keras's range).
        seed: an int for reproducible noise.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(
                f'GaussianNoise "{self.name}": stddev must be in [0, 1], got {stddev}.'
            )
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = SeedGenerator(seed) if stddev > 0 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = ops.normal(ops.shape(inputs), mean=0.0, stddev=self.stddev,
                               dtype=ops.dtype(inputs), seed=self.seed_generator)
            return ops.add(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
