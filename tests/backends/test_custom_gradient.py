"""``ops.custom_gradient``: Keras 3's signature, on every backend.

The cross-check table (``op_specs.py``) compares a custom ``log1pexp`` and a two-argument,
two-output function between the numpy engine and JAX (``jax.custom_gradient``), with
finite differences and Hessian-vector products. Here: the numerically stable gradient
that is the point of it, against the real Keras on JAX; second derivatives through nested
tapes; ``kerasette.testing.check_gradients`` catching a wrong custom gradient; Variables,
errors, the engine's ``jit`` replay, and a function decorated once running on each backend.
"""

import numpy as np
import pytest

import kerasette
from kerasette import ops
from kerasette.backends.numpy import backend as NP
from kerasette.testing import check_gradients

X = np.array([-3.0, 0.0, 2.0, 100.0], dtype=np.float32)


def _log1pexp(o, stable=True):
    """Keras's documented example, written with ``o`` (kerasette.ops or keras.ops)."""
    @o.custom_gradient
    def log1pexp(x):
        e = o.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            # the stable form 1 - 1 / (1 + e); the wrong one forgets the "1 -"
            slope = o.subtract(1.0, o.divide(1.0, o.add(1.0, e))) if stable else \
                o.divide(1.0, o.add(1.0, e))
            return o.multiply(upstream, slope)
        return o.log(o.add(1.0, e)), grad
    return log1pexp


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")  # the value at 100 is inf
def test_stable_gradient_matches_keras_on_jax(backend, keras):
    import jax
    expected = jax.grad(lambda x: keras.ops.sum(_log1pexp(keras.ops)(x)))(X)
    log1pexp = _log1pexp(ops)
    value, gradient = ops.value_and_grad(lambda x: ops.sum(log1pexp(x)))(ops.convert_to_tensor(X))
    # without the custom rule, exp(100) overflows float32 and the gradient is nan
    np.testing.assert_allclose(ops.convert_to_numpy(gradient), np.asarray(expected), rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(gradient), _sigmoid(X), rtol=1e-6)
    assert ops.convert_to_numpy(gradient).dtype == np.float32
    with kerasette.GradientTape() as tape:
        x = ops.convert_to_tensor(X)
        tape.watch(x)
        y = log1pexp(x)
    np.testing.assert_allclose(ops.convert_to_numpy(tape.gradient(y, x)), _sigmoid(X), rtol=1e-6)


def test_second_derivative_through_nested_tapes(backend):
    # the rule is written with ops and closes over exp(x): an outer tape differentiates it
    x = ops.convert_to_tensor(X[:3])
    log1pexp = _log1pexp(ops)
    with kerasette.GradientTape() as outer:
        outer.watch(x)
        with kerasette.GradientTape() as inner:
            inner.watch(x)
            y = ops.sum(log1pexp(x))
        slope = inner.gradient(y, x)
    curvature = outer.gradient(slope, x)
    s = _sigmoid(X[:3])
    np.testing.assert_allclose(ops.convert_to_numpy(curvature), s * (1 - s), rtol=1e-5)


def test_check_gradients_tests_a_custom_gradient():
    # (against finite differences: the comparison with JAX's custom rule is op_specs')
    rng = np.random.default_rng(3)
    report = check_gradients(lambda x: _log1pexp(ops)(x), rng.normal(size=(3, 2)), order=2,
                             reference=None)
    assert report.passed and {c.check for c in report.checks} == {
        "gradient: numpy vs finite diff.", "Hessian-vector: numpy vs f.d."}
    with pytest.raises(AssertionError, match="numpy vs finite diff"):
        check_gradients(lambda x: _log1pexp(ops, stable=False)(x), rng.normal(size=(3, 2)),
                        reference=None)


def test_variables_structures_and_errors(backend):
    @ops.custom_gradient
    def scaled(params, x):
        def grad(upstream):
            # one entry per argument, the first in its structure
            return {"scale": ops.sum(upstream * x), "unused": None}, upstream * params["scale"]
        return params["scale"] * x, grad

    scale = kerasette.Variable(2.0)
    x = ops.convert_to_tensor(X[:3])
    with kerasette.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(scaled({"scale": scale, "unused": 1.0}, x))
    d_scale, d_x = tape.gradient(y, [scale, x])
    np.testing.assert_allclose(ops.convert_to_numpy(d_scale), X[:3].sum(), rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(d_x), np.full(3, 2.0))

    @ops.custom_gradient
    def wrong_shape(x):
        return ops.sin(x), lambda upstream: ops.sum(upstream)

    with pytest.raises(ValueError, match="shape"):
        ops.grad(lambda x: ops.sum(wrong_shape(x)))(x)
    with pytest.raises(TypeError, match="output, grad_fn"):
        ops.custom_gradient(lambda x: x)(x)


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")
def test_engine_jit_replays_a_custom_gradient():
    log1pexp = _log1pexp(ops)

    def step(x):
        return NP.value_and_grad(lambda x: NP.sum(log1pexp(x) * x))(x)

    compiled = NP.jit(step)
    for shift in range(3):
        x = NP.convert_to_tensor(X + shift)
        for got, want in zip(compiled(x), step(x)):
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    assert compiled.replaying() == 1 and not compiled.eager_reasons()


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")
def test_one_decoration_runs_on_each_backend():
    jax = pytest.importorskip("jax")
    log1pexp = _log1pexp(ops)  # decorated under the default backend
    with kerasette.backend.use("jax"):
        gradient = jax.jit(jax.grad(lambda x: ops.sum(log1pexp(x))))(X)
    np.testing.assert_allclose(np.asarray(gradient), _sigmoid(X), rtol=1e-6)
    with kerasette.backend.use("numpy"):
        gradient = ops.grad(lambda x: ops.sum(log1pexp(x)))(ops.convert_to_tensor(X))
    np.testing.assert_allclose(ops.convert_to_numpy(gradient), _sigmoid(X), rtol=1e-6)
