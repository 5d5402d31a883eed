"""Pooling (``max_pool``, ``average_pool``): forward and gradient side by side.

Every pooling primitive walks the window's taps (pool_h * pool_w strided slices of
the input, each covering all output positions at once), never the pixels. The
public ops are composites that work out the geometry (TensorFlow's "same"
padding, strides defaulting to the pool size) and call:

- ``max_pool_general``: the window maxima; saves, per output, which tap won (the
  first maximum), so the gradient goes there.
- ``max_pool_scatter`` / ``max_pool_gather``: route a gradient to the winning
  taps / read the winning taps of a tensor. Linear, and each other's transpose,
  so max_pool's gradient differentiates again (its own gradient in the input is
  zero: the winners are piecewise constant).
- ``window_sum`` / ``window_sum_transpose``: the window sums and their transpose
  (spread each output's gradient over its window); average pooling divides the
  sums by the number of real (unpadded) cells.
"""

import math

from ... import config
from ..registry import defcomposite, defop
from ...geometry import pool_arguments, spatial_sizes
from .convolution import (clipped_tap_keys, output_sizes, pad_spatial, same_padding,
                          spatial_axes, tap_keys)


def _pool_geometry(op, shape, pool_size, strides, padding, data_format):
    """Canonical ``(window, strides, pads, data_format)`` of a pooling op, validated."""
    window, strides, padding, data_format = pool_arguments(op, shape, pool_size, strides,
                                                           padding, data_format)
    if padding == "same":
        pads = same_padding(spatial_sizes(shape, data_format), window, strides)
    else:
        pads = ((0, 0),) * len(window)
    return window, strides, pads, data_format


def _layout(ndim, window, strides, pads, data_format, sizes):
    """Spatial axes, output sizes, padded extents read, and each tap's key into the padded
    input."""
    axes = spatial_axes(ndim, data_format)
    out = output_sizes(sizes, window, strides, pads)
    used = tuple((o - 1) * s + k for o, s, k in zip(out, strides, window))
    keys = tap_keys(ndim, axes, window, strides, (1,) * len(window), out)
    return axes, out, used, keys


def _scatter_taps(xp, input_shape, dtype, window, strides, pads, data_format, contribution):
    """Adds ``contribution(t)`` (an output-shaped array) into the input cells tap ``t`` read;
    cells in the padding are dropped. Returns the input-shaped sum.

    ``contribution(t, out=view)`` writes into ``view`` instead: used when windows do not
    overlap and every cell is written at most once, straight into place.
    """
    axes = spatial_axes(len(input_shape), data_format)
    sizes = spatial_sizes(input_shape, data_format)
    out = output_sizes(sizes, window, strides, pads)
    disjoint = all(s >= k for s, k in zip(strides, window))
    # windows that tile the input exactly (pool 2, stride 2 on an even size) write every
    # cell once: no need to clear dx first
    tiled = all(s == k and o * k == n and p == (0, 0)
                for s, k, o, n, p in zip(strides, window, out, sizes, pads))
    dx = (xp.empty if tiled else xp.zeros)(input_shape, dtype=dtype)
    keys = clipped_tap_keys(input_shape, axes, pads, window, strides, (1,) * len(window), out)
    for t, key in enumerate(keys):
        if key is None:
            continue
        input_key, output_key = key
        if not disjoint:
            dx[input_key] += contribution(t)[output_key]
        elif all(output_key[a] == slice(0, o) for a, o in zip(axes, out)):
            contribution(t, out=dx[input_key])
        else:  # a window cut by the padding
            dx[input_key] = contribution(t)[output_key]
    return dx


# ---------------------------------------------------------------------------- max pooling
def _padded_for_max(xp, inputs, window, strides, pads, data_format):
    """The input padded with its dtype's lowest value (never a window's maximum), and each
    tap's key into it."""
    axes, out, used, keys = _layout(inputs.ndim, window, strides, pads, data_format,
                                    spatial_sizes(inputs.shape, data_format))
    if inputs.dtype.kind == "f":
        lowest = -float("inf")
    else:
        lowest = xp.iinfo(inputs.dtype).min if inputs.dtype.kind in "iu" else False
    return pad_spatial(xp, inputs, axes, pads, used, fill=lowest), keys


@defop("max_pool_general", saves=True)
def max_pool_general(xp, inputs, window, strides, pads, data_format):
    """Window maxima; saves the winning tap of each window (the first maximum)."""
    padded, keys = _padded_for_max(xp, inputs, window, strides, pads, data_format)
    best = padded[keys[0]].copy()
    winner = xp.zeros(best.shape, dtype="uint8" if len(keys) < 256 else "int32")
    for t, key in enumerate(keys[1:], 1):
        candidate = padded[key]
        # taps come in increasing order, so "winner = t where candidate is larger" is a
        # maximum (masked copies are several times slower); strict ">" keeps the first
        # maximum on ties
        xp.maximum(winner, xp.multiply(candidate > best, t, dtype=winner.dtype), out=winner)
        xp.maximum(best, candidate, out=best)  # (a NaN propagates, as in JAX)
    return best, winner


def max_pool_values(xp, inputs, window, strides, pads, data_format):
    """``max_pool_general``'s output alone, without the winners (which only the gradient
    reads): one maximum per tap. A replayed step that takes no gradient (``predict``) runs
    this instead (``backends/autodiff/trace.py`` reads ``forward.without_saved``)."""
    padded, keys = _padded_for_max(xp, inputs, window, strides, pads, data_format)
    best = padded[keys[0]].copy()
    for key in keys[1:]:
        xp.maximum(best, padded[key], out=best)
    return best


max_pool_general.forward.without_saved = max_pool_values


@max_pool_general.defvjp
def max_pool_general_vjp(F, g, y, inputs, window, strides, pads, data_format, saved):
    return (F.max_pool_scatter(g, saved, inputs.shape, window, strides, pads, data_format),)


def tap_select(xp, values, winner):
    """``t -> values where winner == t, else 0`` (output-shaped; ``out=`` writes there):
    what tap ``t`` of a max pooling passes on. Exact for every value (an infinite one
    gives 0 where it lost), and never reads a value on the host; a backend may bind a
    faster one to ``max_pool_scatter`` and ``max_pool_gather`` (numpy's multiplies by the
    mask when the values are finite, ``backends/numpy/fast_paths.py``)."""
    zero = xp.zeros((), dtype=values.dtype)

    def select(t, out=None):
        if out is None:
            return xp.where(winner == t, values, zero)
        out[...] = xp.where(winner == t, values, zero)
    return select


@defop("max_pool_scatter")
def max_pool_scatter(xp, output_grad, winner, input_shape, window, strides, pads, data_format,
                     *, select=tap_select):
    """Each output's gradient added to its window's winning cell; zeros elsewhere."""
    return _scatter_taps(xp, input_shape, output_grad.dtype, window, strides, pads, data_format,
                         select(xp, output_grad, winner))


@max_pool_scatter.defvjp
def max_pool_scatter_vjp(F, h, dx, output_grad, winner, input_shape, window, strides, pads,
                         data_format):
    return (F.max_pool_gather(h, winner, window, strides, pads, data_format),)


@defop("max_pool_gather")
def max_pool_gather(xp, inputs, winner, window, strides, pads, data_format, *,
                    select=tap_select):
    """For each window, the value of ``inputs`` at the cell that won the max pooling."""
    axes, out, used, keys = _layout(inputs.ndim, window, strides, pads, data_format,
                                    spatial_sizes(inputs.shape, data_format))
    padded = pad_spatial(xp, inputs, axes, pads, used)
    y = xp.zeros(winner.shape, dtype=inputs.dtype)
    for t, key in enumerate(keys):
        y += select(xp, padded[key], winner)(t)
    return y


@max_pool_gather.defvjp
def max_pool_gather_vjp(F, h, y, inputs, winner, window, strides, pads, data_format):
    return (F.max_pool_scatter(h, winner, inputs.shape, window, strides, pads, data_format),)


@defcomposite("max_pool")
def max_pool(F, inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling, 1-D to 3-D; ``strides`` defaults to ``pool_size``; ``padding="same"`` is
    TensorFlow's. The gradient goes to the first maximum of each window.

    Example:
        >>> x = ops.reshape(ops.arange(16.0), (1, 4, 4, 1))
        >>> ops.max_pool(x, 2)[0, :, :, 0]   # [[5, 7], [13, 15]]
    """
    geometry = _pool_geometry("max_pool", F.shape(inputs), pool_size, strides, padding,
                              data_format)
    return F.max_pool_general(inputs, *geometry)


# ---------------------------------------------------------------------------- average pooling
@defop("window_sum")
def window_sum(xp, inputs, window, strides, pads, data_format):
    """The sum of each window (padding counts as zeros)."""
    axes, out, used, keys = _layout(inputs.ndim, window, strides, pads, data_format,
                                    spatial_sizes(inputs.shape, data_format))
    padded = pad_spatial(xp, inputs, axes, pads, used)
    if len(keys) == 1:
        return padded[keys[0]].copy()
    total = xp.add(padded[keys[0]], padded[keys[1]])
    for key in keys[2:]:
        total += padded[key]
    return total


@window_sum.defvjp
def window_sum_vjp(F, g, y, inputs, window, strides, pads, data_format):
    return (F.window_sum_transpose(g, inputs.shape, window, strides, pads, data_format),)


@defop("window_sum_transpose")
def window_sum_transpose(xp, output_grad, input_shape, window, strides, pads, data_format):
    """Each output's gradient added to every cell of its window."""
    def contribution(t, out=None):
        if out is None:
            return output_grad
        out[...] = output_grad

    return _scatter_taps(xp, input_shape, output_grad.dtype, window, strides, pads, data_format,
                         contribution)


@window_sum_transpose.defvjp
def window_sum_transpose_vjp(F, h, dx, output_grad, input_shape, window, strides, pads,
                             data_format):
    return (F.window_sum(h, window, strides, pads, data_format),)


def _reciprocal_counts(xp, shape, window, strides, pads, data_format, dtype):
    """``1 / (number of real cells in each window)``, shaped to broadcast against the output."""
    sizes = spatial_sizes(shape, data_format)
    if all(p == (0, 0) for p in pads):
        return xp.asarray(1.0 / math.prod(window), dtype=dtype)
    counts = xp.ones((), dtype=dtype)
    for n, k, s, (lo, hi), o in zip(sizes, window, strides, pads,
                                    output_sizes(sizes, window, strides, pads)):
        start = xp.arange(o) * s - lo
        per_dim = xp.minimum(start + k, n) - xp.maximum(start, 0)
        counts = counts[..., None] * per_dim.astype(dtype)
    counts = counts[None, ..., None] if data_format == "channels_last" else counts[None, None]
    return 1 / counts


@defcomposite("average_pool")
def average_pool(F, inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling, 1-D to 3-D; ``strides`` defaults to ``pool_size``. With
    ``padding="same"`` (TensorFlow's) the padded cells are not counted.

    Example:
        >>> x = ops.reshape(ops.arange(16.0), (1, 4, 4, 1))
        >>> ops.average_pool(x, 2)[0, :, :, 0]   # [[2.5, 4.5], [10.5, 12.5]]
    """
    shape = F.shape(inputs)
    geometry = _pool_geometry("average_pool", shape, pool_size, strides, padding, data_format)
    if F.xp.dtype(F.dtype(inputs)).kind != "f":
        inputs = F.cast(inputs, config.floatx())
    scale = _reciprocal_counts(F.xp, shape, *geometry, F.xp.dtype(F.dtype(inputs)))
    return F.multiply(F.window_sum(inputs, *geometry), scale)
