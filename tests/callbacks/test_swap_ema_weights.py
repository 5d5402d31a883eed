"""SwapEMAWeights: evaluation and prediction see the optimizer's moving average of the
weights; training goes on from the weights themselves."""

import numpy as np
import pytest

import kerasette
from kerasette import callbacks, layers


def _model_and_data(backend_name="numpy"):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    with kerasette.backend.use(backend_name):
        kerasette.utils.set_random_seed(0)
        model = kerasette.Sequential([kerasette.Input((4,)), layers.Dense(3, activation="tanh"),
                                      layers.Dense(1)])
        model.compile(optimizer=kerasette.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5),
                      loss="mse")
    return model, x, y


def _averages(model):
    optimizer = model.optimizer
    return [a.numpy() for a in optimizer._model_variables_moving_average]


@pytest.mark.parametrize("backend_name", ["numpy", "jax"])
def test_evaluate_and_predict_use_the_averages_and_restore_the_weights(backend_name):
    try:
        kerasette.backend.get_backend(backend_name)
    except ImportError as error:
        pytest.skip(f"the {backend_name} backend is not available: {error}")
    model, x, y = _model_and_data(backend_name)
    with kerasette.backend.use(backend_name):
        for start in range(0, 32, 8):   # train_on_batch leaves the weights as trained (fit
            model.train_on_batch(x[start:start + 8], y[start:start + 8])  # ends on the EMA)
        weights, averages = model.get_weights(), _averages(model)
        assert max(np.abs(w - a).max() for w, a in zip(weights, averages)) > 1e-3
        swapped = model.evaluate(x, y, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
        predicted = model.predict(x, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
        for w, before in zip(model.get_weights(), weights):   # restored
            np.testing.assert_array_equal(w, before)
        model.set_weights(averages)
        np.testing.assert_allclose(swapped, model.evaluate(x, y, verbose=0), rtol=1e-6)
        np.testing.assert_allclose(predicted, model.predict(x, verbose=0), rtol=1e-6)


def test_validation_in_fit_sees_the_averages_and_training_the_weights():
    model, x, y = _model_and_data()
    reference, _, _ = _model_and_data()
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_data=(x, y),
                        shuffle=False, callbacks=[callbacks.SwapEMAWeights()])
    reference.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    # training itself is untouched by the swaps
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    reference.set_weights(_averages(reference))
    np.testing.assert_allclose(history.history["val_loss"][-1],
                               reference.evaluate(x, y, verbose=0), rtol=1e-5)


def test_swap_on_epoch_shows_the_averages_between_epochs():
    """A callback after SwapEMAWeights(swap_on_epoch=True) (a checkpoint) sees the averages
    at each epoch's end; training goes on from the weights themselves."""
    model, x, y = _model_and_data()
    reference, _, _ = _model_and_data()
    seen, expected = [], []
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False, callbacks=[
        callbacks.SwapEMAWeights(swap_on_epoch=True),
        callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
            model.get_weights()))])
    reference_history = reference.fit(
        x, y, epochs=3, batch_size=8, verbose=0, shuffle=False,
        callbacks=[callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: expected.append(
            _averages(reference)))])
    np.testing.assert_allclose(history.history["loss"], reference_history.history["loss"],
                               rtol=1e-6)
    for epoch, (ours, averages) in enumerate(zip(seen, expected)):
        for a, b in zip(ours, averages):
            np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=f"epoch {epoch}")


def test_an_optimizer_without_averages_is_refused():
    model, x, y = _model_and_data()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="use_ema=True"):
        model.evaluate(x, y, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
