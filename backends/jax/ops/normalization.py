"""Normalization statistics: ``moments`` and ``batch_normalization``, Keras 3's formulas."""

import jax.numpy as jnp
from jax import lax

from ..convert import floating, tensor
from ..dispatch import op

__all__ = ["moments", "batch_normalization"]


@op("x")
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` over ``axes``. float16/bfloat16 inputs are reduced in float32 and
    the results clipped to the input dtype's range before the cast back, as Keras does.
    ``synchronized`` (cross-device statistics) changes nothing on one process."""
    x = floating(x)
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    dtype = x.dtype
    low_precision = dtype.name in ("float16", "bfloat16")
    if low_precision:
        x = x.astype("float32")
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.var(x, axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = jnp.squeeze(mean, axes), jnp.squeeze(variance, axes)
    if low_precision:
        limit = float(jnp.finfo(dtype).max)
        mean = jnp.clip(mean, -limit, limit).astype(dtype)
        variance = jnp.clip(variance, -limit, limit).astype(dtype)
    return mean, variance


@op("x", "mean", "variance", "offset", "scale")
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, computed as Keras does:
    ``x * inv + (offset - mean * inv)`` with ``inv = rsqrt(variance + epsilon) * scale``."""
    x = tensor(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def along_axis(value):
        value = tensor(value)
        return jnp.reshape(value, shape) if value.ndim == 1 else value

    mean, variance = along_axis(mean), along_axis(variance)
    inv = lax.rsqrt(variance + epsilon)
    if scale is not None:
        inv = inv * along_axis(scale)
    shift = -mean * inv
    if offset is not None:
        shift = shift + along_axis(offset)
    return jnp.add(x * inv, shift)
