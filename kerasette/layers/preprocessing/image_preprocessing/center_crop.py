"""CenterCrop: the centred (height, width) window of images."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer)


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the centred ``(height, width)`` window (training and inference alike). An
    image smaller than that is resized instead (bilinear, cropped to the target's aspect
    ratio first), as in Keras.

    Args:
        height, width: the output size.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.compute_dtype)
        height_axis, width_axis = self._spatial_axes(images)
        shape = ops.shape(images)
        top = (shape[height_axis] - self.height) // 2
        left = (shape[width_axis] - self.width) // 2
        if top >= 0 and left >= 0:
            key = [slice(None)] * len(shape)
            key[height_axis] = slice(top, top + self.height)
            key[width_axis] = slice(left, left + self.width)
            return images[tuple(key)]
        return ops.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                          data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return self._with_size(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
