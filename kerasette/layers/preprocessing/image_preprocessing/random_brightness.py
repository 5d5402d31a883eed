"""RandomBrightness: a random offset added to each image while training."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer, factor_range)


class RandomBrightness(BaseImagePreprocessingLayer):
    """Adds ``delta * (high - low)`` of the value range to each image while training, with
    ``delta`` uniform in the factor's range, then clips to ``value_range``; the identity at
    inference.

    Args:
        factor: f in [0, 1] (deltas in [-f, f]) or a pair (low, high) within [-1, 1].
        value_range: the images' (min, max), default (0, 255).
        seed: an int for reproducible draws.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor_range(self, factor)
        self.value_range = tuple(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        low, high = self.value_range
        delta = ops.uniform(self._per_image_shape(data), minval=self.factor[0],
                            maxval=self.factor[1], seed=self.generator if seed is None else seed)
        return {"rgb_delta": ops.multiply(delta, float(high - low))}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        images = ops.add(images, ops.cast(transformation["rgb_delta"], ops.dtype(images)))
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
