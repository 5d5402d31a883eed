"""One step of the recurrent cells in ``jax.numpy`` (mirrors ``autodiff/rules/
recurrent.py``, Keras 3's gates); JAX's autodiff differentiates them, and a layer's
``lax.scan`` compiles the step once for all timesteps."""

import jax.nn as jnn
import jax.numpy as jnp

from ..convert import floating
from ..dispatch import op

__all__ = ["simple_rnn_cell", "lstm_cell", "gru_cell"]


@op("inputs", "state", "recurrent_kernel")
def simple_rnn_cell(inputs, state, recurrent_kernel):
    return jnp.tanh(floating(inputs) + jnp.matmul(floating(state), floating(recurrent_kernel)))


@op("inputs", "state_h", "state_c", "recurrent_kernel")
def lstm_cell(inputs, state_h, state_c, recurrent_kernel):
    z = floating(inputs) + jnp.matmul(floating(state_h), floating(recurrent_kernel))
    i, f, c, o = jnp.split(z, 4, axis=-1)
    carry = jnn.sigmoid(f) * floating(state_c) + jnn.sigmoid(i) * jnp.tanh(c)
    return jnn.sigmoid(o) * jnp.tanh(carry), carry


@op("inputs", "state", "recurrent_kernel", "recurrent_bias")
def gru_cell(inputs, state, recurrent_kernel, recurrent_bias, reset_after=True):
    inputs, state = floating(inputs), floating(state)
    recurrent_kernel, recurrent_bias = floating(recurrent_kernel), floating(recurrent_bias)
    x_z, x_r, x_h = jnp.split(inputs, 3, axis=-1)
    units = state.shape[-1]
    if reset_after:
        r_z, r_r, r_h = jnp.split(jnp.matmul(state, recurrent_kernel) + recurrent_bias, 3, axis=-1)
        r = jnn.sigmoid(x_r + r_r)
        candidate = jnp.tanh(x_h + r * r_h)
    else:
        inner = (jnp.matmul(state, recurrent_kernel[:, :2 * units])
                 + recurrent_bias[:2 * units])
        r_z, r_r = jnp.split(inner, 2, axis=-1)
        r = jnn.sigmoid(x_r + r_r)
        candidate = jnp.tanh(x_h + jnp.matmul(r * state, recurrent_kernel[:, 2 * units:])
                             + recurrent_bias[2 * units:])
    z = jnn.sigmoid(x_z + r_z)
    return z * state + (1 - z) * candidate
