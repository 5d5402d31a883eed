"""ModelCheckpoint: file names from the logs, the best model's weights, weights-only files,
batch frequency, Keras's extension checks."""

import os

import numpy as np
import pytest

import kerasette as keras
from callback_helpers import Scripted, make_data, make_model


def weights_recorder(model, store):
    return keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: store.__setitem__(epoch, model.get_weights()))


def assert_weights_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected):
        np.testing.assert_array_equal(a, b)


def test_file_names_are_formatted_from_epoch_and_logs(backend, tmp_path):
    x, y = make_data()
    model = make_model()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{loss:.3f}-{val_accuracy:.2f}.weights.h5")
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.ModelCheckpoint(pattern, save_weights_only=True)])
    h = history.history
    expected = {f"ckpt-{e + 1:02d}-{h['loss'][e]:.3f}-{h['val_accuracy'][e]:.2f}.weights.h5"
                for e in range(3)}
    assert set(os.listdir(tmp_path)) == expected


def test_best_only_keeps_the_weights_of_the_best_epoch(backend, tmp_path):
    values = [0.7, 0.4, 0.6, 0.3, 0.5, 0.35]
    x, y = make_data()
    model = make_model()
    weights_at = {}
    path = str(tmp_path / "best.keras")
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="scripted", mode="min",
                                                 save_best_only=True)
    model.fit(x, y, epochs=len(values), batch_size=16, verbose=0,
              callbacks=[Scripted(values), weights_recorder(model, weights_at), checkpoint])
    best = int(np.argmin(values))
    assert checkpoint.best == min(values)
    restored = keras.models.load_model(path)
    assert_weights_equal(restored.get_weights(), weights_at[best])
    assert any(np.abs(a - b).max() > 0 for a, b in zip(weights_at[best], model.get_weights()))
    np.testing.assert_allclose(restored.predict(x[:5], verbose=0),
                               _predict_with(model, weights_at[best], x[:5]), rtol=1e-6)


def _predict_with(model, weights, x):
    current = model.get_weights()
    model.set_weights(weights)
    try:
        return model.predict(x, verbose=0)
    finally:
        model.set_weights(current)


def test_weights_only_best_with_an_initial_threshold(tmp_path):
    values = [0.7, 0.4, 0.6, 0.3, 0.5]
    x, y = make_data()
    model = make_model()
    path = str(tmp_path / "best.weights.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="scripted", mode="min",
                                                 save_best_only=True, save_weights_only=True,
                                                 initial_value_threshold=0.2)
    model.fit(x, y, epochs=len(values), verbose=0, callbacks=[Scripted(values), checkpoint])
    assert not os.path.exists(path)  # nothing beat 0.2
    weights_at = {}
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="scripted", mode="min",
                                                 save_best_only=True, save_weights_only=True,
                                                 initial_value_threshold=0.45)
    model.fit(x, y, epochs=len(values), verbose=0,
              callbacks=[Scripted(values), weights_recorder(model, weights_at), checkpoint])
    fresh = make_model(seed=9)
    fresh.build((None, 4))
    fresh.load_weights(path)
    assert_weights_equal(fresh.get_weights(), weights_at[int(np.argmin(values))])


def test_integer_save_freq_counts_batches_across_epochs(tmp_path):
    x, y = make_data(samples=40)
    model = make_model()
    pattern = str(tmp_path / "e{epoch}-b{batch}.weights.h5")
    model.fit(x, y, epochs=3, batch_size=16, verbose=0,  # 3 batches an epoch, 9 in all
              callbacks=[keras.callbacks.ModelCheckpoint(pattern, save_weights_only=True,
                                                         save_freq=4)])
    # after global batches 4 and 8: epoch 2 batch 1, epoch 3 batch 2 (both from 1)
    assert sorted(os.listdir(tmp_path)) == ["e2-b1.weights.h5", "e3-b2.weights.h5"]


def test_extension_and_argument_checks(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "model.weights"))
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    keras.callbacks.ModelCheckpoint(str(tmp_path / "m.h5"))  # the legacy extension is accepted
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "m-{nope}.keras"))
    with pytest.raises(KeyError, match="nope"):
        checkpoint._get_file_path(0, None, {"loss": 1.0})
