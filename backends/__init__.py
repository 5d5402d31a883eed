"""kerasette's engines, installed as ``kerasette.backends``.

Each backend implements the one contract in :mod:`kerasette.backends.interface`:

- ``numpy``: the reverse-mode autodiff engine of :mod:`~kerasette.backends.autodiff`
  bound to numpy;
- ``cupy``: the same engine bound to CuPy (NVIDIA GPUs);
- ``jax``: the reference, ops in ``jax.numpy`` with JAX's own autodiff.

Nothing here imports the public API (layers, models, ...): arrows point down.
"""

BACKEND_NAMES = ("numpy", "cupy", "jax")
