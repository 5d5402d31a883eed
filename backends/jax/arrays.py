"""Arrays and dtypes: conversion, introspection and creation ops of the jax backend.

The native tensor is the raw ``jax.Array`` (so ``jax.jit`` and ``jax.grad``
trace through every op). Creation ops default to ``floatx()`` and always pass
an explicit dtype: with x64 on (see ``dtypes.py``), JAX's own default is float64.
"""

import jax
import jax.numpy as jnp
import numpy as np

from .. import config
from ..variable import Variable
from .convert import read_variable, shape_argument, tensor, to_array
from .dispatch import op
from .dtypes import PYTHON_SCALARS, python_scalar_dtype, standardize_dtype

__all__ = ["convert_to_tensor", "convert_to_numpy", "is_tensor", "cast", "dtype", "shape",
           "ndim", "size", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like",
           "arange", "eye"]


def convert_to_tensor(x, dtype=None):
    if isinstance(x, jax.Array):
        return x if dtype is None else cast(x, dtype)
    if isinstance(x, Variable):
        value = read_variable(x)
        return value if dtype is None else cast(value, dtype)
    return to_array(x, standardize_dtype(dtype))


def convert_to_numpy(x):
    """``x`` as a writable numpy array (a copy of a jax array's data, as Keras makes)."""
    if isinstance(x, Variable):
        x = read_variable(x)
    if isinstance(x, np.ndarray):
        return x
    return np.array(x if isinstance(x, jax.Array) else to_array(x))


def is_tensor(x):
    return isinstance(x, jax.Array)


@op("x")
def cast(x, dtype):
    x = tensor(x)
    dtype = standardize_dtype(dtype)
    if x.dtype == dtype:
        return x
    return x.astype(dtype)


def dtype(x):
    return _dtype_name(x)


def _dtype_name(x):
    if isinstance(x, (jax.Array, np.ndarray, np.generic)):
        return standardize_dtype(x.dtype)
    if isinstance(x, Variable):
        return x.dtype
    if type(x) in PYTHON_SCALARS:
        return python_scalar_dtype(x)
    return standardize_dtype(to_array(x).dtype)


def shape(x):
    if isinstance(x, (jax.Array, np.ndarray, Variable)):
        return tuple(x.shape)
    return tuple(np.shape(to_array(x)))


def ndim(x):
    return len(shape(x))


def size(x):
    return int(np.prod(shape(x), dtype=np.int64))


def _dtype_or_floatx(dtype):
    return standardize_dtype(dtype) or config.floatx()


def zeros(shape, dtype=None):
    return jnp.zeros(shape_argument(shape), dtype=_dtype_or_floatx(dtype))


def ones(shape, dtype=None):
    return jnp.ones(shape_argument(shape), dtype=_dtype_or_floatx(dtype))


def full(shape, fill_value, dtype=None):
    return jnp.full(shape_argument(shape), _fill(fill_value), dtype=_dtype_or_floatx(dtype))


def _fill(value):
    return value if type(value) in PYTHON_SCALARS else tensor(value)


def zeros_like(x, dtype=None):
    return jnp.zeros(shape(x), dtype=standardize_dtype(dtype) or _dtype_name(x))


def ones_like(x, dtype=None):
    return jnp.ones(shape(x), dtype=standardize_dtype(dtype) or _dtype_name(x))


def full_like(x, fill_value, dtype=None):
    return jnp.full(shape(x), _fill(fill_value), dtype=standardize_dtype(dtype) or _dtype_name(x))


def arange(start, stop=None, step=1, dtype=None):
    if dtype is None:
        integers = all(v is None or isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = "int32" if integers else config.floatx()
    if stop is None:
        start, stop = 0, start
    return jnp.arange(start, stop, step, dtype=standardize_dtype(dtype))


def eye(N, M=None, k=0, dtype=None):
    return jnp.eye(N, M, k, dtype=_dtype_or_floatx(dtype))
