"""CuPy's fast paths: the engine's overrides for CuPy on an NVIDIA GPU.

Built as numpy's are (``backends/numpy/fast_paths.py``): a table of
:class:`~kerasette.backends.autodiff.registry.Override` (the forward and/or the
gradient rule of named primitives) handed to the engine by ``CupyBackend``, each
passing the same cross-checks against JAX as the rule it replaces (the op table's
``+cupy`` cases, ``tests/backends/test_gradients.py``, on the GPU).

The fused kernels are ``cupy.ElementwiseKernel``s, compiled by CuPy at their first call.
Where there is no CUDA (the test suite's CPU stand-in for CuPy, ``tests/cupy_standin``),
the table is empty and the generic rules run: the stand-in checks those, the GPU run
(``benchmarks/gpu_check.sh``) checks these. numpy's CPU tunings (the bitwise select,
batch chunking of the convolutions) are not here: they would only slow a GPU.

Kernels so far:

- ``adam_update``: Adam's update of one variable and its two moments in one pass over
  the four arrays (the generic rule launches about fourteen elementwise kernels, each a
  full pass), the denormal flush inside at no extra pass.
"""

import functools

from ..autodiff.registry import OPS, Override

try:
    import cupy
except ImportError:  # the table is read without CuPy on machines without a GPU
    cupy = None

# the same formulas, in the same order, as the generic rule
# (backends/autodiff/rules/optimizers.py); ``one_minus_beta_*`` are computed in Python
# as the generic rule's ``1 - beta`` is, and flushing every step is the generic rule's
# behaviour too (the contract allows it; here it costs no pass)
_ADAM_SOURCE = """
    T new_m_value = m + (gradient - m) * one_minus_beta_1;
    T new_v_value = v + (gradient * gradient - v) * one_minus_beta_2;
    if (fabs(new_m_value) < tiny) new_m_value = 0;
    if (new_v_value < tiny) new_v_value = 0;
    new_m = new_m_value;
    new_v = new_v_value;
    new_variable = variable - new_m_value * alpha / (sqrt(new_v_value) + epsilon);
"""


@functools.cache
def _adam_kernel():
    return cupy.ElementwiseKernel(
        "T variable, T gradient, T m, T v, T alpha, T one_minus_beta_1, T one_minus_beta_2, "
        "T epsilon, T tiny",
        "T new_variable, T new_m, T new_v",
        _ADAM_SOURCE, "kerasette_adam_update")


def adam_update(xp, variable, gradient, m, v, alpha, beta_1, beta_2, epsilon, flush=True):
    """``adam_update`` as one fused kernel (float32 and float64; other dtypes take the
    generic rule). ``flush`` is not read: the kernel flushes at every step, so no device
    flag is read back to the host."""
    dtype = variable.dtype
    if dtype not in (xp.float32, xp.float64) or not (
            gradient.dtype == m.dtype == v.dtype == dtype):
        return OPS["adam_update"].forward(xp, variable, gradient, m, v, alpha, beta_1, beta_2,
                                          epsilon, flush)
    if isinstance(alpha, xp.ndarray) and alpha.dtype != dtype:
        alpha = alpha.astype(dtype)
    return _adam_kernel()(variable, gradient, m, v, alpha, 1 - beta_1, 1 - beta_2, epsilon,
                          xp.finfo(dtype).tiny)


#: ``{primitive name: Override}``: the fused kernels where CUDA is (not on the stand-in)
OVERRIDES = ({"adam_update": Override(forward=adam_update)}
             if cupy is not None and hasattr(cupy, "ElementwiseKernel") else {})
