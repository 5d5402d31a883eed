"""Image ops of the engine (``keras.ops.image``), written with other engine ops.

``resize`` and ``map_coordinates`` follow JAX's formulas (``jax.image.resize``,
``jax.scipy.ndimage.map_coordinates``, which Keras's jax backend calls) so that the numbers
agree with JAX's: a resize is one matrix per resized axis (the sampling kernel's weights,
computed from ``arange`` on constants, outside every tape) contracted with the images, and
``map_coordinates`` gathers the corners of each sample (``image.sample``, shared with
``affine_transform``). Both are composites: their gradients
are those of ``tensordot``/``take``/``where``, with no rule of their own. The ops written
once for every backend (colour spaces, crops, pads, blur, affine) come from
``backends/image.py``.
"""

import math

from ... import image
from ..registry import defcomposite

for _name, _op in image.SHARED_OPS.items():
    defcomposite(_name)(_op)


# ---------------------------------------------------------------------------- resize
def _triangle(F, x):
    return F.maximum(F.subtract(1.0, x), 0.0)


def _keys_cubic(F, x):
    # Keys' cubic convolution kernel, a = -0.5
    near = F.add(F.multiply(F.multiply(F.subtract(F.multiply(1.5, x), 2.5), x), x), 1.0)
    far = F.add(F.multiply(F.subtract(F.multiply(F.add(F.multiply(-0.5, x), 2.5), x), 4.0), x),
                2.0)
    return F.where(F.greater_equal(x, 2.0), 0.0, F.where(F.greater_equal(x, 1.0), far, near))


def _lanczos(radius):
    def kernel(F, x):
        y = F.multiply(F.multiply(radius, F.sin(F.multiply(math.pi, x))),
                       F.sin(F.multiply(math.pi / radius, x)))
        safe = F.where(F.equal(x, 0.0), 1.0, F.multiply(math.pi ** 2, F.square(x)))
        value = F.where(F.greater(x, 1e-3), F.divide(y, safe), 1.0)
        return F.where(F.greater(x, float(radius)), 0.0, value)
    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3),
            "lanczos5": _lanczos(5)}


def resize_weights(F, kernel, in_size, out_size, antialias):
    """The ``(in_size, out_size)`` matrix of one axis's resampling (JAX's
    ``compute_weight_mat`` with no translation): each column the kernel's weights at the
    input pixels around one output pixel's centre, normalized to sum to one; with
    ``antialias``, the kernel widened by the downscaling factor. Computed in float64."""
    inv_scale = in_size / out_size
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    samples = F.subtract(F.multiply(F.add(F.arange(out_size, dtype="float64"), 0.5), inv_scale),
                         0.5)
    pixels = F.reshape(F.arange(in_size, dtype="float64"), (in_size, 1))
    weights = kernel(F, F.divide(F.abs(F.subtract(samples, pixels)), kernel_scale))
    total = F.sum(weights, axis=0, keepdims=True)
    usable = F.greater(F.abs(total), 1000.0 * 2.0 ** -23)
    return F.where(usable, F.divide(weights, F.where(usable, total, 1.0)), 0.0)


@defcomposite("resize")
def resize(F, images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
           fill_value=0.0, data_format=None):
    """Images resized to ``size`` = (height, width) (see the contract)."""
    images = F.convert_to_tensor(images)
    data_format, axes, box = image.resize_arguments(
        F.shape(images), size, interpolation, fill_mode, crop_to_aspect_ratio,
        pad_to_aspect_ratio, data_format)
    images = image.apply_box(F, images, axes, box, fill_value)
    if interpolation == "nearest":
        for axis, out_size in zip(axes, size):
            in_size = F.shape(images)[axis]
            if in_size != out_size:
                # JAX's rule, in float32 as JAX computes it: floor((i + 0.5) * in / out)
                centres = F.multiply(F.add(F.arange(out_size, dtype="float32"), 0.5),
                                     in_size / out_size)
                images = F.take(images, F.cast(F.floor(centres), "int32"), axis=axis)
        return images
    dtype = F.dtype(images)
    if not dtype.startswith(("float", "bfloat")):
        dtype = "float32"  # as JAX, integer images resize to float
        images = F.cast(images, dtype)
    for axis, out_size in zip(axes, size):
        in_size = F.shape(images)[axis]
        if in_size != out_size:
            weights = F.cast(resize_weights(F, _KERNELS[interpolation], in_size, out_size,
                                            antialias), dtype)
            images = F.moveaxis(F.tensordot(images, weights, axes=([axis], [0])), -1, axis)
    return images


# ---------------------------------------------------------------------------- map_coordinates
@defcomposite("map_coordinates")
def map_coordinates(F, inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    """``inputs`` sampled at ``coordinates`` (see the contract)."""
    inputs = F.convert_to_tensor(inputs)
    coordinates = F.convert_to_tensor(coordinates)
    image.check_map_coordinates(F.shape(inputs), F.shape(coordinates), order, fill_mode)
    dtype = F.dtype(inputs)
    return image.sample(F, inputs, [F.cast(c, dtype) for c in F.unstack(coordinates, axis=0)],
                        order, fill_mode, fill_value)
