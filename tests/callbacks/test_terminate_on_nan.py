"""TerminateOnNaN: training ends cleanly at the first non-finite loss; the model and the last
checkpoint stay usable."""

import warnings

import numpy as np
import pytest

import kerasette as keras


def diverging_setup():
    """Linear regression with a learning rate far too large: the loss grows ~1e7 per epoch
    and overflows float32 in the fifth epoch."""
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(64, 3)) * 3).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.5), "mse")
    return model, x, y


def test_stops_cleanly_and_the_last_checkpoint_is_the_last_finite_epoch(backend, tmp_path):
    model, x, y = diverging_setup()
    path = str(tmp_path / "last.keras")
    weights_at, batch_losses, ended = {}, [], []
    callbacks = [
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: weights_at.__setitem__(epoch, model.get_weights()),
            on_train_batch_end=lambda batch, logs: batch_losses.append(float(logs["loss"])),
            on_train_end=lambda logs: ended.append(True)),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.ModelCheckpoint(path, monitor="loss"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = model.fit(x, y, epochs=50, batch_size=16, verbose=0, callbacks=callbacks)
    losses = history.history["loss"]
    first_bad = next(i for i, loss in enumerate(batch_losses) if not np.isfinite(loss))
    assert first_bad == len(batch_losses) - 1  # no batch ran after the first bad loss
    assert ended == [True] and len(losses) < 50 and not np.isfinite(losses[-1])
    assert all(np.isfinite(losses[:-1]))
    last_good = len(losses) - 2
    restored = keras.models.load_model(path)
    for a, b in zip(restored.get_weights(), weights_at[last_good]):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(restored.predict(x, verbose=0)).all()
    # the diverged model still answers (with non-finite numbers) and can be reset and retrained
    assert model.predict(x, verbose=0).shape == (64, 1)
    model.set_weights(restored.get_weights())
    model.optimizer.learning_rate = 1e-3
    after = model.fit(x, y, epochs=1, batch_size=16, verbose=0).history["loss"][0]
    assert np.isfinite(after)


def test_raise_error_raises_at_the_first_bad_batch():
    model, x, y = diverging_setup()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch"):
            model.fit(x, y, epochs=50, batch_size=16, verbose=0,
                      callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])
