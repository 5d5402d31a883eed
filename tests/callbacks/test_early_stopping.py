"""EarlyStopping: the epoch it stops at, the weights it restores, and Keras 3's decisions
on the same monitored sequences."""

import numpy as np
import pytest

import kerasette
import kerasette as keras
from callback_helpers import FakeModel, Scripted, make_data, make_model


def first_stop(values, patience):
    """Reference rule in min mode, min_delta 0: stop at the first epoch > 0 that ends a run of
    ``patience`` (at least one) epochs without a new minimum; None if it never stops."""
    best, since = None, 0
    for epoch, value in enumerate(values):
        if best is None or value < best:
            best, since = value, 0
            continue
        since += 1
        if since >= max(patience, 1) and epoch > 0:
            return epoch
    return None


def test_stops_at_the_epoch_the_patience_runs_out(backend):
    values = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77, 0.6, 0.5]
    x, y = make_data()
    for patience in (1, 2, 3):
        model = make_model()
        stop = keras.callbacks.EarlyStopping(monitor="scripted", mode="min", patience=patience)
        history = model.fit(x, y, epochs=len(values), batch_size=32, verbose=0,
                            callbacks=[Scripted(values), stop])
        expected = first_stop(values, patience)
        assert expected is not None
        assert len(history.history["loss"]) == expected + 1
        assert stop.stopped_epoch == expected
        assert stop.best == min(values[:expected + 1])


@pytest.mark.parametrize("stops", [True, False])
def test_restore_best_weights_with_and_without_an_early_stop(backend, stops):
    values = [0.9, 0.5, 0.7, 0.8, 0.95, 0.99] if stops else [0.9, 0.5, 0.7, 0.4, 0.45, 0.6]
    x, y = make_data()
    model = make_model()
    weights_at = {}
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights_at.__setitem__(epoch, model.get_weights()))
    stop = keras.callbacks.EarlyStopping(monitor="scripted", mode="min", patience=3,
                                         restore_best_weights=True)
    history = model.fit(x, y, epochs=len(values), batch_size=16, verbose=0,
                        callbacks=[Scripted(values), record, stop])
    best = int(np.argmin(values))
    assert stop.best_epoch == best
    assert (len(history.history["loss"]) < len(values)) == stops
    last = max(weights_at)
    assert any(np.abs(a - b).max() > 0 for a, b in zip(weights_at[best], weights_at[last]))
    for restored, expected in zip(model.get_weights(), weights_at[best]):
        np.testing.assert_array_equal(restored, expected)


def test_auto_mode_maximizes_accuracy_and_minimizes_loss():
    model = make_model()
    x, y = make_data()
    model.fit(x, y, epochs=1, verbose=0)
    for monitor, better, worse in (("val_accuracy", 0.9, 0.8), ("val_loss", 0.1, 0.2)):
        stop = keras.callbacks.EarlyStopping(monitor=monitor)
        stop.set_model(model)
        stop._set_monitor_op()
        assert stop._is_improvement(better, worse) and not stop._is_improvement(worse, better)
    with pytest.raises(ValueError, match="mode='max'"):
        stop = keras.callbacks.EarlyStopping(monitor="something_else")
        stop.set_model(model)
        stop.on_epoch_end(0, {"something_else": 1.0})


def _drive(callback, values, model):
    """Runs ``callback`` through ``values`` as fit would; the weights at epoch e are [e]."""
    callback.set_model(model)
    callback.on_train_begin()
    epoch = 0
    for epoch, value in enumerate(values):
        model.weights_now = [np.array([float(epoch)])]
        callback.on_epoch_end(epoch, {"m": value})
        if model.stop_training:
            break
    callback.on_train_end()
    return epoch


def test_same_decisions_as_keras_on_random_sequences(keras):
    rng = np.random.default_rng(5)
    for case in range(60):
        values = [float(v) for v in np.round(rng.uniform(0, 1, size=12), 2)]
        kwargs = dict(monitor="m", mode=str(rng.choice(["min", "max"])),
                      patience=int(rng.integers(0, 4)), min_delta=float(rng.choice([0, 0.05])),
                      baseline=[None, 0.5][int(rng.integers(0, 2))],
                      start_from_epoch=int(rng.integers(0, 3)), restore_best_weights=True)
        ours, theirs = FakeModel(), FakeModel()
        stop = kerasette.callbacks.EarlyStopping(**kwargs)
        keras_stop = keras.callbacks.EarlyStopping(**kwargs)
        assert _drive(stop, values, ours) == _drive(keras_stop, values, theirs), (case, kwargs)
        assert stop.stopped_epoch == keras_stop.stopped_epoch
        assert stop.best_epoch == keras_stop.best_epoch
        assert stop.wait == keras_stop.wait
        assert float(ours.weights_now[0][0]) == float(theirs.weights_now[0][0]), (case, values)
