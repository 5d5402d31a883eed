"""Optimizer kernels (``Backend.adam_update``): the engine's generic rule, numpy's fused
override and the jax backend against Keras 3's formulas in float64, their denormal
flushing, and that they leave their inputs alone."""

import crosscheck as cc
import numpy as np
import pytest

from kerasette.backends.numpy import NumpyBackend

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def backends():
    found = {"numpy (fused)": NumpyBackend(), "numpy (generic rule)": NumpyBackend(overrides={})}
    J, _ = cc.load_backend("jax")
    if J is not None:
        found["jax"] = J
    return found


def keras_adam(variable, gradient, m, v, alpha):
    """Keras 3's Adam.update_step in float64 numpy (without the flush)."""
    m = m + (gradient - m) * (1 - BETA_1)
    v = v + (np.square(gradient) - v) * (1 - BETA_2)
    return variable - (m * alpha) / (np.sqrt(v) + EPSILON), m, v


def inputs(dtype, shape=(37, 11), seed=0):
    rng = np.random.default_rng(seed)
    variable, gradient, m = (rng.normal(size=shape).astype(dtype) for _ in range(3))
    v = rng.uniform(0.01, 1.0, size=shape).astype(dtype)
    return variable, gradient, m, v, np.asarray(3e-3, dtype)


@pytest.mark.parametrize("name", list(backends()))
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-6)])
def test_adam_update_is_keras_adam(name, dtype, tol):
    B = backends()[name]
    args = inputs(dtype)
    copies = [a.copy() for a in args]
    outputs = [B.convert_to_numpy(o) for o in B.adam_update(*args, BETA_1, BETA_2, EPSILON)]
    expected = keras_adam(*(a.astype("float64") for a in args))
    for out, want, what in zip(outputs, expected, ("variable", "m", "v")):
        assert out.dtype == np.dtype(dtype), f"{name}: {what} is {out.dtype}, not {dtype}"
        np.testing.assert_allclose(out, want, rtol=tol, atol=tol, err_msg=f"{name}: {what}")
    for before, after in zip(copies, args):
        np.testing.assert_array_equal(before, after)  # the inputs are not written


@pytest.mark.parametrize("name", list(backends()))
def test_adam_update_leaves_no_denormal_moment_in_float32(name):
    B = backends()[name]
    tiny = float(np.finfo(np.float32).tiny)
    # m + (g - m) * 0.1 lands at +-5e-39 (denormal) from normal operands; 20 * tiny decays
    # to 18 * tiny; v decays by 0.999 across tiny (XLA's CPU arithmetic flushes the denormal
    # intermediate and keeps v; numpy's flush sets it to 0: either way, no denormal)
    m = np.array([2e-37, -2e-37, 20 * tiny, 0.5], "float32")
    g = np.array([-1.75e-36, 1.75e-36, 0.0, 0.0], "float32")
    v = np.array([1.0005 * tiny, 1.0005 * tiny, 1.0, 0.25], "float32")
    _, new_m, new_v = (B.convert_to_numpy(o) for o in B.adam_update(
        np.ones(4, "float32"), g, m, v, np.float32(1e-3), BETA_1, BETA_2, EPSILON))
    assert new_m[:2].tolist() == [0.0, 0.0], f"{name}: {new_m[:2]} should be flushed to 0"
    np.testing.assert_allclose(new_m[2:], m[2:] * 0.9, rtol=1e-6)
    np.testing.assert_allclose(new_v[2:], v[2:] * 0.999, rtol=1e-6)
    for moment in (new_m, new_v):
        assert np.all(np.abs(moment[moment != 0]) >= tiny), f"{name}: denormal in {moment}"


@pytest.mark.parametrize("flush", [False, np.array(False), "tensor False"])
def test_the_fused_kernel_skips_the_flush_when_not_due(flush):
    B = NumpyBackend()
    if isinstance(flush, str):
        flush = B.convert_to_tensor(np.array(False))
    tiny = float(np.finfo(np.float32).tiny)
    m = np.array([2e-37, 0.5], "float32")
    g = np.array([-1.75e-36, 0.0], "float32")  # m + (g - m) * 0.1 is denormal
    v = np.array([1.0, 0.25], "float32")
    args = (np.ones(2, "float32"), g, m, v, np.float32(1e-3), BETA_1, BETA_2, EPSILON)
    _, kept, _ = (B.convert_to_numpy(o) for o in B.adam_update(*args, flush=flush))
    _, flushed, _ = (B.convert_to_numpy(o) for o in B.adam_update(
        *args, flush=B.convert_to_tensor(np.array(True))))
    assert 0 < abs(kept[0]) < tiny and flushed[0] == 0.0
    assert kept[1] == flushed[1]
