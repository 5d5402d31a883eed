"""Keras 3's windowed ops written here with ``jax.lax``: the independent reference.

The numpy engine and kerasette's JAX backend share their argument handling for
convolution and pooling (``backends/geometry.py``: default strides, per-dimension
tuples, padding names). A cross-check of one against the other cannot see a mistake in
that shared code, so the gradient suites (``test_gradients.py`` through
``crosscheck.py``, ``test_numpy_nn.py``, ``tests/layers/test_pooling.py``) compare
conv, conv_transpose and pooling with these functions instead: Keras 3's semantics
(``keras/src/backend/jax/nn.py``) computed from ``jax.lax`` and ``jax.numpy`` alone,
importing nothing of kerasette's backends. ``test_jax_reference.py`` checks them against
the real Keras 3.

Signatures are Keras's (``keras.ops.conv`` and friends); inputs may be numpy or jax
arrays, results are jax arrays, and everything is differentiable to any order under
``jax.vjp`` / ``jax.jit``.
"""

import math

import jax
import jax.numpy as jnp
from jax import lax

import kerasette


def _per_dimension(value, n):
    """An int, or a sequence of ``n`` ints, as a tuple of ``n`` ints."""
    return (int(value),) * n if isinstance(value, int) else tuple(int(v) for v in value)


def _data_format(data_format):
    return data_format or kerasette.config.image_data_format()


def _dimension_numbers(n, data_format):
    """Keras's layouts in ``lax``'s terms: images (batch, *spatial, channels) or (batch,
    channels, *spatial); a kernel (*spatial, in_channels, out_channels)."""
    if data_format == "channels_last":
        image = (0, n + 1) + tuple(range(1, n + 1))
    else:
        image = (0, 1) + tuple(range(2, n + 2))
    return lax.ConvDimensionNumbers(lhs_spec=image, rhs_spec=(n + 1, n) + tuple(range(n)),
                                    out_spec=image)


def _channels(x, data_format):
    return x.shape[-1] if data_format == "channels_last" else x.shape[1]


def _conv_with_padding(inputs, kernel, strides, padding, data_format, dilation_rate):
    """``lax.conv_general_dilated`` with Keras's layouts; ``padding`` a lax padding ("VALID",
    "SAME" or explicit pairs); groups from the kernel's input channels, as Keras."""
    n = inputs.ndim - 2
    return lax.conv_general_dilated(
        inputs, kernel, _per_dimension(strides, n), padding,
        rhs_dilation=_per_dimension(dilation_rate, n),
        dimension_numbers=_dimension_numbers(n, data_format),
        feature_group_count=_channels(inputs, data_format) // kernel.shape[-2],
        precision=lax.Precision.HIGHEST)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """``keras.ops.conv``: cross-correlation, "same" as TensorFlow's (extra cell at the end),
    the inputs cast to the kernel's dtype."""
    kernel = jnp.asarray(kernel)
    inputs = jnp.asarray(inputs, dtype=kernel.dtype)
    return _conv_with_padding(inputs, kernel, strides, padding.upper(),
                              _data_format(data_format), dilation_rate)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """``keras.ops.depthwise_conv``: ``kernel`` (*spatial, channels, multiplier) applied to
    each channel on its own, output channel ``c * multiplier + m``."""
    kernel = jnp.asarray(kernel)
    inputs = jnp.asarray(inputs, dtype=kernel.dtype)
    *spatial, channels, multiplier = kernel.shape
    grouped = jnp.reshape(kernel, (*spatial, 1, channels * multiplier))
    return _conv_with_padding(inputs, grouped, strides, padding.upper(),
                              _data_format(data_format), dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """``keras.ops.separable_conv``: a depthwise convolution, then a 1x1 convolution."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                               dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, dilation_rate)


def conv_transpose_output_size(size, kernel_size, stride, padding, output_padding,
                               dilation_rate):
    """Keras's output length of a transposed convolution along one dimension."""
    k = (kernel_size - 1) * dilation_rate + 1
    if output_padding is None:
        return (size - 1) * stride + max(k, stride) if padding == "valid" else size * stride
    if padding == "valid":
        return (size - 1) * stride + k + output_padding
    return (size - 1) * stride + k % 2 + output_padding


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """``keras.ops.conv_transpose``, from its definition: the gradient, with respect to its
    input, of the convolution that maps an image of the transposed convolution's output
    size back to the shape of ``inputs`` (``kernel`` (*spatial, filters, channels) read as
    that convolution's kernel).

    That convolution pads as TensorFlow's "same" does: ``total`` cells in all, the lower
    half (rounded down, never negative) first; a negative ``total`` crops the end. "valid"
    is the same rule (its total is never positive).
    """
    kernel = jnp.asarray(kernel)
    inputs = jnp.asarray(inputs, dtype=kernel.dtype)
    data_format = _data_format(data_format)
    n = inputs.ndim - 2
    strides, dilation = _per_dimension(strides, n), _per_dimension(dilation_rate, n)
    extras = (output_padding,) * n if output_padding is None or isinstance(output_padding, int) \
        else tuple(output_padding)
    sizes = inputs.shape[1:-1] if data_format == "channels_last" else inputs.shape[2:]
    out_sizes, pads = [], []
    for size, k, s, d, extra in zip(sizes, kernel.shape[:-2], strides, dilation, extras):
        out = conv_transpose_output_size(size, k, s, padding.lower(), extra, d)
        total = (size - 1) * s + (k - 1) * d + 1 - out
        low = max(total // 2, 0)
        out_sizes.append(out)
        pads.append((low, total - low))
    filters = kernel.shape[-2]
    shape = ((inputs.shape[0], *out_sizes, filters) if data_format == "channels_last"
             else (inputs.shape[0], filters, *out_sizes))

    def forward(image):
        return _conv_with_padding(image, kernel, strides, pads, data_format, dilation)

    _, pullback = jax.vjp(forward, jnp.zeros(shape, kernel.dtype))
    return pullback(inputs)[0]


def _window(per_spatial, n, data_format):
    """A pooling window or stride over all axes: 1 on the batch and channel axes."""
    per_spatial = _per_dimension(per_spatial, n)
    return (1, *per_spatial, 1) if data_format == "channels_last" else (1, 1, *per_spatial)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """``keras.ops.max_pool``: ``strides`` default to ``pool_size``; "same" pads with -inf."""
    inputs = jnp.asarray(inputs)
    data_format, n = _data_format(data_format), inputs.ndim - 2
    window = _window(pool_size, n, data_format)
    step = window if strides is None else _window(strides, n, data_format)
    return lax.reduce_window(inputs, -jnp.inf, lax.max, window, step, padding.upper())


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """``keras.ops.average_pool``: ``strides`` default to ``pool_size``; with "same" each
    window's sum is divided by the number of real (unpadded) cells it covers."""
    inputs = jnp.asarray(inputs)
    data_format, n = _data_format(data_format), inputs.ndim - 2
    window = _window(pool_size, n, data_format)
    step = window if strides is None else _window(strides, n, data_format)
    # the initial values are Python scalars: JAX differentiates a reduce_window only when
    # it can see its initial value is the identity of the reduction
    total = lax.reduce_window(inputs, 0.0, lax.add, window, step, padding.upper())
    if padding.lower() == "valid":
        return total / math.prod(window)
    counts = lax.reduce_window(jnp.ones(inputs.shape, inputs.dtype), 0.0, lax.add, window, step,
                               padding.upper())
    return total / counts


#: The ops above by their contract names (the cross-check swaps these into the JAX side).
OPS = {"conv": conv, "conv_transpose": conv_transpose, "max_pool": max_pool,
       "average_pool": average_pool, "depthwise_conv": depthwise_conv,
       "separable_conv": separable_conv}


class Reference:
    """A backend whose windowed ops (:data:`OPS`) are this module's and whose other ops are
    ``backend``'s: what a cross-check case runs on, on its reference side."""

    def __init__(self, backend):
        self._backend = backend

    def __getattr__(self, name):
        return OPS.get(name) or getattr(self._backend, name)
