"""Argument checks of the windowed ops (convolution, pooling), shared by every backend.

Plain Python on shapes and tuples, no array library: the numpy engine and the JAX backend
validate ``strides``, ``padding`` and ``pool_size`` the same way and give the same errors.
"""

from . import config


def spatial_tuple(value, n, argument, op):
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` positive ints."""
    values = (value,) * n if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != n or any(v < 1 for v in values):
        raise ValueError(f"{op}: {argument} must be a positive int or a tuple of {n} positive "
                         f"ints (one per spatial dimension), got {value!r}.")
    return values


def check_padding(op, padding):
    """``padding`` as ``"valid"`` or ``"same"`` (any case accepted)."""
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}.")
    return padding


def spatial_sizes(shape, data_format):
    """The spatial part of a ``(batch, ..., channels)`` or ``(batch, channels, ...)`` shape."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def pool_arguments(op, shape, pool_size, strides, padding, data_format):
    """A pooling op's arguments, validated: ``(window, strides, padding, data_format)`` with
    one entry per spatial dimension, ``strides`` defaulting to ``window`` and ``padding``
    ``"valid"`` or ``"same"``."""
    data_format = config.standardize_data_format(data_format)
    n = len(shape) - 2
    if not 1 <= n <= 3:
        raise ValueError(f"{op}: expected inputs of rank 3 to 5 (batch, spatial..., channels), "
                         f"got shape {tuple(shape)}.")
    window = spatial_tuple(pool_size, n, "pool_size", op)
    strides = window if strides is None else spatial_tuple(strides, n, "strides", op)
    padding = check_padding(op, padding)
    sizes = spatial_sizes(shape, data_format)
    if padding == "valid" and any(k > size for k, size in zip(window, sizes)):
        raise ValueError(f"{op}: pool_size {window} is larger than the input's spatial shape "
                         f"{sizes} with padding 'valid': the output would be empty.")
    return window, strides, padding, data_format
