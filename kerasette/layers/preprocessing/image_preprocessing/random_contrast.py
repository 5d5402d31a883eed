"""RandomContrast: each image's contrast scaled by a random factor while training."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer, factor_range)


class RandomContrast(BaseImagePreprocessingLayer):
    """Scales each image's deviation from its per-channel mean by a factor uniform in
    ``[1 - lower, 1 + upper]`` while training, then clips to ``value_range``; the identity
    at inference.

    Args:
        factor: a pair (lower, upper) in [0, 1], or f in [0, 1]: (0, f) as in Keras 3 (so the
            factors lie in [1, 1 + f]).
        value_range: the images' (min, max), default (0, 255).
        seed: an int for reproducible draws.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        # Keras 3's rule: a number f gives (0, f), so the factors lie in [1, 1 + f]
        self.factor = factor_range(self, factor, (0.0, 1.0))
        self.value_range = tuple(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        factor = ops.uniform(self._per_image_shape(data), minval=1.0 - self.factor[0],
                             maxval=1.0 + self.factor[1], seed=seed, dtype=self.compute_dtype)
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        height_axis, width_axis = self._spatial_axes(images)
        mean = ops.mean(images, axis=(height_axis, width_axis), keepdims=True)
        factor = transformation["contrast_factor"]
        images = ops.add(ops.multiply(ops.subtract(images, mean), factor), mean)
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
