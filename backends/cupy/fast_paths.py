"""CuPy's fast paths: the engine's overrides for CuPy on an NVIDIA GPU.

Built as numpy's are (``backends/numpy/fast_paths.py``): a table of
:class:`~kerasette.backends.autodiff.registry.Override` (the forward and/or the
gradient rule of named primitives) handed to the engine by ``CupyBackend``. The
fused CUDA kernels go here; each must pass the same cross-checks against JAX as
the rule it replaces. This module imports no CuPy, so the table can be checked
on machines without a GPU.
"""

#: ``{primitive name: Override}``; none yet: the generic rules run as they are (numpy's CPU
#: tunings, the bitwise select and batch chunking, would only slow a GPU).
OVERRIDES = {}
