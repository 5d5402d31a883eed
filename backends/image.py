"""Image ops shared by every backend (``keras.ops.image``).

Two kinds of code live here, both without an array library:

- argument checks and box arithmetic (plain Python on shapes), so every backend refuses the
  same arguments with the same errors and crops/pads the same pixels;
- ops written once against the contract, ``f(B, ...)`` with ``B`` a backend (the engine
  ``F`` or the jax backend): colour spaces, crops and pads, the Gaussian blur, the affine
  transform and the sampling under it (``sample``, JAX's ``map_coordinates`` formulas).
  Their gradients are the gradients of the contract ops they call, already cross-checked
  against JAX.

``resize`` and ``map_coordinates`` are JAX's own on jax (``jax.image.resize``,
``jax.scipy.ndimage.map_coordinates``, as Keras calls them) and the engine's composites in
``autodiff/rules/image.py`` (the same formulas; ``map_coordinates`` is ``sample``) on numpy
and cupy.
"""

import itertools
import math

from . import config

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
AFFINE_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}  # -> the order of map_coordinates
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
#: the luma weights of ``rgb_to_grayscale`` (ITU-R BT.601, as tf.image and Keras)
GRAYSCALE_WEIGHTS = (0.2989, 0.5870, 0.1140)


def check_rank(op, shape):
    """Refuses images that are not one image (rank 3) or a batch (rank 4)."""
    if len(shape) not in (3, 4):
        raise ValueError(f"{op}: expected images of rank 3 (one image) or 4 (a batch), got "
                         f"shape {tuple(shape)}.")


def spatial_axes(ndim, data_format):
    """The (height, width) axes of rank-``ndim`` images."""
    return (ndim - 3, ndim - 2) if data_format == "channels_last" else (ndim - 2, ndim - 1)


def channels_axis(ndim, data_format):
    """The channels axis of rank-``ndim`` images."""
    return ndim - 1 if data_format == "channels_last" else ndim - 3


def resize_arguments(shape, size, interpolation, fill_mode, crop_to_aspect_ratio,
                     pad_to_aspect_ratio, data_format):
    """``resize``'s arguments checked: ``(data_format, (height axis, width axis), box)`` where
    ``box`` is None or ``("crop" | "pad", top, left, height, width)``: the centred window
    to cut (or the canvas to paste the image on) before resizing to the target's aspect."""
    data_format = config.standardize_data_format(data_format)
    check_rank("resize", shape)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"resize: interpolation must be one of {RESIZE_INTERPOLATIONS}, got "
                         f"{interpolation!r} ('area' is TensorFlow-only in Keras).")
    if fill_mode != "constant":
        raise ValueError(f"resize: only fill_mode='constant' is supported, got {fill_mode!r}.")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: pass crop_to_aspect_ratio or pad_to_aspect_ratio, not both.")
    if len(size) != 2:
        raise ValueError(f"resize: size must be (height, width), got {size!r}.")
    axes = spatial_axes(len(shape), data_format)
    height, width = (shape[a] for a in axes)
    target_height, target_width = size
    box = None
    if crop_to_aspect_ratio:
        crop_height = max(min(height, int(width * target_height / target_width)), 1)
        crop_width = max(min(width, int(height * target_width / target_height)), 1)
        box = ("crop", (height - crop_height) // 2, (width - crop_width) // 2, crop_height,
               crop_width)
    elif pad_to_aspect_ratio:
        pad_height = max(height, int(width * target_height / target_width))
        pad_width = max(width, int(height * target_width / target_height))
        box = ("pad", (pad_height - height) // 2, (pad_width - width) // 2, pad_height,
               pad_width)
    return data_format, axes, box


def apply_box(B, images, axes, box, fill_value):
    """``images`` cut to (or pasted centred on a ``fill_value`` canvas of) the box of
    :func:`resize_arguments`."""
    if box is None:
        return images
    kind, top, left, height, width = box
    shape = B.shape(images)
    if kind == "crop":
        key = [slice(None)] * len(shape)
        key[axes[0]] = slice(top, top + height)
        key[axes[1]] = slice(left, left + width)
        return B.get_item(images, tuple(key))
    # Keras pads one side only: the height when the image is too wide, else the width
    # (both margins ``top``, so an odd difference loses a row, as in Keras)
    pad = [(0, 0)] * len(shape)
    if top > 0:
        pad[axes[0]] = (top, top)
    elif left > 0:
        pad[axes[1]] = (left, left)
    return B.pad(images, pad, constant_values=fill_value)


def check_map_coordinates(shape, coordinates_shape, order, fill_mode):
    """Refuses ``map_coordinates`` arguments JAX does not support (as Keras words them)."""
    if len(coordinates_shape) < 2 or coordinates_shape[0] != len(shape):
        raise ValueError(f"map_coordinates: coordinates need shape (rank of inputs, ...) with "
                         f"at least 2 dimensions; got inputs of shape {tuple(shape)} and "
                         f"coordinates of shape {tuple(coordinates_shape)}.")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"map_coordinates: fill_mode must be one of {FILL_MODES}, got "
                         f"{fill_mode!r}.")
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: order must be 0 (nearest) or 1 (linear), got "
                         f"{order!r}.")


# ---------------------------------------------------------------------------- colour spaces
def _planes(B, images, op, data_format, float_only):
    data_format = config.standardize_data_format(data_format)
    images = B.convert_to_tensor(images)
    check_rank(op, B.shape(images))
    if float_only and not B.dtype(images).startswith(("float", "bfloat")):
        raise ValueError(f"{op}: expected float images, got dtype {B.dtype(images)}.")
    axis = channels_axis(B.ndim(images), data_format)
    return images, axis


def rgb_to_grayscale(B, images, data_format=None):
    """Luma of RGB images (weights 0.2989, 0.5870, 0.1140), one channel kept; one-channel
    images come back unchanged."""
    images, axis = _planes(B, images, "rgb_to_grayscale", data_format, False)
    channels = B.shape(images)[axis]
    if channels not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: expected 3 (RGB) or 1 channel, got shape "
                         f"{B.shape(images)}.")
    if channels == 1:
        return images
    dtype = B.dtype(images)
    compute = dtype if dtype.startswith(("float", "bfloat")) else config.floatx()
    weights = B.convert_to_tensor(GRAYSCALE_WEIGHTS, dtype=compute)
    gray = B.tensordot(B.cast(images, compute), weights, axes=([axis], [0]))
    return B.cast(B.expand_dims(gray, axis), dtype)


def rgb_to_hsv(B, images, data_format=None):
    """RGB to HSV, every plane in [0, 1] (the formulas of dm_pix, as Keras)."""
    images, axis = _planes(B, images, "rgb_to_hsv", data_format, True)
    eps = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23}.get(
        B.dtype(images), 2.0 ** -52)
    images = B.where(B.less(B.abs(images), eps), 0.0, images)
    red, green, blue = B.unstack(images, axis=axis)
    value = B.maximum(B.maximum(red, green), blue)
    spread = B.subtract(value, B.minimum(B.minimum(red, green), blue))
    positive_value, positive_spread = B.greater(value, 0.0), B.greater(spread, 0.0)
    saturation = B.where(positive_value,
                         B.divide(spread, B.where(positive_value, value, 1.0)), 0.0)
    norm = B.divide(1.0, B.multiply(6.0, B.where(positive_spread, spread, 1.0)))
    hue = B.where(B.equal(value, green),
                  B.add(B.multiply(norm, B.subtract(blue, red)), 2.0 / 6.0),
                  B.add(B.multiply(norm, B.subtract(red, green)), 4.0 / 6.0))
    hue = B.where(B.equal(value, red), B.multiply(norm, B.subtract(green, blue)), hue)
    hue = B.add(B.where(positive_spread, hue, 0.0), B.cast(B.less(hue, 0.0), B.dtype(hue)))
    return B.stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(B, images, data_format=None):
    """HSV (planes in [0, 1]) to RGB, the inverse of :func:`rgb_to_hsv`."""
    images, axis = _planes(B, images, "hsv_to_rgb", data_format, True)
    hue, saturation, value = B.unstack(images, axis=axis)
    sixth = B.multiply(B.mod(hue, 1.0), 6.0)
    # each primary is a clipped ramp of the distance to its place on the hue circle
    red = B.clip(B.subtract(B.abs(B.subtract(sixth, 3.0)), 1.0), 0.0, 1.0)
    green = B.clip(B.subtract(2.0, B.abs(B.subtract(sixth, 2.0))), 0.0, 1.0)
    blue = B.clip(B.subtract(2.0, B.abs(B.subtract(sixth, 4.0))), 0.0, 1.0)
    grey = B.subtract(1.0, saturation)
    planes = [B.multiply(value, B.add(grey, B.multiply(saturation, p)))
              for p in (red, green, blue)]
    return B.stack(planes, axis=axis)


# ---------------------------------------------------------------------------- crops and pads
def _margins(op, what, first, second, size, target, height_or_width):
    """The two margins of one axis, inferring the one not given from ``target``."""
    given = sum(v is not None for v in (first, second, target))
    if given != 2:
        raise ValueError(f"{op}: give exactly two of the {height_or_width} arguments (the "
                         f"two {what}s and the target size), got {first=}, {second=}, "
                         f"{target=}.")
    if first is None:
        first = (target - second - size) if what == "padding" else (size - second - target)
    if second is None:
        second = (target - first - size) if what == "padding" else (size - first - target)
    if first < 0 or second < 0:
        raise ValueError(f"{op}: the {height_or_width} {what}s must be >= 0, got "
                         f"({first}, {second}) for size {size} and target {target}.")
    return int(first), int(second)


def _images_and_axes(B, images, op, data_format):
    """``images`` as a tensor, their shape and their (height, width) axes, rank checked."""
    images = B.convert_to_tensor(images)
    shape = B.shape(images)
    check_rank(op, shape)
    return images, shape, spatial_axes(len(shape), config.standardize_data_format(data_format))


def pad_images(B, images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pads images; per axis give two of (the two paddings, the target size)."""
    images, shape, axes = _images_and_axes(B, images, "pad_images", data_format)
    pad = [(0, 0)] * len(shape)
    pad[axes[0]] = _margins("pad_images", "padding", top_padding, bottom_padding,
                            shape[axes[0]], target_height, "height")
    pad[axes[1]] = _margins("pad_images", "padding", left_padding, right_padding,
                            shape[axes[1]], target_width, "width")
    return B.pad(images, pad)


def crop_images(B, images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crops images; per axis give two of (the two croppings, the target size)."""
    images, shape, axes = _images_and_axes(B, images, "crop_images", data_format)
    key = [slice(None)] * len(shape)
    for axis, first, second, target, name in (
            (axes[0], top_cropping, bottom_cropping, target_height, "height"),
            (axes[1], left_cropping, right_cropping, target_width, "width")):
        first, second = _margins("crop_images", "cropping", first, second, shape[axis],
                                 target, name)
        if first + second >= shape[axis]:
            raise ValueError(f"crop_images: cropping {first} + {second} leaves nothing of "
                             f"the {name} {shape[axis]}.")
        key[axis] = slice(first, shape[axis] - second)
    return B.get_item(images, tuple(key))


# ---------------------------------------------------------------------------- filters
def gaussian_kernel_1d(size, sigma):
    """The normalized 1-D Gaussian window of ``size`` taps (plain floats)."""
    centre = (size - 1) / 2
    taps = [math.exp(-0.5 * ((i - centre) / sigma) ** 2) for i in range(size)]
    total = sum(taps)
    return [t / total for t in taps]


def gaussian_blur(B, images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blurs each channel with a separable Gaussian (``kernel_size`` and ``sigma`` per
    (height, width)... as Keras: the first entries apply along the width), zero-padded
    ("same" size)."""
    data_format = config.standardize_data_format(data_format)
    images = B.convert_to_tensor(images)
    shape = B.shape(images)
    check_rank("gaussian_blur", shape)
    single = len(shape) == 3
    if single:
        images = B.expand_dims(images, 0)
    channels = B.shape(images)[channels_axis(4, data_format)]
    dtype = B.dtype(images)
    kernel_size = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    sigma = (sigma,) * 2 if isinstance(sigma, (int, float)) else tuple(sigma)
    # Keras's 2-D kernel is outer(window(size[1], sigma[1]), window(size[0], sigma[0])):
    # rows (height) use the second entries, columns (width) the first
    rows = gaussian_kernel_1d(kernel_size[1], float(sigma[1]))
    columns = gaussian_kernel_1d(kernel_size[0], float(sigma[0]))
    kernel = [[r * c for c in columns] for r in rows]
    kernel = B.convert_to_tensor(kernel, dtype=dtype)
    # one depthwise filter per channel: (kh, kw, 1, channels), grouped convolution
    kernel = B.tile(B.reshape(kernel, (kernel_size[1], kernel_size[0], 1, 1)),
                    (1, 1, 1, channels))
    blurred = B.conv(images, kernel, padding="same", data_format=data_format)
    return B.squeeze(blurred, 0) if single else blurred


# ---------------------------------------------------------------------------- sampling
def _fixed_index(B, index, size, mode):
    """An out-of-range index brought back into ``[0, size)`` by ``mode`` (JAX's rules);
    ``constant`` leaves it to the validity mask."""
    if mode == "nearest":
        return B.clip(index, 0, size - 1)
    if mode == "wrap":
        return B.mod(index, size)
    if mode == "mirror":
        if size == 1:
            return B.zeros_like(index)
        return B.abs(B.subtract(B.mod(B.add(index, size - 1), 2 * (size - 1)), size - 1))
    if mode == "reflect":
        doubled = B.add(B.multiply(index, 2), 1)
        return B.floor_divide(B.subtract(_fixed_index(B, doubled, 2 * size + 1, "mirror"), 1), 2)
    return index


def sample(B, inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    """``inputs`` at the points whose position along axis ``d`` is ``coordinates[d]`` (one
    tensor per axis, all of one shape), as ``jax.scipy.ndimage.map_coordinates``: a float
    coordinate is rounded (``order`` 0, halves away from zero) or interpolated linearly
    between its two neighbours (``order`` 1); an int coordinate is an exact index, in range
    (a batch or channel axis: no corners spent on it). Outside the input, ``fill_mode``
    decides. Differentiable in ``inputs`` (a gather) and in float coordinates."""
    shape = B.shape(inputs)
    dtype = B.dtype(inputs)
    flat = B.reshape(inputs, (-1,))
    strides = [math.prod(shape[d + 1:]) for d in range(len(shape))]
    per_axis = []  # per axis: its corners, each (index, in range or None, weight or None)
    for d, coordinate in enumerate(coordinates):
        if not B.dtype(coordinate).startswith(("float", "bfloat")):
            per_axis.append([(coordinate, None, None)])
            continue
        if order == 0:
            index = B.cast(B.multiply(B.sign(coordinate),
                                      B.floor(B.add(B.abs(coordinate), 0.5))), "int32")
            corners = [(index, None)]
        else:
            lower = B.floor(coordinate)
            upper_weight = B.subtract(coordinate, lower)
            index = B.cast(lower, "int32")
            corners = [(index, B.subtract(1.0, upper_weight)), (B.add(index, 1), upper_weight)]
        per_axis.append([
            (_fixed_index(B, i, shape[d], fill_mode),
             B.logical_and(B.greater_equal(i, 0), B.less(i, shape[d]))
             if fill_mode == "constant" else None, w) for i, w in corners])
    result = None
    for corner in itertools.product(*per_axis):
        flat_index = valid = weight = None
        for d, (index, inside, w) in enumerate(corner):
            term = B.multiply(index, strides[d]) if strides[d] != 1 else index
            flat_index = term if flat_index is None else B.add(flat_index, term)
            if inside is not None:
                valid = inside if valid is None else B.logical_and(valid, inside)
            if w is not None:
                weight = w if weight is None else B.multiply(weight, w)
        if valid is not None:
            # an index outside the input may point anywhere: read a safe one, then mask
            flat_index = B.where(valid, flat_index, 0)
        value = B.take(flat, flat_index)
        if valid is not None:
            value = B.where(valid, value, B.cast(fill_value, dtype))
        if weight is not None:
            value = B.multiply(weight, value)
        result = value if result is None else B.add(result, value)
    return result


# ---------------------------------------------------------------------------- affine
def affine_transform(B, images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Images warped by projective transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]``: output
    pixel (x, y) reads the input at ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``,
    ``k = c0 x + c1 y + 1`` (Keras drops ``k``: only the affine part is used, as here).

    The sampling is :func:`sample` over (batch, height, width, channels), the batch and
    channel coordinates exact ints: only rows and columns are interpolated."""
    data_format = config.standardize_data_format(data_format)
    if interpolation not in AFFINE_INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of "
                         f"{tuple(AFFINE_INTERPOLATIONS)}, got {interpolation!r}.")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {FILL_MODES}, got "
                         f"{fill_mode!r}.")
    images = B.convert_to_tensor(images)
    transform = B.convert_to_tensor(transform)
    check_rank("affine_transform", B.shape(images))
    if B.ndim(transform) not in (1, 2) or B.shape(transform)[-1] != 8:
        raise ValueError(f"affine_transform: expected transforms of shape (8,) or (batch, 8), "
                         f"got shape {B.shape(transform)}.")
    single = B.ndim(images) == 3
    if single:
        images = B.expand_dims(images, 0)
    if data_format == "channels_first":
        images = B.transpose(images, (0, 2, 3, 1))
    if B.ndim(transform) == 1:
        transform = B.expand_dims(transform, 0)
    batch, height, width, channels = B.shape(images)
    dtype = B.dtype(images) if B.dtype(images).startswith(("float", "bfloat")) \
        else config.floatx()
    transform = B.cast(transform, dtype)
    if B.shape(transform)[0] == 1 and batch > 1:
        transform = B.broadcast_to(transform, (batch, 8))
    y = B.reshape(B.arange(height, dtype=dtype), (1, height, 1, 1))
    x = B.reshape(B.arange(width, dtype=dtype), (1, 1, width, 1))
    a0, a1, a2, b0, b1, b2 = (B.reshape(t, (batch, 1, 1, 1))
                              for t in B.unstack(transform[:, :6], axis=1))
    shape = (batch, height, width, channels)
    rows = B.broadcast_to(B.add(B.add(B.multiply(b0, x), B.multiply(b1, y)), b2), shape)
    columns = B.broadcast_to(B.add(B.add(B.multiply(a0, x), B.multiply(a1, y)), a2), shape)
    index = B.broadcast_to(B.reshape(B.arange(batch), (batch, 1, 1, 1)), shape)
    channel = B.broadcast_to(B.reshape(B.arange(channels), (1, 1, 1, channels)), shape)
    warped = sample(B, images, [index, rows, columns, channel],
                    AFFINE_INTERPOLATIONS[interpolation], fill_mode, fill_value)
    if data_format == "channels_first":
        warped = B.transpose(warped, (0, 3, 1, 2))
    return B.squeeze(warped, 0) if single else warped


#: the tensor arguments of the ops below that take more than ``images``
TENSOR_ARGUMENTS = {"affine_transform": ("images", "transform")}
#: the ops of this module written against the contract, bound on every backend
SHARED_OPS = {f.__name__: f for f in (rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb, pad_images,
                                      crop_images, gaussian_blur, affine_transform)}
