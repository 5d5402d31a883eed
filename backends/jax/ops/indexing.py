"""Indexing: get_item (``x[key]``), slice, take, take_along_axis, one_hot.

Gathers are JAX's: their gradients scatter-add, so repeated indices accumulate.
As in JAX (and Keras's jax backend), ``take`` wraps negative indices and fills
out-of-range ones with NaN instead of raising.
"""

import builtins

import jax
import jax.nn as jnn
import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import config
from ..convert import as_input, tensor
from ..dispatch import op
from ..dtypes import standardize_dtype

__all__ = ["get_item", "slice", "take", "take_along_axis", "one_hot"]


@op("x")
def get_item(x, key):
    """``x[key]``: ints, slices, None, Ellipsis, integer index arrays (tensors, numpy arrays,
    lists) and boolean masks (outside ``jax.jit``: the result's shape depends on them)."""
    if type(key) is tuple:
        key = tuple(_index(k) for k in key)
    else:
        key = _index(key)
    return tensor(x)[key]


def _index(k):
    """One entry of an indexing key in a form ``jax.Array.__getitem__`` takes."""
    if k is None or k is Ellipsis or isinstance(k, (int, np.integer)):
        return k
    if isinstance(k, builtins.slice):
        return builtins.slice(_bound(k.start), _bound(k.stop), _bound(k.step))
    if isinstance(k, (list, tuple)):
        k = np.asarray(k)
        return k.astype("int32") if k.size == 0 else k  # [] is an empty list of positions
    if isinstance(k, np.ndarray):
        return k
    return as_input(k)  # tensors and Variables (another backend's raise here)


def _bound(value):
    return value if value is None or isinstance(value, int) else int(value)


@op("inputs")
def slice(inputs, start_indices, shape):
    """The block of ``inputs`` at ``start_indices`` of extent ``shape``
    (``lax.dynamic_slice``: starts are clamped so the block lies inside, as in Keras)."""
    if isinstance(start_indices, (list, tuple)):
        start_indices = [s if isinstance(s, jax.Array) else int(s) for s in start_indices]
    else:
        start_indices = list(tensor(start_indices))
    return lax.dynamic_slice(tensor(inputs), start_indices, tuple(int(n) for n in shape))


@op("x")
def take(x, indices, axis=None):
    return jnp.take(tensor(x), _indices(indices), axis=axis)


@op("x")
def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(tensor(x), _indices(indices), axis=axis)


def _indices(indices):
    if isinstance(indices, (list, tuple)):
        indices = np.asarray(indices)
        return indices.astype("int32") if indices.size == 0 else indices
    return indices if isinstance(indices, np.ndarray) else tensor(indices)


@op("x", differentiable=False)
def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot rows along ``axis``; an index outside ``[0, num_classes)`` gives zeros."""
    return jnn.one_hot(tensor(x), num_classes, dtype=standardize_dtype(dtype) or config.floatx(),
                       axis=axis)
