"""LearningRateScheduler and ReduceLROnPlateau: the learning rates they set, that the
(compiled) train step really uses them, and Keras 3's values on the same sequences."""

import numpy as np
import pytest

import kerasette
import kerasette as keras
from callback_helpers import FakeModel, Scripted


def linear_problem(samples=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.1).astype("float32")
    return x, y


def linear_model(learning_rate):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(keras.optimizers.SGD(learning_rate), "mse")
    return model


def rates_applied(model, x, y, epochs, callbacks):
    """Trains one full batch per epoch; returns the learning rate each update really used:
    (w_before - w_after) / gradient, with the mse gradient computed here in float64."""
    kernels = [model.get_weights()[0].astype(np.float64)] if model.built else []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: kernels.append(model.get_weights()[0].astype(np.float64)))
    history = model.fit(x, y, epochs=epochs, batch_size=len(x), shuffle=False, verbose=0,
                        callbacks=list(callbacks) + [record])
    applied = []
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    for before, after in zip(kernels, kernels[1:]):
        gradient = 2.0 / len(x) * x64.T @ (x64 @ before - y64)
        applied.append(float(np.sum((before - after) * gradient) / np.sum(gradient * gradient)))
    return applied, history


def test_scheduler_sets_the_rate_the_step_uses(backend):
    x, y = linear_problem()
    model = linear_model(0.05)
    model.build((None, 3))

    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    applied, history = rates_applied(model, x, y, 5, [keras.callbacks.LearningRateScheduler(schedule)])
    expected = [0.05, 0.05, 0.025, 0.0125, 0.00625]
    np.testing.assert_allclose(applied, expected, rtol=1e-3)
    np.testing.assert_allclose(history.history["learning_rate"], expected, rtol=1e-6)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(expected[-1], rel=1e-6)


def test_scheduler_accepts_the_epoch_only_signature_and_rejects_non_floats():
    x, y = linear_problem()
    model = linear_model(0.1)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02, 0.03], rtol=1e-6)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, lr: "fast")])


def test_reduce_on_plateau_rates_follow_the_monitored_values(backend):
    x, y = linear_problem()
    model = linear_model(0.08)
    model.build((None, 3))
    values = [1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9]
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="scripted", factor=0.5, patience=2,
                                               cooldown=1, min_lr=0.015, mode="min")
    applied, history = rates_applied(model, x, y, len(values), [Scripted(values), reduce])
    # the rate logged at epoch e is the one epoch e trained with; a reduction at its end
    # shows from epoch e + 1
    logged = history.history["learning_rate"]
    np.testing.assert_allclose(applied, logged, rtol=1e-3)
    expected = keras_reference_rates(values, 0.08, dict(factor=0.5, patience=2, cooldown=1,
                                                        min_lr=0.015))
    np.testing.assert_allclose(logged, expected, rtol=1e-6)
    assert min(logged) >= 0.015 - 1e-9 and logged[0] == pytest.approx(0.08)
    assert len(set(np.round(logged, 6))) >= 3  # it really reduced, more than once


def keras_reference_rates(values, learning_rate, kwargs, callback_class=None):
    """The learning rate logged at each epoch by a ReduceLROnPlateau driven over ``values``
    with a fake model (kerasette's when ``callback_class`` is None)."""
    callback_class = callback_class or kerasette.callbacks.ReduceLROnPlateau
    model = FakeModel(learning_rate)
    callback = callback_class(monitor="m", mode="min", **kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    logged = []
    for epoch, value in enumerate(values):
        logs = {"m": value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
    return logged


def test_reduce_on_plateau_matches_keras(keras):
    rng = np.random.default_rng(11)
    for case in range(40):
        values = [float(v) for v in np.round(rng.uniform(0, 1, size=15), 2)]
        kwargs = dict(factor=float(rng.choice([0.1, 0.5])), patience=int(rng.integers(0, 4)),
                      cooldown=int(rng.integers(0, 3)), min_delta=float(rng.choice([1e-4, 0.1])),
                      min_lr=float(rng.choice([0.0, 0.01])))
        ours = keras_reference_rates(values, 0.1, kwargs)
        theirs = keras_reference_rates(values, 0.1, kwargs, keras.callbacks.ReduceLROnPlateau)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=str((case, kwargs)))


def test_reduce_on_plateau_rejects_a_factor_of_one_or_more():
    with pytest.raises(ValueError, match="factor"):
        keras.callbacks.ReduceLROnPlateau(factor=1.0)
