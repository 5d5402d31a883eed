"""The numpy-by-hand runner (benchmarks/runner_numpy.py) computes what it claims to.

The floor that kerasette's numpy engine is measured against must be the same training:
its hand-written gradients are checked against JAX's, its Adam against kerasette's (Keras's
update rule), and its denormal flush and logit floor against what they promise.
"""

import dataclasses

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


def jax_logits(jax, name, weights, x, dropout_scale):
    """The workload's network in JAX (Keras's layouts, channels last), for reference."""
    jnp, lax = jax.numpy, jax.lax
    if name == "W2":
        h = x
        for kernel, bias in weights[:2]:
            h = lax.conv_general_dilated(h, kernel, (1, 1), "VALID",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
            h = jax.nn.relu(h + bias)
            h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        h = h.reshape(len(x), -1) * dropout_scale
        return h @ weights[2][0] + weights[2][1]
    h = x.reshape(len(x), -1)
    for i, (kernel, bias) in enumerate(weights):
        h = h @ kernel + bias
        h = jax.nn.relu(h) if i < len(weights) - 1 else h
    return h


@pytest.mark.parametrize("name", ["W2", "W3"])
def test_one_step_has_jaxs_gradients(by_hand, benchmark_module, name):
    jax = pytest.importorskip("jax")
    workloads = benchmark_module("workloads")
    workload = dataclasses.replace(workloads.WORKLOADS[name], batch_size=16)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(11, 28, 28, 1)).astype(np.float32)  # 11 rows: a partial batch
    y = rng.integers(0, 10, size=11).astype(np.int32)
    weights = by_hand.build_weights(workload, rng)
    before = [(k.copy(), b.copy()) for k, b in weights]  # the step updates them in place
    trainer = by_hand.Trainer(workload, weights, x.shape[1:], rng)
    # the batch is gathered in shuffled order: the mean loss and its gradients do not change
    found_loss = trainer.step(x, y, rng.permutation(11), want_loss=True)
    # JAX sees the batch as the step gathered it, with the units the step's dropout kept
    dropout = [layer for layer in trainer.layers if isinstance(layer, by_hand.Dropout)]
    scale = dropout[0].kept[:11] / (1 - by_hand.DROPOUT_RATE) if dropout else 1.0
    if dropout:
        assert 0.3 < dropout[0].kept[:11].mean() < 0.7, "about half the units are dropped"
    with jax.default_matmul_precision("highest"):
        loss, grads = jax.value_and_grad(lambda w: mean_cross_entropy(
            jax.numpy, jax_logits(jax, name, w, trainer.x[:11], scale), trainer.y[:11]))(before)
    assert found_loss == pytest.approx(float(loss), rel=1e-5)
    for (kernel_grad, bias_grad), expected in zip(trainer.grads, grads):
        assert kernel_grad.dtype == bias_grad.dtype == np.float32
        for found, wanted in zip((kernel_grad, bias_grad), expected):
            np.testing.assert_allclose(found, wanted, rtol=1e-4, atol=1e-6)
    assert all(not np.array_equal(k, k0) for (k, _), (k0, _) in zip(weights, before))
    index = rng.permutation(11)
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
    # the floor caps the loss of a hopelessly wrong sample: its true logit's gap of 200 counts
    # as 70; the other sample's loss is exact
    assert loss == pytest.approx((np.log1p(np.exp(-3.0)) - by_hand.LOGIT_FLOOR) / 2, rel=1e-6)
