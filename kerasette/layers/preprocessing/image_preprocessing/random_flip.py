"""RandomFlip: each image flipped left-right and/or upside down with probability 1/2."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer)

HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL = "horizontal", "vertical", "horizontal_and_vertical"


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image while training, with probability 1/2 (one draw per image, used for
    both axes with ``"horizontal_and_vertical"``, as in Keras); the identity at inference.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
        seed: an int for reproducible flips.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(f'RandomFlip "{self.name}": mode must be "horizontal", "vertical" '
                             f'or "horizontal_and_vertical", got {mode!r}.')
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        draws = ops.uniform(self._per_image_shape(data), seed=seed)
        return {"flips": ops.less_equal(draws, 0.5)}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        flips = transformation["flips"]
        height_axis, width_axis = self._spatial_axes(images)
        if self.mode != VERTICAL:
            images = ops.where(flips, ops.flip(images, axis=width_axis), images)
        if self.mode != HORIZONTAL:
            images = ops.where(flips, ops.flip(images, axis=height_axis), images)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
