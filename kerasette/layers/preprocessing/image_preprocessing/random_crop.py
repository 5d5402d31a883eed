"""RandomCrop: a random (height, width) window of the images while training."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer)


class RandomCrop(BaseImagePreprocessingLayer):
    """Crops a random ``(height, width)`` window while training, one offset for the whole
    batch (as Keras); images not larger than that on both axes are cut to the target's
    aspect ratio (centred) and resized instead. At inference the images pass unchanged,
    as in Keras 3.

    Args:
        height, width: the output size.
        seed: an int for reproducible draws.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.height, self.width = int(height), int(width)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        shape = ops.shape(data)
        height_axis, width_axis = self._spatial_axes(data)
        in_height, in_width = shape[height_axis], shape[width_axis]
        if in_height > self.height and in_width > self.width:
            # a tensor offset (no host read): the crop is a gather of rows and columns
            top = ops.cast(ops.uniform((), 0.0, float(in_height - self.height + 1), seed=seed),
                           "int32")
            left = ops.cast(ops.uniform((), 0.0, float(in_width - self.width + 1), seed=seed),
                            "int32")
            return {"top": top, "left": left}
        return {"resize": True}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        height_axis, width_axis = self._spatial_axes(images)
        if "resize" in transformation:
            return ops.resize(images, (self.height, self.width), crop_to_aspect_ratio=True,
                              data_format=self.data_format)
        rows = ops.add(transformation["top"], ops.arange(self.height))
        columns = ops.add(transformation["left"], ops.arange(self.width))
        return ops.take(ops.take(images, rows, axis=height_axis), columns, axis=width_axis)

    def compute_output_shape(self, input_shape):
        return self._with_size(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config
