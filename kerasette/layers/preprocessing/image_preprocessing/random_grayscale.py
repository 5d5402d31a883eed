"""RandomGrayscale: each image turned to grey (channels kept) with a probability."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer)


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Replaces each image, with probability ``factor``, by its luma
    (``ops.image.rgb_to_grayscale``) in every channel, while training; the identity at
    inference.

    Args:
        factor: the probability, in [0, 1] (default 0.5).
        data_format: "channels_last" (default) or "channels_first".
        seed: an int for reproducible draws.
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        if not 0 <= factor <= 1:
            raise ValueError(f'RandomGrayscale "{self.name}": factor must be a probability in '
                             f'[0, 1], got {factor!r}.')
        self.factor = factor

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        draws = ops.uniform(self._per_image_shape(data),
                            seed=self.generator if seed is None else seed)
        return {"grayscale": ops.less(draws, self.factor)}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        gray = ops.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(transformation["grayscale"], gray, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor})  # Keras 3 saves no seed here
        return config
