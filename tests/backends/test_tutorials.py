"""The classic autodiff workflows, with their textbook numbers, on every available backend.

Each test runs through the ``backend`` fixture (tests/conftest.py) with that backend
active, using only the public API: ``kerasette.ops``, ``kerasette.GradientTape`` and
``ops.value_and_grad``. The numbers come from CS231n's backprop notes and TensorFlow's
autodiff guide, or are derived by hand in the test. Computations under a tape call ops
by name; that the tape also sees Python operators (``x * y``) is its own test.
"""

import numpy as np
import pytest

import kerasette
from kerasette import ops


def value(x):
    return np.asarray(ops.convert_to_numpy(x))


def tensor(data, dtype="float32"):
    return ops.convert_to_tensor(np.asarray(data, dtype=dtype))


def test_gradients_of_sum_x_times_y_plus_z(backend):
    x = tensor([[1.0, -2.0], [3.0, 0.5]])
    y = tensor([[4.0, 1.5], [-1.0, 2.0]])
    z = tensor([[0.1, 0.2], [0.3, 1.4]])
    loss, (dx, dy, dz) = ops.value_and_grad(
        lambda x, y, z: ops.sum(x * y + z), argnums=(0, 1, 2))(x, y, z)
    # d/dx = y, d/dy = x, d/dz = 1
    np.testing.assert_allclose(value(loss), (4.0 - 3.0 - 3.0 + 1.0) + 2.0, rtol=1e-6)
    np.testing.assert_allclose(value(dx), value(y), rtol=1e-7)
    np.testing.assert_allclose(value(dy), value(x), rtol=1e-7)
    np.testing.assert_allclose(value(dz), np.ones((2, 2)), rtol=1e-7)
    assert value(dx).dtype == np.float32


def _mlp_data():
    rng = np.random.default_rng(42)
    x = rng.normal(size=(8, 2))
    y = (rng.random((8, 1)) < 0.5).astype(np.float64)
    params = {"w1": rng.normal(size=(2, 16)) * 0.7, "b1": rng.normal(size=(16,)) * 0.1,
              "w2": rng.normal(size=(16, 1)) * 0.5, "b2": np.array([0.05])}
    return x, y, params


def _mlp_numpy_backprop(x, y, p):
    """The 2-16-1 ReLU net with sigmoid cross-entropy from logits, backprop by hand."""
    pre = x @ p["w1"] + p["b1"]
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ p["w2"] + p["b2"]
    loss = np.mean(np.maximum(logits, 0) - logits * y + np.log1p(np.exp(-np.abs(logits))))
    d_logits = (1 / (1 + np.exp(-logits)) - y) / len(x)
    d_hidden = d_logits @ p["w2"].T
    d_pre = d_hidden * (pre > 0)
    grads = {"w1": x.T @ d_pre, "b1": d_pre.sum(0), "w2": hidden.T @ d_logits, "b2": d_logits.sum(0)}
    return loss, grads


def test_relu_mlp_matches_hand_written_backprop(backend):
    x, y, p = _mlp_data()
    expected_loss, expected = _mlp_numpy_backprop(x, y, p)

    def loss_fn(params, x, y):
        hidden = ops.relu(ops.matmul(x, params["w1"]) + params["b1"])
        logits = ops.matmul(hidden, params["w2"]) + params["b2"]
        return ops.mean(ops.binary_crossentropy(y, logits, from_logits=True))

    params = {k: tensor(v) for k, v in p.items()}
    loss, grads = ops.value_and_grad(loss_fn)(params, tensor(x), tensor(y))
    np.testing.assert_allclose(value(loss), expected_loss, rtol=1e-5)
    assert sorted(grads) == ["b1", "b2", "w1", "w2"]
    for name in expected:
        np.testing.assert_allclose(value(grads[name]), expected[name], rtol=1e-4, atol=1e-6,
                                   err_msg=f"gradient of {name}")
        assert value(grads[name]).dtype == np.float32


def test_persistent_tape_on_square_of_sum(backend):
    x = ops.ones((2, 2))
    with kerasette.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = ops.sum(x)
        z = ops.multiply(y, y)
    np.testing.assert_allclose(value(tape.gradient(z, x)), np.full((2, 2), 8.0))
    np.testing.assert_allclose(value(tape.gradient(z, y)), 8.0)
    np.testing.assert_allclose(value(tape.gradient(y, x)), np.ones((2, 2)))


def test_nested_tapes_give_first_and_second_derivative_of_cube(backend):
    x = tensor(1.0)
    with kerasette.GradientTape() as outer:
        outer.watch(x)
        with kerasette.GradientTape() as inner:
            inner.watch(x)
            y = ops.multiply(ops.multiply(x, x), x)
        dy_dx = inner.gradient(y, x)
    d2y_dx2 = outer.gradient(dy_dx, x)
    np.testing.assert_allclose(value(dy_dx), 3.0)
    np.testing.assert_allclose(value(d2y_dx2), 6.0)


def test_upstream_gradient_through_x_times_y_plus_x_times_z(backend):
    x, y, z = tensor(3.0), tensor(4.0), tensor(-5.0)
    with kerasette.GradientTape() as tape:
        tape.watch([x, y, z])
        f = ops.add(ops.multiply(x, y), ops.multiply(x, z))
    dx, dy, dz = tape.gradient(f, [x, y, z], output_gradients=tensor(0.5))
    np.testing.assert_allclose(value(f), -3.0)
    np.testing.assert_allclose([value(dx), value(dy), value(dz)], [-0.5, 1.5, 1.5])


def test_tape_records_python_operators(backend):
    x = tensor([1.5, -2.0])
    with kerasette.GradientTape() as tape:
        tape.watch(x)
        y = x * x + x / 2.0 - 1.0
    # d/dx (x^2 + x/2 - 1) = 2x + 1/2
    grad = tape.gradient(y, x)
    assert grad is not None, "the tape recorded none of the operators *, +, /, -"
    np.testing.assert_allclose(value(grad), [3.5, -3.5])


def test_linear_node_backward(backend):
    X = tensor([[-1.0, -2.0], [-1.0, -2.0]])
    W = tensor([[2.0, -3.0], [2.0, -3.0]])
    b = tensor([-3.0, -5.0])
    upstream = tensor([[1.0, 2.0], [3.0, 4.0]])
    with kerasette.GradientTape() as tape:
        tape.watch([X, W, b])
        out = ops.add(ops.matmul(X, W), b)
    dX, dW, db = tape.gradient(out, [X, W, b], output_gradients=upstream)
    np.testing.assert_allclose(value(out), [[-9.0, 4.0], [-9.0, 4.0]])
    np.testing.assert_allclose(value(dX), [[-4.0, -4.0], [-6.0, -6.0]])
    np.testing.assert_allclose(value(dW), [[-4.0, -6.0], [-8.0, -12.0]])
    np.testing.assert_allclose(value(db), [4.0, 6.0])


def test_sigmoid_gate(backend):
    x = tensor([-10.0, 0.0, 10.0])
    with kerasette.GradientTape() as tape:
        tape.watch(x)
        s = ops.sigmoid(x)
    grad = tape.gradient(s, x, output_gradients=tensor([0.5, 0.5, 0.5]))
    np.testing.assert_allclose(value(s), [0.0, 0.5, 1.0], atol=1e-4)
    np.testing.assert_allclose(value(grad), [0.0, 0.125, 0.0], atol=1e-4)
    assert value(grad)[1] == pytest.approx(0.125, rel=1e-6)


@pytest.mark.parametrize("sparse", [True, False], ids=["sparse_label", "one_hot_label"])
def test_softmax_cross_entropy(backend, sparse):
    logits = tensor([[0.5, 1.0, 1.5]])
    with kerasette.GradientTape() as tape:
        tape.watch(logits)
        if sparse:
            loss = ops.sparse_categorical_crossentropy(tensor([1], "int32"), logits, from_logits=True)
        else:
            loss = ops.categorical_crossentropy(tensor([[0.0, 1.0, 0.0]]), logits, from_logits=True)
    grad = tape.gradient(loss, logits)
    np.testing.assert_allclose(value(ops.softmax(logits)), [[0.1863, 0.3072, 0.5064]], atol=1e-4)
    np.testing.assert_allclose(value(loss), [1.1802], atol=1e-4)
    np.testing.assert_allclose(value(grad), [[0.1863, -0.6928, 0.5064]], atol=1e-4)
