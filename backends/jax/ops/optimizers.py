"""Optimizer kernels in ``jax.numpy`` (mirrors ``autodiff/rules/optimizers.py``); under
``jax.jit`` XLA fuses each into one pass over the variable."""

import functools

import jax
import jax.numpy as jnp

from ..convert import tensor
from ..dispatch import op

__all__ = ["adam_update"]

_FLUSHED_DTYPES = ("float32", "float64")


def _flush_denormals(x):
    if x.dtype.name not in _FLUSHED_DTYPES:
        return x
    return jnp.where(jnp.abs(x) < jnp.finfo(x.dtype).tiny, jnp.zeros((), x.dtype), x)


@op("variable", "gradient", "m", "v", "alpha", differentiable=False)
def adam_update(variable, gradient, m, v, alpha, beta_1, beta_2, epsilon, flush=True):
    # flushes at every step (XLA fuses it into the update), whatever ``flush`` says
    variable, gradient, m, v, alpha = (tensor(a) for a in (variable, gradient, m, v, alpha))
    return _adam_update(variable, gradient, m, v, alpha, beta_1, beta_2, epsilon)


# one program per variable shape: outside a compiled step (an eager GradientTape loop, a
# stateful train_step) JAX would otherwise compile and run each of the update's dozen ops
# on its own; inside one, jax.jit is inlined. The hyperparameters stay Python floats (static),
# so that `1 - beta_1` is computed as before, in double precision
@functools.partial(jax.jit, static_argnums=(5, 6, 7))
def _adam_update(variable, gradient, m, v, alpha, beta_1, beta_2, epsilon):
    m = _flush_denormals(m + (gradient - m) * (1 - beta_1))
    v = _flush_denormals(v + (gradient * gradient - v) * (1 - beta_2))
    return variable - m * alpha / (jnp.sqrt(v) + epsilon), m, v
