"""Same seed, same model, any backend: whole training runs agree across backends.

``kerasette.utils.set_random_seed`` makes the initial weights bit-identical on numpy and
jax (they are drawn from numpy, then moved to the backend). From there, 20 Adam steps of
an MLP and of a small CNN with BatchNormalization (no dropout, ``shuffle=False``) end at
weights that agree between the numpy engine and JAX:

- float64 (``keras.config.set_floatx("float64")``): relative 1e-9 — the two backends do
  the same arithmetic in a different order, so they differ by round-off only;
- float32: relative 1e-4 (absolute 1e-5 for weights near zero) — Adam divides by the
  square root of the second moment, which amplifies float32 round-off in the first steps
  for weights whose gradients are tiny.

Each test runs both backends itself (it compares them), so it takes no ``backend`` fixture.
"""

import numpy as np
import pytest

import kerasette
from kerasette import layers

pytest.importorskip("jax")

TOLERANCES = {"float64": dict(rtol=1e-9, atol=1e-12), "float32": dict(rtol=1e-4, atol=1e-5)}
STEPS, BATCH = 20, 16


@pytest.fixture(params=["float32", "float64"])
def floatx(request):
    """Runs the test with ``floatx`` set (restored afterwards)."""
    previous = kerasette.config.floatx()
    kerasette.config.set_floatx(request.param)
    yield request.param
    kerasette.config.set_floatx(previous)


def mlp():
    return kerasette.Sequential([
        kerasette.Input((12,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="tanh"),
        layers.Dense(4, activation="softmax"),
    ])


def small_cnn():
    return kerasette.Sequential([
        kerasette.Input((8, 8, 2)),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.Conv2D(6, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(4, activation="softmax"),
    ])


def dataset(shape, dtype, seed=0):
    g = np.random.default_rng(seed)
    x = g.normal(size=(STEPS // 4 * BATCH,) + shape).astype(dtype)  # 5 batches: 4 epochs
    y = g.integers(0, 4, size=len(x))
    return x, y


def build(backend_name, builder, seed=1234):
    with kerasette.backend.use(backend_name):
        kerasette.utils.set_random_seed(seed)
        return builder()


def train(backend_name, builder, x, y):
    """20 Adam steps from the seeded initial weights; returns (initial, final weights, losses)."""
    with kerasette.backend.use(backend_name):
        model = build(backend_name, builder)
        initial = model.get_weights()
        model.compile(optimizer=kerasette.optimizers.Adam(learning_rate=0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=BATCH, epochs=STEPS * BATCH // len(x), shuffle=False,
                            verbose=0)
        assert int(kerasette.ops.convert_to_numpy(model.optimizer.iterations)) == STEPS
        return initial, model.get_weights(), history.history


@pytest.mark.parametrize("builder", [mlp, small_cnn], ids=["mlp", "cnn"])
def test_same_seed_gives_bit_identical_initial_weights(floatx, builder):
    on_numpy = build("numpy", builder).get_weights()
    on_jax = build("jax", builder).get_weights()
    again = build("numpy", builder).get_weights()
    other_seed = build("numpy", builder, seed=99).get_weights()
    assert [w.dtype for w in on_numpy] == [np.dtype(floatx)] * len(on_numpy)
    for a, b, c in zip(on_numpy, on_jax, again):
        assert a.dtype == b.dtype and np.array_equal(a, b)
        assert np.array_equal(a, c)
    assert not np.array_equal(on_numpy[0], other_seed[0])


@pytest.mark.parametrize("builder, shape", [(mlp, (12,)), (small_cnn, (8, 8, 2))],
                         ids=["mlp", "cnn"])
def test_twenty_adam_steps_agree_between_numpy_and_jax(floatx, builder, shape):
    x, y = dataset(shape, floatx)
    initial, on_numpy, numpy_logs = train("numpy", builder, x, y)
    initial_jax, on_jax, jax_logs = train("jax", builder, x, y)
    for a, b in zip(initial, initial_jax):
        assert np.array_equal(a, b)
    tolerance = TOLERANCES[floatx]
    assert [w.dtype for w in on_jax] == [w.dtype for w in on_numpy] == [np.dtype(floatx)] * len(on_jax)
    for index, (a, b) in enumerate(zip(on_numpy, on_jax)):
        np.testing.assert_allclose(a, b, err_msg=f"weight {index}", **tolerance)
    np.testing.assert_allclose(numpy_logs["loss"], jax_logs["loss"], **tolerance)
    assert numpy_logs["accuracy"] == jax_logs["accuracy"]
    # the runs went somewhere: the weights moved and the loss fell
    assert max(np.abs(a - b).max() for a, b in zip(on_numpy, initial)) > 1e-2
    assert numpy_logs["loss"][-1] < numpy_logs["loss"][0]


@pytest.mark.parametrize("name", ["Adafactor", "Ftrl", "Lamb", "Muon", "ScheduleFreeAdamW"])
def test_newer_optimizers_train_alike_on_numpy_and_jax(name):
    """A compiled fit (the engine's replayed step, jax.jit) with each newer optimizer: the
    two backends end at the same weights (float64: round-off only) and the loss falls."""
    previous = kerasette.config.floatx()
    kerasette.config.set_floatx("float64")
    try:
        x, y = dataset((12,), "float64")
        results = []
        for backend_name in ("numpy", "jax"):
            with kerasette.backend.use(backend_name):
                model = build(backend_name, mlp)
                model.compile(optimizer=getattr(kerasette.optimizers, name)(learning_rate=0.01),
                              loss="sparse_categorical_crossentropy")
                history = model.fit(x, y, batch_size=BATCH, epochs=4, shuffle=False, verbose=0)
                results.append((model.get_weights(), history.history["loss"]))
    finally:
        kerasette.config.set_floatx(previous)
    (on_numpy, numpy_loss), (on_jax, jax_loss) = results
    for index, (a, b) in enumerate(zip(on_numpy, on_jax)):
        np.testing.assert_allclose(a, b, err_msg=f"weight {index}", **TOLERANCES["float64"])
    assert numpy_loss[-1] < numpy_loss[0], numpy_loss
