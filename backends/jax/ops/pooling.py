"""Pooling: ``max_pool`` and ``average_pool`` with ``lax.reduce_window``, as Keras 3's jax
backend computes them.

``strides`` default to ``pool_size``; ``padding="same"`` is TensorFlow's. Max pooling's
gradient (JAX's) goes to the first maximum of each window. Average pooling with "same"
divides each window's sum by the number of real (unpadded) cells it covers.
"""

import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..convert import floating, tensor
from ..dispatch import op
from ...geometry import pool_arguments, spatial_sizes

__all__ = ["max_pool", "average_pool"]


@op("inputs")
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    inputs = tensor(inputs)
    window, strides, padding, data_format = _geometry("max_pool", inputs.shape, pool_size,
                                                      strides, padding, data_format)
    return lax.reduce_window(inputs, _lowest(inputs.dtype), lax.max,
                             _full(window, data_format), _full(strides, data_format), padding)


@op("inputs")
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    inputs = floating(inputs)
    window, strides, padding, data_format = _geometry("average_pool", inputs.shape, pool_size,
                                                      strides, padding, data_format)
    total = lax.reduce_window(inputs, np.zeros((), inputs.dtype), lax.add,
                              _full(window, data_format), _full(strides, data_format), padding)
    if padding == "VALID":
        return total / math.prod(window)
    return total / jnp.asarray(_window_counts(inputs.shape, window, strides, data_format),
                               dtype=inputs.dtype)


def _geometry(name, shape, pool_size, strides, padding, data_format):
    """Validated ``(window, strides, padding, data_format)``; ``padding`` as ``lax`` spells it."""
    window, strides, padding, data_format = pool_arguments(name, shape, pool_size, strides,
                                                           padding, data_format)
    return window, strides, padding.upper(), data_format


def _full(per_spatial, data_format):
    """A per-spatial-dimension tuple extended with 1 for the batch and channel axes."""
    if data_format == "channels_last":
        return (1, *per_spatial, 1)
    return (1, 1, *per_spatial)


def _lowest(dtype):
    """The identity of ``max`` for ``dtype``, as a numpy scalar of that dtype."""
    if dtype == bool:
        return np.zeros((), bool)
    if np.issubdtype(dtype, np.integer):
        return np.array(np.iinfo(dtype).min, dtype)
    return np.array(-np.inf, dtype)


def _window_counts(shape, window, strides, data_format):
    """Number of real cells in each "same"-padded window, shaped to divide the output."""
    counts = np.ones((), dtype="float64")
    for n, k, s in zip(spatial_sizes(shape, data_format), window, strides):
        out = -(-n // s)
        low = max((out - 1) * s + k - n, 0) // 2
        starts = np.arange(out) * s - low
        per_dim = np.minimum(starts + k, n) - np.maximum(starts, 0)
        counts = counts[..., None] * per_dim
    return counts[None, ..., None] if data_format == "channels_last" else counts[None, None]
