"""RandomZoom: each image zoomed in or out by a random factor while training."""

from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseAffineLayer, factor_range, zoom_transform)


class RandomZoom(BaseAffineLayer):
    """Zooms each image about its centre while training: the image is sampled at
    ``1 + delta`` times its pixel spacing, ``delta`` uniform in the factor's range (negative:
    zoom in); the identity at inference.

    Args:
        height_factor: f (deltas in [-f, f]) or a pair (low, high), low > -1.
        width_factor: the same for the width; None (default) zooms both axes alike.
        fill_mode, interpolation, fill_value: see ``ops.image.affine_transform``.
        seed: an int for reproducible draws.
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = factor_range(self, height_factor)
        self._width = None if width_factor is None else factor_range(
            self, width_factor)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        batch, height, width = self._batch_and_size(data)
        height_zoom = ops.uniform((batch,), minval=1.0 + self._height[0],
                                  maxval=1.0 + self._height[1], seed=seed)
        width_zoom = height_zoom if self._width is None else ops.uniform(
            (batch,), minval=1.0 + self._width[0], maxval=1.0 + self._width[1], seed=seed)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom,
                "transform": zoom_transform(height_zoom, width_zoom, height, width)}

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
