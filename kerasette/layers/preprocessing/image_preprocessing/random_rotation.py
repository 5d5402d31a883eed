"""RandomRotation: each image rotated by a random angle while training."""

import math

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseAffineLayer, factor_range, rotation_transform)


class RandomRotation(BaseAffineLayer):
    """Rotates each image about its centre by an angle uniform in ``factor * 2 pi`` while
    training; the identity at inference.

    Args:
        factor: f (angles in [-f, f] turns) or a pair (low, high) of fractions of a turn.
        fill_mode, interpolation, fill_value: see ``ops.image.affine_transform``.
        seed: an int for reproducible draws.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = factor_range(self, factor)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch, height, width = self._batch_and_size(data)
        turns = ops.uniform((batch,), minval=self.factor[0], maxval=self.factor[1],
                            seed=self.generator if seed is None else seed)
        angle = ops.multiply(turns, 2 * math.pi)
        return {"angle": angle, "transform": rotation_transform(angle, height, width)}

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor})
        return config
