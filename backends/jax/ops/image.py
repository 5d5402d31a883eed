"""Image ops (``keras.ops.image``): ``resize`` and ``map_coordinates`` as Keras 3's jax
backend computes them (``jax.image.resize``, ``jax.scipy.ndimage.map_coordinates``). The
ops written once against the contract (``backends/image.py``: colour spaces, crops, pads,
blur, affine) are bound on the backend class itself, which they need as ``B``."""

import jax
import jax.numpy as jnp

from ... import image
from ..convert import tensor
from ..dispatch import op

__all__ = ["resize", "map_coordinates"]


@op("images")
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    images = tensor(images)
    data_format, axes, box = image.resize_arguments(
        images.shape, size, interpolation, fill_mode, crop_to_aspect_ratio,
        pad_to_aspect_ratio, data_format)
    images = image.apply_box(_JNP, images, axes, box, fill_value)
    shape = list(images.shape)
    for axis, out_size in zip(axes, size):
        shape[axis] = int(out_size)
    return jax.image.resize(images, tuple(shape), method=interpolation, antialias=antialias)


@op("inputs", "coordinates")
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    inputs, coordinates = tensor(inputs), tensor(coordinates)
    image.check_map_coordinates(inputs.shape, coordinates.shape, order, fill_mode)
    return jax.scipy.ndimage.map_coordinates(inputs, tuple(coordinates), order, fill_mode,
                                             fill_value)


class _JNP:
    """The three contract ops ``image.apply_box`` calls, on raw jax arrays."""

    shape = staticmethod(jnp.shape)

    @staticmethod
    def get_item(x, key):
        return x[key]

    @staticmethod
    def pad(x, pad_width, constant_values=0.0):
        return jnp.pad(x, pad_width, constant_values=constant_values)
