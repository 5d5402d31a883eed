"""Optimizer kernels: an optimizer's whole update of one variable as one primitive.

Written here once with ``xp``, readable and the same formulas as Keras 3 (the optimizers'
generic code in ``kerasette/optimizers/`` states them with ``ops``); a backend replaces the
forward with a fused one (numpy: ``out=`` chains in ``backends/numpy/fast_paths.py``).
Kernels are never recorded on a tape: an update runs after the gradients are taken.
"""

from ..registry import defop

#: dtypes whose denormal values the kernels set to 0 (see
#: ``kerasette.optimizers.optimizer.flush_denormals``: slow on the CPU's vector units)
FLUSHED_DTYPES = ("float32", "float64")


def flush_denormals(xp, x):
    """``x`` with the values smaller in magnitude than its dtype's smallest normal set to 0
    (float32 and float64; other dtypes unchanged)."""
    if x.dtype.name not in FLUSHED_DTYPES:
        return x
    return xp.where(xp.abs(x) < xp.finfo(x.dtype).tiny, 0, x)


@defop("adam_update", inputs=5, differentiable=False, outputs=3)
def adam_update(xp, variable, gradient, m, v, alpha, beta_1, beta_2, epsilon, flush=True):
    # flushes at every step whatever ``flush`` says (allowed by the contract): one rule
    # for every array module, with no branch on a device value
    m = flush_denormals(xp, m + (gradient - m) * (1 - beta_1))
    v = flush_denormals(xp, v + (gradient * gradient - v) * (1 - beta_2))
    return variable - m * alpha / (xp.sqrt(v) + epsilon), m, v
