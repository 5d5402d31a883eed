"""BaseImagePreprocessingLayer: the shape of every image preprocessing layer, as in Keras 3.

A layer draws a *transformation* (``get_random_transformation``: a dict of tensors, or None
at inference) and applies it (``transform_images``). The two halves are public, as in Keras,
so the same transformation can be applied to several batches, or a chosen one tested.
"""

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.backends.image import channels_axis, check_rank, spatial_axes
from kerasette.backends.seed import SeedGenerator
from kerasette.layers.layer import Layer


class BaseImagePreprocessingLayer(Layer):
    """Images in, images out: ``call`` draws a transformation, then applies it.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        seed: an int for reproducible random transformations (random layers).
    """

    def __init__(self, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self.supports_masking = False

    def get_random_transformation(self, data, training=True, seed=None):
        """The transformation ``call`` applies to ``data`` (None: the identity)."""
        return None

    def transform_images(self, images, transformation, training=True):
        """``images`` with ``transformation`` applied."""
        raise NotImplementedError

    def call(self, inputs, training=True):
        check_rank(f'{type(self).__name__} "{self.name}"', ops.shape(inputs))
        transformation = self.get_random_transformation(inputs, training=training)
        return self.transform_images(inputs, transformation, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    # ------------------------------------------------------------------ helpers
    def _spatial_axes(self, images):
        return spatial_axes(len(ops.shape(images)), self.data_format)

    def _channels_axis(self, images):
        return channels_axis(len(ops.shape(images)), self.data_format)

    def _per_image_shape(self, images):
        """(batch, 1, 1, 1) for a batch, (1, 1, 1) for one image: one draw per image."""
        shape = ops.shape(images)
        return (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)

    def _with_size(self, input_shape, height, width):
        """``input_shape`` with its spatial sizes replaced."""
        shape = list(input_shape)
        height_axis, width_axis = spatial_axes(len(shape), self.data_format)
        shape[height_axis], shape[width_axis] = height, width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config


class BaseAffineLayer(BaseImagePreprocessingLayer):
    """An augmentation that warps images by a random affine transform per image
    (``ops.image.affine_transform``); ``transform_images`` takes ``{"transform": (batch, 8)}``.

    Args:
        fill_mode: "reflect" (default), "constant", "nearest", "wrap" or "mirror".
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value outside the image for ``fill_mode="constant"``.
    """

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _batch_and_size(self, images):
        """(number of transforms to draw, height, width)."""
        shape = ops.shape(images)
        height_axis, width_axis = spatial_axes(len(shape), self.data_format)
        return (1 if len(shape) == 3 else shape[0]), shape[height_axis], shape[width_axis]

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        transform = transformation["transform"]
        if len(ops.shape(images)) == 3:
            transform = transform[0]
        return ops.affine_transform(images, transform, interpolation=self.interpolation,
                                    fill_mode=self.fill_mode, fill_value=self.fill_value,
                                    data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config


def affine_rows(columns):
    """``(batch, 8)`` transforms from the six affine entries, each ``(batch,)``."""
    batch = ops.shape(columns[0])[0]
    return ops.concatenate([ops.stack(columns, axis=1), ops.zeros((batch, 2))], axis=1)


def rotation_transform(angle, height, width):
    """Transforms rotating (batch,) ``angle`` radians about the image centre (Keras's
    ``_compute_affine_matrix`` without scale, shear or translation)."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    cos, sin = ops.cos(angle), ops.sin(angle)
    return affine_rows([cos, ops.negative(sin), cx - cx * cos + cy * sin,
                        sin, cos, cy - cx * sin - cy * cos])


def zoom_transform(height_zoom, width_zoom, height, width):
    """Transforms sampling at (batch,) ``height_zoom``/``width_zoom`` times the pixel
    spacing about the image centre: x -> zx (x - cx) + cx."""
    zeros = ops.zeros_like(height_zoom)
    return affine_rows([
        width_zoom, zeros, ops.multiply((width - 1) / 2, ops.subtract(1.0, width_zoom)),
        zeros, height_zoom, ops.multiply((height - 1) / 2, ops.subtract(1.0, height_zoom))])


def translation_transform(down, right):
    """Transforms shifting images by (batch,) ``down`` and ``right`` pixels."""
    ones, zeros = ops.ones_like(down), ops.zeros_like(down)
    return affine_rows([ones, zeros, ops.negative(right), zeros, ones, ops.negative(down)])


def factor_range(layer, factor, bounds=(-1.0, 1.0)):
    """``factor`` as ``(lower, upper)``, Keras's rule: a number f gives
    ``(max(-|f|, bounds[0]), |f|)``, a pair is sorted; both must lie within ``bounds``."""
    if isinstance(factor, (int, float)):
        lower, upper = max(-abs(factor), bounds[0]), abs(factor)
        values = (factor,)
    elif isinstance(factor, (tuple, list)) and len(factor) == 2:
        lower, upper = sorted(factor)
        values = (lower, upper)
    else:
        values = (None,)
    if any(v is None or not bounds[0] <= v <= bounds[1] for v in values):
        raise ValueError(f'{type(layer).__name__} "{layer.name}": factor must be a number or a '
                         f'pair of numbers in [{bounds[0]}, {bounds[1]}], got {factor!r}.')
    return float(lower), float(upper)
