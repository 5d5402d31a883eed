"""Dropout: zeroes a random fraction of the inputs during training."""

from kerasette import ops
from kerasette.backends.seed import SeedGenerator
from kerasette.layers.layer import Layer


class Dropout(Layer):
    """Randomly sets a ``rate`` fraction of inputs to 0 while training and scales the rest by
    ``1 / (1 - rate)``, so the expected sum is unchanged; the identity at inference.

    Args:
        rate: the fraction to drop, in [0, 1).
        noise_shape: the shape of the binary mask, broadcast against the input (None entries
            take the input's size), e.g. ``(batch, 1, features)`` to drop whole features.
        seed: an int for reproducible masks.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(self, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed) if rate > 0 else None
        self.supports_masking = True

    def _noise_shape(self, inputs):
        """The shape of the mask for ``inputs`` (None: the inputs' own)."""
        return concrete_noise_shape(self.noise_shape, inputs)

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return ops.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs),
                               seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


def concrete_noise_shape(noise_shape, inputs):
    """``noise_shape`` with each None entry replaced by the size of that axis of ``inputs``
    (None stays None: the inputs' shape)."""
    if noise_shape is None:
        return None
    shape = ops.shape(inputs)
    return tuple(shape[i] if size is None else size for i, size in enumerate(noise_shape))


def check_rate(layer, rate):
    """``rate`` as a float if it lies in [0, 1), else ValueError naming ``layer``."""
    if not 0 <= rate < 1:
        raise ValueError(
            f'{type(layer).__name__} "{layer.name}": rate must be in [0, 1), got {rate}.'
        )
    return float(rate)
