"""Normalization statistics and batch normalization, written with other engine ops.

Both are composites: their gradients come from the ops they are made of, so
they differentiate to any order with no rule of their own. The arithmetic is
arranged so that the full-size tensor is touched as few times as possible; the
per-channel work happens on the small statistics.
"""

from ... import config
from ..registry import defcomposite
from .reductions import normalize_axes


@defcomposite("moments")
def moments(F, x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes`` (population variance, as Keras).

    float16 and bfloat16 inputs are reduced in float32 and the results cast back, as
    Keras does (their range is too small for sums of squares). ``synchronized`` is
    accepted for Keras compatibility; with one device there is nothing to synchronize.

    Example:
        >>> mean, variance = ops.moments(ops.convert_to_tensor([1.0, 2.0, 3.0, 4.0]), axes=0)
        >>> float(mean), float(variance)
        (2.5, 1.25)
    """
    shape = F.shape(x)
    axes = normalize_axes(axes, len(shape))
    dtype = F.dtype(x)
    if dtype in ("float16", "bfloat16"):
        x = F.cast(x, "float32")
    elif F.xp.dtype(dtype).kind != "f":
        x = F.cast(x, config.floatx())
    count = 1
    for a in axes:
        count *= shape[a]
    scale = 1.0 / count  # a Python float: keeps x's dtype
    mean = F.multiply(F.sum(x, axis=axes, keepdims=True), scale)
    # two passes (x - mean, then its square), as numpy's and JAX's var: no cancellation
    centered = F.subtract(x, mean)
    variance = F.multiply(F.sum(F.square(centered), axis=axes, keepdims=True), scale)
    if not keepdims:
        reduced = tuple(n for i, n in enumerate(shape) if i not in axes)
        mean, variance = F.reshape(mean, reduced), F.reshape(variance, reduced)
    if dtype in ("float16", "bfloat16"):
        mean, variance = F.cast(mean, dtype), F.cast(variance, dtype)
    return mean, variance


@defcomposite("batch_normalization")
def batch_normalization(F, x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``; the statistics and
    parameters are 1-D and run along ``axis`` of ``x``.

    Computed as Keras does, ``x * inv + (offset - mean * inv)`` with
    ``inv = scale / sqrt(variance + epsilon)``: the per-channel factors are worked out on
    the small vectors and ``x`` is touched twice (one multiply, one add).

    Example:
        >>> x = ops.convert_to_tensor([[1.0, 2.0], [3.0, 6.0]])
        >>> mean, variance = ops.moments(x, axes=0)
        >>> ops.batch_normalization(x, mean, variance, axis=-1, epsilon=0.0)  # [[-1, -1], [1, 1]]
    """
    ndim = len(F.shape(x))
    shape = [1] * ndim
    shape[axis % ndim] = F.shape(mean)[0] if len(F.shape(mean)) == 1 else F.shape(x)[axis]
    shape = tuple(shape)
    mean = F.reshape(mean, shape)
    variance = F.reshape(variance, shape)
    inv = F.divide(1.0, F.sqrt(F.add(variance, epsilon)))
    if scale is not None:
        inv = F.multiply(inv, F.reshape(scale, shape))
    shift = F.negative(F.multiply(mean, inv))
    if offset is not None:
        shift = F.add(shift, F.reshape(offset, shape))
    return F.add(F.multiply(x, inv), shift)
