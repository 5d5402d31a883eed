"""The jax backend: the reference every gradient is cross-checked against.

Ops are ``jax.numpy`` / ``jax.lax`` / ``jax.nn``; native tensors are raw
``jax.Array``s, so ``jax.jit`` and ``jax.grad`` trace through every op;
``value_and_grad`` is ``jax.value_and_grad`` and the GradientTape records each
op's ``jax.vjp``. Importing this module changes no JAX setting: JAX's
``jax_enable_x64`` is turned on only when float64 work is asked of the backend
(see ``dtypes.py``), and every op passes explicit dtypes, so that float32 stays
float32 either way.
"""

from .. import config
from .backend import JaxBackend
from .dtypes import require_x64

# floatx float64 (set now, from the config file, or later) is float64 work
config.on_set_floatx(lambda floatx: require_x64() if floatx == "float64" else None)

#: the backend object (one per process)
backend = JaxBackend()
