"""Random draws with ``jax.random``, from a seed state ``[seed, counter]`` (uint32).

The state is the key's data (threefry), as in Keras 3's jax backend, so an int
seed gives the same numbers as ``keras.random`` on JAX. It may be a traced value:
every draw works under ``jax.jit``. The backend resolves the ``seed`` argument
(an int, a SeedGenerator or None) into a state; see ``backends/seed.py``.
"""

import jax
import jax.numpy as jnp
from jax import lax

from ... import config
from ..convert import axis_argument, shape_argument, tensor
from ..dispatch import op
from ..dtypes import standardize_dtype


def key(state):
    """The ``jax.random`` key whose data is the uint32 state ``[seed, counter]``."""
    return jax.random.wrap_key_data(jnp.asarray(state, dtype="uint32"), impl="threefry2x32")


def normal(state, shape, mean, stddev, dtype):
    sample = jax.random.normal(key(state), shape_argument(shape), dtype=_float(dtype))
    return sample * stddev + mean


def uniform(state, shape, minval, maxval, dtype):
    dtype = _float(dtype)
    return jax.random.uniform(key(state), shape_argument(shape), dtype=dtype,
                              minval=minval, maxval=maxval)


def truncated_normal(state, shape, mean, stddev, dtype):
    sample = jax.random.truncated_normal(key(state), -2.0, 2.0, shape_argument(shape),
                                         dtype=_float(dtype))
    return sample * stddev + mean


def randint(state, shape, minval, maxval, dtype):
    return jax.random.randint(key(state), shape_argument(shape), minval, maxval,
                              dtype=standardize_dtype(dtype))


@op("inputs")
def dropout(inputs, rate, noise_shape, state):
    """Keeps each entry with probability ``1 - rate`` (scaled by ``1 / (1 - rate)``), one mask
    broadcast over the axes where ``noise_shape`` is 1 (None entries: the input's size).
    Differentiable in ``inputs``; the state is drawn before, so the op is pure."""
    inputs = tensor(inputs)
    if isinstance(rate, (int, float)):
        if rate == 0:
            return inputs
        if rate == 1:
            return jnp.zeros_like(inputs)
    keep = 1.0 - rate
    if noise_shape is None:
        noise_shape = inputs.shape
    else:
        noise_shape = tuple(n if s is None else int(s) for n, s in zip(inputs.shape, noise_shape))
    # p in float32 (not x64's float64): the same draws, and masks, as Keras on JAX
    mask = jax.random.bernoulli(key(state), p=jnp.asarray(keep, dtype="float32"), shape=noise_shape)
    mask = jnp.broadcast_to(mask, inputs.shape)
    return lax.select(mask, inputs / keep, jnp.zeros_like(inputs))


def shuffle(state, x, axis):
    """``x`` permuted along ``axis``, each 1-D slice along it on its own
    (``jax.random.permutation(..., independent=True)``, as Keras's jax backend)."""
    return jax.random.permutation(key(state), tensor(x), axis=axis_argument(axis),
                                  independent=True)


def _float(dtype):
    dtype = standardize_dtype(dtype) or config.floatx()
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"This random op draws floats; dtype must be a float dtype, got {dtype!r}.")
    return dtype
