"""The jax backend: the reference every gradient is cross-checked against.

Ops are ``jax.numpy`` / ``jax.lax`` / ``jax.nn``; native tensors are raw
``jax.Array``s, so ``jax.jit`` and ``jax.grad`` trace through every op;
``value_and_grad`` is ``jax.value_and_grad`` and the GradientTape records each
op's ``jax.vjp``. Importing this module enables ``jax_enable_x64`` (float64
exists), and every op passes explicit dtypes so that float32 stays float32.
"""

import jax

jax.config.update("jax_enable_x64", True)

from .backend import JaxBackend  # noqa: E402  (after x64 is enabled)

#: the backend object (one per process)
backend = JaxBackend()
