"""Reductions over axes.

Sums and products of bool and narrow integers accumulate in 32 bits (x64 would
otherwise make them int64); means and variances of integers are ``floatx()``;
float16/bfloat16 statistics are computed in float32 and cast back, as Keras does.
"""

import jax.nn as jnn
import jax.numpy as jnp

from ... import config
from ..convert import axis_argument, floating, tensor
from ..dispatch import op
from ..dtypes import INEXACT, accumulation_dtype

__all__ = ["sum", "mean", "max", "min", "prod", "var", "std", "argmax", "argmin", "logsumexp",
           "all", "any", "cumsum"]

_LOW_PRECISION = ("float16", "bfloat16")


@op("x")
def sum(x, axis=None, keepdims=False):
    x = tensor(x)
    return jnp.sum(x, axis=axis_argument(axis), keepdims=keepdims,
                   dtype=accumulation_dtype(x.dtype))


@op("x")
def mean(x, axis=None, keepdims=False):
    return _statistic(jnp.mean, x, axis, keepdims)


@op("x")
def max(x, axis=None, keepdims=False):
    return jnp.max(tensor(x), axis=axis_argument(axis), keepdims=keepdims)


@op("x")
def min(x, axis=None, keepdims=False):
    return jnp.min(tensor(x), axis=axis_argument(axis), keepdims=keepdims)


@op("x")
def prod(x, axis=None, keepdims=False):
    x = tensor(x)
    return jnp.prod(x, axis=axis_argument(axis), keepdims=keepdims,
                    dtype=accumulation_dtype(x.dtype))


@op("x")
def var(x, axis=None, keepdims=False):
    return _statistic(jnp.var, x, axis, keepdims)


@op("x")
def std(x, axis=None, keepdims=False):
    return _statistic(jnp.std, x, axis, keepdims)


def _statistic(reduce, x, axis, keepdims):
    """``reduce`` (mean, var, std) of ``x`` in floatx for integers; in float32, cast back,
    for float16 and bfloat16."""
    x = tensor(x)
    if x.dtype not in INEXACT:
        x = x.astype(config.floatx())
    if x.dtype.name in _LOW_PRECISION:
        return reduce(x, axis=axis_argument(axis), keepdims=keepdims,
                      dtype="float32").astype(x.dtype)
    return reduce(x, axis=axis_argument(axis), keepdims=keepdims)


@op("x", differentiable=False)
def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(tensor(x), axis=axis, keepdims=keepdims).astype("int32")


@op("x", differentiable=False)
def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(tensor(x), axis=axis, keepdims=keepdims).astype("int32")


@op("x")
def logsumexp(x, axis=None, keepdims=False):
    return jnn.logsumexp(floating(x), axis=axis_argument(axis), keepdims=keepdims)


@op("x", differentiable=False)
def all(x, axis=None, keepdims=False):
    return jnp.all(tensor(x), axis=axis_argument(axis), keepdims=keepdims)


@op("x", differentiable=False)
def any(x, axis=None, keepdims=False):
    return jnp.any(tensor(x), axis=axis_argument(axis), keepdims=keepdims)


@op("x")
def cumsum(x, axis=None):
    x = tensor(x)
    return jnp.cumsum(x, axis=axis, dtype=accumulation_dtype(x.dtype))
