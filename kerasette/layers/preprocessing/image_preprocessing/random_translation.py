"""RandomTranslation: each image shifted by a random offset while training."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseAffineLayer, factor_range, translation_transform)


class RandomTranslation(BaseAffineLayer):
    """Shifts each image by a random fraction of its height and width while training
    (positive: down and right); the identity at inference.

    Args:
        height_factor: f (shifts in [-f, f] of the height) or a pair (low, high), in [-1, 1].
        width_factor: the same for the width.
        fill_mode, interpolation, fill_value: see ``ops.image.affine_transform``.
        seed: an int for reproducible draws.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = factor_range(self, height_factor)
        self._width = factor_range(self, width_factor)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        batch, height, width = self._batch_and_size(data)
        down = ops.multiply(ops.uniform((batch,), minval=self._height[0],
                                        maxval=self._height[1], seed=seed), float(height))
        right = ops.multiply(ops.uniform((batch,), minval=self._width[0],
                                         maxval=self._width[1], seed=seed), float(width))
        return {"translations": ops.stack([right, down], axis=1),
                "transform": translation_transform(down, right)}

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
