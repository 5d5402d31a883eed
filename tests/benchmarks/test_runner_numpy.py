"""The numpy-by-hand runner (benchmarks/runner_numpy.py) computes what it claims to.

The floor that kerasette's numpy engine is measured against must be the same training:
its hand-written gradients are checked against JAX's, its Adam against kerasette's (Keras's
update rule), and its denormal flush and logit floor against what they promise.
"""

import numpy as np
import pytest

import kerasette as keras


@pytest.fixture
def by_hand(benchmark_module):
    return benchmark_module("runner_numpy")


def mean_cross_entropy(jnp, logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - jnp.log(jnp.exp(shifted).sum(axis=1, keepdims=True))
    return -log_softmax[jnp.arange(len(labels)), labels].mean()


def test_one_step_has_jaxs_gradients(by_hand):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(0)
    model = by_hand.MLP((6, 5, 4, 3), rng)
    x = rng.normal(size=(11, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=11).astype(np.int32)
    weights = [w.copy() for w in model.weights()]  # the step updates them in place

    def loss(kernels, biases):
        h = jnp.asarray(x)
        for i, (kernel, bias) in enumerate(zip(kernels, biases)):
            h = h @ kernel + bias
            h = jax.nn.relu(h) if i < len(kernels) - 1 else h
        return mean_cross_entropy(jnp, h, y)

    trainer = by_hand.Trainer(model, batch_size=16, input_width=6)  # a partial batch: 11 rows
    index = rng.permutation(11)
    with jax.default_matmul_precision("highest"):
        expected_loss, (kernel_grads, bias_grads) = jax.value_and_grad(loss, argnums=(0, 1))(
            weights[:3], weights[3:])
    # the batch is gathered in shuffled order: the mean loss and its gradients do not change
    found_loss = trainer.step(x, y, index, want_loss=True)
    assert found_loss == pytest.approx(float(expected_loss), rel=1e-5)
    for found, expected in zip(model.grads(), list(kernel_grads) + list(bias_grads)):
        assert found.dtype == np.float32
        np.testing.assert_allclose(found, expected, rtol=1e-4, atol=1e-6)
    assert all(not np.array_equal(w, before) for w, before in zip(model.weights(), weights))
    assert trainer.step(x, y, index) is None, "no loss unless asked: no per-step metric work"


def test_adam_is_keras_adam(by_hand):
    rng = np.random.default_rng(1)
    start = rng.normal(size=(4, 3)).astype(np.float32)
    grads = [rng.normal(size=(4, 3)).astype(np.float32) for _ in range(5)]
    mine = start.copy()
    adam = by_hand.Adam([mine])
    variable = keras.Variable(start.copy())
    theirs = keras.optimizers.Adam(learning_rate=1e-3)  # beta 0.9/0.999, epsilon 1e-7
    for grad in grads:
        adam.step([grad])
        theirs.apply_gradients([(grad, variable)])
        np.testing.assert_allclose(mine, keras.ops.convert_to_numpy(variable), rtol=1e-6,
                                   atol=1e-7)


def test_moments_never_stay_denormal(by_hand):
    weight = np.ones(6, np.float32)
    adam = by_hand.Adam([weight])
    first, second = adam.moments[0]
    denormal = np.float32(by_hand.TINY) / 8
    first[:] = [denormal, -denormal, 1e-3, -1e-3, 0, denormal]
    second[:] = [denormal, denormal, 1e-3, 1e-3, 0, 2.0]
    for _ in range(by_hand.FLUSH_EVERY):  # no gradient: the moments only decay
        adam.step([np.zeros(6, np.float32)])
    for moment in (first, second):
        small = (moment != 0) & (np.abs(moment) < by_hand.TINY)
        assert not small.any(), moment
    assert first[2] == pytest.approx(1e-3 * 0.9 ** by_hand.FLUSH_EVERY, rel=1e-5)
    assert second[5] == pytest.approx(2.0 * 0.999 ** by_hand.FLUSH_EVERY, rel=1e-5)


def test_softmax_gradient_has_no_denormals_and_is_exact(by_hand):
    jax = pytest.importorskip("jax")
    logits = np.array([[0.0, -95.0, 3.0], [200.0, 0.0, -1.0]], np.float32)
    labels = np.array([2, 1], np.int32)
    expected = jax.grad(lambda z: mean_cross_entropy(jax.numpy, z, labels))(logits)
    found = logits.copy()
    loss = by_hand.softmax_cross_entropy_gradient(found, labels, np.arange(2),
                                                  np.empty((2, 1), np.float32), want_loss=True)
    assert not ((found != 0) & (np.abs(found) < by_hand.TINY)).any(), found
    np.testing.assert_allclose(found, expected, rtol=1e-6, atol=1e-30)
    # the floor at -87 caps the loss of a sample that is hopelessly wrong: 200 - 0 becomes 87
    assert loss == pytest.approx((3.0 - 3.0 + np.log1p(np.exp(-3.0)) + 87.0) / 2, rel=1e-6)
