"""kerasette.testing: check_gradients passes correct gradients and catches wrong ones."""

import numpy as np
import pytest

import kerasette
from kerasette import ops
from kerasette.testing import check_gradients, finite_difference, relative_error

RNG = np.random.default_rng(0)


def dense_softplus_loss(x, kernel, bias, target):
    """A dense layer, an activation and a loss: a user's function written with ops."""
    hidden = ops.softplus(ops.matmul(x, kernel) + bias)
    return ops.mean(ops.square(hidden - target))


def cube_with_wrong_gradient(x):
    """Values x ** 3, gradient 3 x ** 2 ... but written so that reverse mode sees 2 x."""
    y = x * x
    return y + ops.stop_gradient(x * x * x - y)


def cube_with_wrong_second_derivative(x):
    """Values x ** 3 and the right gradient 3 x ** 2, but a gradient that is itself constant:
    the second derivative comes out 0 instead of 6 x."""
    slope = ops.stop_gradient(3.0 * x * x)
    return ops.stop_gradient(x * x * x - x * slope) + x * slope


def gradient_wrong_only_on_numpy(x):
    """Right on JAX, wrong on the numpy engine (same values): numpy vs jax must catch it."""
    if kerasette.backend.backend() == "numpy":
        return cube_with_wrong_gradient(x)
    return x * x * x


def test_passes_on_a_correct_function_with_second_order():
    x = RNG.normal(size=(4, 3))
    kernel = RNG.normal(size=(3, 2))
    bias = RNG.normal(size=(2,))
    target = RNG.normal(size=(4, 2))
    report = check_gradients(dense_softplus_loss, x, kernel, bias, target, order=2, argnums=(0, 1, 2))
    assert report.passed
    worst = report.worst()
    assert set(worst) == {"x", "kernel", "bias"}
    assert max(worst.values()) < 1e-6
    checks = {c.check for c in report.checks}
    assert "gradient: numpy vs finite diff." in checks
    assert "Hessian-vector: numpy vs f.d." in checks
    if not report.skipped:  # JAX available: the cross-backend rows are there and tight
        assert "gradient: numpy vs jax" in checks and "Hessian-vector: numpy vs jax" in checks
        assert max(c.error for c in report.checks if "jax" in c.check) < 1e-10


def test_integer_arguments_pass_through_and_are_not_differentiated():
    logits = RNG.normal(size=(5, 3))
    labels = np.array([0, 2, 1, 1, 0], dtype=np.int32)
    report = check_gradients(
        lambda logits, labels: ops.sparse_categorical_crossentropy(labels, logits, from_logits=True),
        logits, labels)
    assert set(report.worst()) == {"logits"}


def test_fails_on_a_wrong_custom_gradient():
    x = np.array([0.5, -1.2, 2.0])
    with pytest.raises(AssertionError) as raised:
        check_gradients(cube_with_wrong_gradient, x)
    message = str(raised.value)
    assert "numpy vs finite diff." in message and "FAILED" in message


def test_fails_on_a_wrong_second_derivative_only_at_order_2():
    x = np.array([0.5, -1.2, 2.0])
    report = check_gradients(cube_with_wrong_second_derivative, x)  # the gradient is right
    assert report.passed
    with pytest.raises(AssertionError, match="Hessian-vector: numpy vs f.d."):
        check_gradients(cube_with_wrong_second_derivative, x, order=2)


def test_numpy_vs_jax_catches_a_gradient_wrong_on_one_backend():
    pytest.importorskip("jax")
    try:
        kerasette.backend.get_backend("jax")
    except Exception as error:
        pytest.skip(f"the jax backend is unavailable: {error}")
    x = np.array([0.5, -1.2, 2.0])
    with pytest.raises(AssertionError) as raised:
        check_gradients(gradient_wrong_only_on_numpy, x)
    failed = [line for line in str(raised.value).splitlines() if "FAILED" in line]
    assert any("numpy vs jax" in line for line in failed)


def test_report_lists_the_worst_error_per_argument():
    report = check_gradients(lambda a, b: ops.sin(a) * ops.exp(b), RNG.normal(size=3), RNG.normal(size=3),
                             reference=None)
    text = str(report)
    assert "a " in text and "b " in text and "rel. error" in text
    assert report.worst()["a"] < 1e-6 and report.worst()["b"] < 1e-6


def test_relative_error_is_normwise_with_a_floor():
    assert relative_error([1.0, 2.0001], [1.0, 2.0]) == pytest.approx(5e-5)
    assert relative_error([1e-9], [0.0], floor=1e-3) == pytest.approx(1e-6)
    assert relative_error([np.nan, 1.0], [np.nan, 1.0]) == 0.0
    assert relative_error([np.nan], [1.0]) == float("inf")
    assert relative_error(np.zeros(2), np.zeros(3)) == float("inf")


def test_finite_difference_of_a_cube():
    # d/dx sum(x ** 3) along d = 3 x^2 . d
    x, d = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    value = finite_difference(lambda a: np.sum(a[0] ** 3), [x], [d])
    assert value == pytest.approx(3 * 1.0 * 0.5 + 3 * 4.0 * -1.0, rel=1e-8)
