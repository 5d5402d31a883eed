"""RandomInvert: each image's values reflected in the value range, with a probability."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer, factor_range)


class RandomInvert(BaseImagePreprocessingLayer):
    """Replaces each image by ``value_range[1] - image`` while training, with a probability
    itself drawn uniformly from the factor's range (Keras 3's rule); the identity at
    inference.

    Args:
        factor: f in [0, 1] (probabilities in [0, f]) or a pair (low, high) in [0, 1].
        value_range: the images' (min, max), default (0, 255).
        seed: an int for reproducible draws.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.factor = factor_range(self, factor, (0.0, 1.0))
        self.value_range = tuple(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        shape = self._per_image_shape(data)
        probability = ops.uniform(shape, minval=self.factor[0], maxval=self.factor[1],
                                  seed=seed)
        return {"apply_inversion": ops.less(ops.uniform(shape, seed=seed), probability)}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        inversion = transformation["apply_inversion"]
        if len(ops.shape(inversion)) == 1:  # Keras's draw: one flag per image
            inversion = ops.reshape(inversion, self._per_image_shape(images))
        return ops.where(inversion, ops.subtract(float(self.value_range[1]), images), images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
