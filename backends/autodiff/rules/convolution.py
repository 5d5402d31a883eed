"""Convolution (``conv``, ``conv_transpose``): forward and gradient side by side.

Three primitives do all the work, each the gradient of the others (Chainer's
pattern), so gradients differentiate again to any order:

- ``conv_general(inputs, kernel, ...)``: the convolution itself.
- ``conv_input_grad(output_grad, kernel, input_shape, ...)``: its transpose in
  ``inputs``; the gradient of ``conv`` with respect to its input and, read the
  other way, the transposed convolution.
- ``conv_kernel_grad(inputs, output_grad, kernel_shape, ...)``: its gradient
  with respect to the kernel.

All three are bilinear, so each one's gradient is one of the three again.
They take canonical geometry: ``strides`` and ``dilation_rate`` as tuples,
``pads`` as one ``(low, high)`` pair per spatial dimension (a negative entry
crops), and a resolved ``data_format``. The public ``conv`` and
``conv_transpose`` are composites that work out that geometry as Keras does.

Speed: every primitive is one BLAS matmul (per group) over an im2col matrix.
im2col reads the (padded) input through a strided view with one window per
output position and copies it once; col2im adds each kernel tap's share back
into the input (a loop over the k*k taps, never over pixels, with the padding
cut off the slices instead of allocated). Large batches go a few images at a
time, so each im2col matrix stays in the CPU's cache between its copy and its
matmul. Internally the channel axis is last (Keras's default); channels_first
inputs are read through transposed views.
"""

import itertools
import math

from ... import config
from ...geometry import check_padding, spatial_tuple
from ..registry import defcomposite, defop


# ---------------------------------------------------------------------------- geometry
def same_padding(sizes, windows, strides):
    """TensorFlow's "same" padding: ``(low, high)`` per dimension, so that the output has
    ``ceil(size / stride)`` positions; an odd total puts the extra cell at the end."""
    pads = []
    for n, k, s in zip(sizes, windows, strides):
        total = max((-(-n // s) - 1) * s + k - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def output_sizes(sizes, windows, strides, pads):
    """Number of window positions per dimension (``windows`` are effective, dilated sizes)."""
    return tuple((n + lo + hi - k) // s + 1
                 for n, k, s, (lo, hi) in zip(sizes, windows, strides, pads))


def effective_sizes(kernel_sizes, dilation_rate):
    """Extent of a dilated kernel: ``(k - 1) * d + 1``."""
    return tuple((k - 1) * d + 1 for k, d in zip(kernel_sizes, dilation_rate))


def spatial_axes(ndim, data_format):
    """The spatial axes of a ``(batch, ..., channels)`` or ``(batch, channels, ...)`` array."""
    return tuple(range(1, ndim - 1)) if data_format == "channels_last" else tuple(range(2, ndim))


def pad_spatial(xp, x, axes, pads, used, fill=0):
    """The part of ``x``, padded by ``pads`` along ``axes``, that windows read: ``used[i]``
    cells along ``axes[i]``. Cell ``p`` of the result is ``x[p - low]`` (``fill`` outside).

    A view (no copy) when nothing needs padding, only cropping.
    """
    if all(lo <= 0 and u - lo <= x.shape[a] for a, (lo, _), u in zip(axes, pads, used)):
        key = [slice(None)] * x.ndim
        for a, (lo, _), u in zip(axes, pads, used):
            key[a] = slice(-lo, u - lo)
        return x[tuple(key)]
    shape = list(x.shape)
    for a, u in zip(axes, used):
        shape[a] = u
    padded = xp.full(tuple(shape), fill, dtype=x.dtype)
    dst, src = overlap(x.shape, axes, pads, used)
    padded[dst] = x[src]
    return padded


def overlap(shape, axes, pads, used):
    """Matching keys ``(padded_key, array_key)`` for the cells a padded array shares with the
    array of ``shape`` it was padded from (see :func:`pad_spatial`)."""
    dst = [slice(None)] * len(shape)
    src = [slice(None)] * len(shape)
    for a, (lo, _), u in zip(axes, pads, used):
        start, stop = max(lo, 0), min(u, shape[a] + lo)
        dst[a] = slice(start, max(stop, start))
        src[a] = slice(start - lo, max(stop, start) - lo)
    return tuple(dst), tuple(src)


def tap_keys(ndim, axes, window, strides, dilation_rate, out):
    """For every kernel tap (``itertools.product`` order, as the kernel is laid out), the key
    of the padded input cells that tap reads for all output positions."""
    keys = []
    for tap in itertools.product(*(range(k) for k in window)):
        key = [slice(None)] * ndim
        for a, i, s, d, o in zip(axes, tap, strides, dilation_rate, out):
            key[a] = slice(i * d, i * d + (o - 1) * s + 1, s)
        keys.append(tuple(key))
    return keys


def clipped_tap_keys(shape, axes, pads, window, strides, dilation_rate, out):
    """For every kernel tap that touches the input, ``(input_key, output_key)``: the input
    cells it reads and the output positions reading them, padding left out. Scattering
    gradients through these keys writes straight into the input-shaped result (no padded
    scratch array, no additions of zeros)."""
    per_dim = []
    for a, (lo, _), k, s, d, o in zip(axes, pads, window, strides, dilation_rate, out):
        n = shape[a]
        choices = []
        for i in range(k):
            # output j reads input cell i*d + j*s - lo; keep the j that land in [0, n)
            first = max(0, -(-(lo - i * d) // s))
            last = min(o - 1, (n - 1 + lo - i * d) // s)
            if last < first:
                choices.append(None)
                continue
            start = i * d + first * s - lo
            choices.append((slice(start, start + (last - first) * s + 1, s),
                            slice(first, last + 1)))
        per_dim.append(choices)
    keys = []
    for tap in itertools.product(*per_dim):
        if any(c is None for c in tap):
            keys.append(None)
            continue
        input_key = [slice(None)] * len(shape)
        output_key = [slice(None)] * len(shape)
        for a, (input_slice, output_slice) in zip(axes, tap):
            input_key[a], output_key[a] = input_slice, output_slice
        keys.append((tuple(input_key), tuple(output_key)))
    return keys


def _channels_last(xp, x, data_format):
    """A channels_last view of ``x`` (no copy)."""
    return x if data_format == "channels_last" else xp.moveaxis(x, 1, -1)


def _from_channels_last(xp, x, data_format):
    if data_format == "channels_last":
        return x
    return xp.ascontiguousarray(xp.moveaxis(x, -1, 1))


# Below this many channels per group, im2col copies tap by tap: each copy then moves
# long runs of pixels instead of runs of a few channels (measured ~3x faster for C=1).
_TAPWISE_IM2COL_CHANNELS = 8


def _im2col(xp, x, kernel_shape, strides, pads, dilation_rate):
    """Windows of channels_last ``x`` as a matrix per group: ``(groups, M, taps * Cg)`` with
    ``M = batch * prod(out)``; also returns ``out``, the output's spatial shape."""
    n_spatial = len(kernel_shape) - 2
    window, cg = kernel_shape[:n_spatial], kernel_shape[-2]
    groups = x.shape[-1] // cg
    axes = tuple(range(1, n_spatial + 1))
    effective = effective_sizes(window, dilation_rate)
    out = output_sizes(x.shape[1:-1], effective, strides, pads)
    used = tuple((o - 1) * s + k for o, s, k in zip(out, strides, effective))
    padded = pad_spatial(xp, x, axes, pads, used)
    batch = x.shape[0]
    if groups == 1 and all(k == 1 for k in window) and all(s == 1 for s in strides):
        # a 1x1 convolution: the input already is the matrix (no copy when contiguous)
        return padded.reshape(1, batch * math.prod(out), cg), out
    # a read-only view (batch, *out, *window, groups, Cg): one window per output position
    st = padded.strides
    view = xp.lib.stride_tricks.as_strided(
        padded,
        (batch,) + out + tuple(window) + (groups, cg),
        (st[0],) + tuple(st[a] * s for a, s in zip(axes, strides))
        + tuple(st[a] * d for a, d in zip(axes, dilation_rate)) + (st[-1] * cg, st[-1]))
    view = xp.moveaxis(view, -2, 0)  # groups first: one matmul per group
    cols = xp.empty(view.shape, dtype=x.dtype)
    if cg < _TAPWISE_IM2COL_CHANNELS:
        lead = (slice(None),) * (2 + n_spatial)
        for tap in itertools.product(*(range(k) for k in window)):
            cols[lead + tap] = view[lead + tap]
    else:
        cols[...] = view
    taps = math.prod(window)
    return cols.reshape(groups, batch * math.prod(out), taps * cg), out


def _grouped(x, groups):
    """``(batch, *spatial, groups * n)`` as ``(groups, batch * prod(spatial), n)`` (a view
    when possible: matmul reads strided groups without a copy)."""
    rows = x.size // x.shape[-1]
    return x.reshape(rows, groups, x.shape[-1] // groups).transpose(1, 0, 2)


def _kernel_matrices(kernel, groups):
    """Kernel ``(*window, Cg, groups * Fg)`` as ``(groups, taps * Cg, Fg)``."""
    cg, filters = kernel.shape[-2:]
    taps = kernel.size // (cg * filters)
    k = kernel.reshape(taps, cg, groups, filters // groups)
    return k.transpose(2, 0, 1, 3).reshape(groups, taps * cg, filters // groups)


def _check_channels(op, channels, kernel_shape):
    cg, filters = kernel_shape[-2:]
    if cg == 0 or channels % cg or filters % (channels // cg):
        raise ValueError(
            f"{op}: the input has {channels} channels and the kernel {kernel_shape} expects "
            f"{cg} per group; the channels must be a multiple of kernel.shape[-2] and the "
            f"filters ({filters}) a multiple of the number of groups.")
    return channels // cg


def _batch_chunks(batch, bytes_per_image, chunk_bytes):
    """Slices of the batch whose im2col matrices hold about ``chunk_bytes`` each; the whole
    batch at once when ``chunk_bytes`` is None. The conv forwards take ``chunk_bytes`` as a
    keyword that a backend's fast path binds (numpy's, measured, in ``backends/numpy``; a
    GPU wants one large launch instead)."""
    if chunk_bytes is None:
        return [slice(0, batch)]
    step = max(1, chunk_bytes // max(1, bytes_per_image))
    return [slice(start, min(start + step, batch)) for start in range(0, batch, step)]


def _output_spatial(input_spatial, kernel_shape, strides, pads, dilation_rate):
    window = kernel_shape[:-2]
    return output_sizes(input_spatial, effective_sizes(window, dilation_rate), strides, pads)


@defop("conv_general", inputs=2)
def conv_general(xp, inputs, kernel, strides, pads, data_format, dilation_rate, *,
                 chunk_bytes=None):
    """The convolution, canonical geometry: ``y = cols(inputs) @ kernel`` per group."""
    x = _channels_last(xp, inputs, data_format)
    batch, cg, filters = x.shape[0], kernel.shape[-2], kernel.shape[-1]
    groups = x.shape[-1] // cg
    weights = _kernel_matrices(kernel, groups)  # (groups, taps * Cg, Fg)
    out = _output_spatial(x.shape[1:-1], kernel.shape, strides, pads, dilation_rate)
    positions = math.prod(out)
    y = xp.empty((batch * positions, filters), dtype=xp.result_type(x.dtype, kernel.dtype))
    taps = math.prod(kernel.shape[:-2])
    for chunk in _batch_chunks(batch, positions * taps * x.shape[-1] * x.itemsize, chunk_bytes):
        cols, _ = _im2col(xp, x[chunk], kernel.shape, strides, pads, dilation_rate)
        rows = y[chunk.start * positions: chunk.stop * positions]
        if groups == 1:
            xp.matmul(cols[0], weights[0], out=rows)
        else:
            rows[...] = xp.matmul(cols, weights).transpose(1, 0, 2).reshape(rows.shape)
    return _from_channels_last(xp, y.reshape((batch,) + out + (filters,)), data_format)


@conv_general.defvjp
def conv_general_vjp(F, g, y, inputs, kernel, strides, pads, data_format, dilation_rate):
    geometry = (strides, pads, data_format, dilation_rate)
    return (lambda: F.conv_input_grad(g, kernel, inputs.shape, *geometry),
            lambda: F.conv_kernel_grad(inputs, g, kernel.shape, *geometry))


@defop("conv_input_grad", inputs=2)
def conv_input_grad(xp, output_grad, kernel, input_shape, strides, pads, data_format,
                    dilation_rate, *, chunk_bytes=None):
    """The gradient of ``conv_general`` in its input: ``output_grad @ kernel.T`` gives every
    output position's share for each tap, added back where that tap read (col2im)."""
    g = _channels_last(xp, output_grad, data_format)
    n_spatial = kernel.ndim - 2
    window, cg = kernel.shape[:n_spatial], kernel.shape[-2]
    channels = input_shape[-1] if data_format == "channels_last" else input_shape[1]
    groups = channels // cg
    taps = math.prod(window)
    out = g.shape[1:-1]
    weights_t = _kernel_matrices(kernel, groups).transpose(0, 2, 1)  # (groups, Fg, taps * Cg)
    dx = xp.zeros(input_shape, dtype=xp.result_type(g.dtype, kernel.dtype))
    dx_last = _channels_last(xp, dx, data_format)  # a view: writes land in dx
    dx_last = dx_last.reshape(dx_last.shape[:-1] + (groups, cg))
    keys = clipped_tap_keys(dx_last.shape, tuple(range(1, n_spatial + 1)), pads, window, strides,
                            dilation_rate, out)
    for chunk in _batch_chunks(g.shape[0], taps * math.prod(out) * channels * dx.itemsize,
                               chunk_bytes):
        g_chunk = g[chunk]
        # one matmul per group (not per tap: on a busy machine every extra BLAS call
        # waits for its threads) gives each output position's contribution to every tap
        contributions = xp.matmul(_grouped(g_chunk, groups), weights_t)
        contributions = contributions.reshape((groups,) + g_chunk.shape[:-1] + (taps, cg))
        contributions = xp.moveaxis(contributions, 0, -2)  # (n, *out, taps, groups, Cg)
        # col2im: add each tap's share into the input cells it read (the chunk is in cache,
        # so reading it tap by tap, strided, costs little)
        target = dx_last[chunk]
        for t, key in enumerate(keys):
            if key is not None:
                input_key, output_key = key
                target[input_key] += contributions[..., t, :, :][output_key]
    return dx


@conv_input_grad.defvjp
def conv_input_grad_vjp(F, h, dx, output_grad, kernel, input_shape, strides, pads, data_format,
                        dilation_rate):
    # linear in each argument, and the adjoint of conv in its input:
    # <conv_input_grad(g, k), h> = <g, conv(h, k)>
    geometry = (strides, pads, data_format, dilation_rate)
    return (lambda: F.conv_general(h, kernel, *geometry),
            lambda: F.conv_kernel_grad(h, output_grad, kernel.shape, *geometry))


@defop("conv_kernel_grad", inputs=2)
def conv_kernel_grad(xp, inputs, output_grad, kernel_shape, strides, pads, data_format,
                     dilation_rate, *, chunk_bytes=None):
    """The gradient of ``conv_general`` in its kernel: ``cols(inputs).T @ output_grad``."""
    x = _channels_last(xp, inputs, data_format)
    g = _channels_last(xp, output_grad, data_format)
    cg, filters = kernel_shape[-2:]
    groups = x.shape[-1] // cg
    taps = math.prod(kernel_shape[:-2])
    dk = xp.zeros((groups, taps * cg, filters // groups), dtype=xp.result_type(x.dtype, g.dtype))
    for chunk in _batch_chunks(x.shape[0], math.prod(g.shape[1:-1]) * taps * x.shape[-1]
                               * x.itemsize, chunk_bytes):
        cols, _ = _im2col(xp, x[chunk], kernel_shape, strides, pads, dilation_rate)
        dk += xp.matmul(cols.transpose(0, 2, 1), _grouped(g[chunk], groups))
    dk = dk.reshape(groups, taps, cg, filters // groups).transpose(1, 2, 0, 3)
    return dk.reshape(kernel_shape)


@conv_kernel_grad.defvjp
def conv_kernel_grad_vjp(F, h, dk, inputs, output_grad, kernel_shape, strides, pads, data_format,
                         dilation_rate):
    # <conv_kernel_grad(x, g), h> = <g, conv(x, h)>
    geometry = (strides, pads, data_format, dilation_rate)
    return (lambda: F.conv_input_grad(output_grad, h, inputs.shape, *geometry),
            lambda: F.conv_general(inputs, h, *geometry))


# ---------------------------------------------------------------------------- public ops
def _conv_arguments(F, op, inputs, kernel, strides, data_format, dilation_rate):
    """Validated shapes and canonical geometry shared by ``conv`` and ``conv_transpose``."""
    data_format = config.standardize_data_format(data_format)
    x_shape, k_shape = F.shape(inputs), F.shape(kernel)
    n_spatial = len(k_shape) - 2
    if len(x_shape) != len(k_shape) or not 1 <= n_spatial <= 3:
        raise ValueError(
            f"{op}: expected inputs of rank 3 to 5 (batch, spatial..., channels) and a kernel of "
            f"the same rank, got inputs of shape {x_shape} and kernel of shape {k_shape}.")
    strides = spatial_tuple(strides, n_spatial, "strides", op)
    dilation_rate = spatial_tuple(dilation_rate, n_spatial, "dilation_rate", op)
    spatial = [x_shape[a] for a in spatial_axes(len(x_shape), data_format)]
    channels = x_shape[-1] if data_format == "channels_last" else x_shape[1]
    if F.dtype(inputs) != F.dtype(kernel):  # Keras computes in the kernel's dtype
        inputs = F.cast(inputs, F.dtype(kernel))
    return inputs, data_format, x_shape, k_shape, spatial, channels, strides, dilation_rate


@defcomposite("conv")
def conv(F, inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (N = 1, 2 or 3), cross-correlation as in Keras.

    ``kernel`` is ``(*kernel_spatial, channels // groups, filters)``; the number of groups is
    ``channels // kernel.shape[-2]``. ``padding="same"`` is TensorFlow's: ``ceil(size /
    stride)`` outputs, the odd padding cell at the end.

    Example:
        >>> x = ops.ones((1, 5, 5, 1)); k = ops.ones((3, 3, 1, 2))
        >>> ops.conv(x, k, padding="same").shape
        (1, 5, 5, 2)
    """
    padding = check_padding("conv", padding)
    inputs, data_format, x_shape, k_shape, spatial, channels, strides, dilation_rate = \
        _conv_arguments(F, "conv", inputs, kernel, strides, data_format, dilation_rate)
    _check_channels("conv", channels, k_shape)
    window = k_shape[:-2]
    effective = effective_sizes(window, dilation_rate)
    if padding == "same":
        pads = same_padding(spatial, effective, strides)
    else:
        pads = ((0, 0),) * len(window)
    if min(output_sizes(spatial, effective, strides, pads)) < 1:
        raise ValueError(
            f"conv: the input's spatial shape {tuple(spatial)} is smaller than the kernel's "
            f"extent {effective} (dilation included) with padding 'valid': the output would "
            "be empty.")
    return F.conv_general(inputs, kernel, strides, pads, data_format, dilation_rate)


def transpose_padding(size, kernel, stride, dilation, padding, output_padding):
    """Keras's rule for a transposed convolution along one dimension: the output size and the
    ``(low, high)`` padding of the forward convolution it is the transpose of.

    Keras (``compute_conv_transpose_padding_args_for_jax``) pads the stride-dilated input by
    ``(left, right)`` and slides the flipped kernel over it; the same map is the input
    gradient of a convolution padded by ``k - 1 - left`` and ``k - 1 - right`` (``k`` the
    dilated extent; a negative pad crops).
    """
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        left, right = k - 1, k - 1 + extra
    else:
        total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, k - 1)
        right = total - left
    out = (size - 1) * stride + left + right - k + 2
    return out, (k - 1 - left, k - 1 - right)


@defcomposite("conv_transpose")
def conv_transpose(F, inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of ``conv`` with respect to its input), 1-D to 3-D.

    ``kernel`` is ``(*kernel_spatial, filters, channels)``, Keras's Conv2DTranspose layout.
    Output size per spatial dimension, as Keras: ``(n - 1) * stride + max(k, stride)`` for
    "valid" and ``n * stride`` for "same"; with ``output_padding``,
    ``(n - 1) * stride + k + output_padding`` ("valid") or
    ``(n - 1) * stride + k % 2 + output_padding`` ("same"), ``k`` the dilated kernel extent.
    """
    padding = check_padding("conv_transpose", padding)
    inputs, data_format, x_shape, k_shape, spatial, channels, strides, dilation_rate = \
        _conv_arguments(F, "conv_transpose", inputs, kernel, strides, data_format, dilation_rate)
    if channels != k_shape[-1]:
        raise ValueError(
            f"conv_transpose: the input has {channels} channels but the kernel {k_shape} "
            f"expects {k_shape[-1]} (its last dimension; the layout is "
            "(*kernel_spatial, filters, channels)).")
    n_spatial = len(k_shape) - 2
    if output_padding is None or isinstance(output_padding, int):
        output_padding = (output_padding,) * n_spatial
    sizes, pads = [], []
    for n, k, s, d, extra in zip(spatial, k_shape[:-2], strides, dilation_rate, output_padding):
        size, pad = transpose_padding(n, k, s, d, padding, extra)
        if size < 1:
            raise ValueError(f"conv_transpose: the output would be empty (inputs {x_shape}, "
                             f"kernel {k_shape}, output_padding {output_padding}).")
        sizes.append(size)
        pads.append(pad)
    filters = k_shape[-2]
    if data_format == "channels_last":
        out_shape = (x_shape[0], *sizes, filters)
    else:
        out_shape = (x_shape[0], filters, *sizes)
    return F.conv_input_grad(inputs, kernel, out_shape, strides, tuple(pads), data_format,
                             dilation_rate)
