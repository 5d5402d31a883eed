"""What the trainer gives callbacks: params, stop_training after a batch, EMA finalization,
shuffles that depend on (seed, epoch) only, reproducible unseeded Dropout."""

import numpy as np
import pytest

import kerasette as keras
from kerasette.trainers import data_adapters
from callback_helpers import make_data, make_model


def batches(adapter):
    return [batch[0].copy() for batch in adapter.epoch()]


@pytest.mark.parametrize("steps_per_epoch", [None, 3])
def test_epoch_k_shuffles_the_same_whether_or_not_earlier_epochs_ran(steps_per_epoch):
    x = np.arange(50, dtype="float32").reshape(50, 1)
    adapter = data_adapters.get_data_adapter(x, x, batch_size=8, shuffle=True, seed=42,
                                             steps_per_epoch=steps_per_epoch)
    adapter.seek(0)
    epochs = [batches(adapter) for _ in range(4)]
    assert [len(e) for e in epochs] == ([7] * 4 if steps_per_epoch is None else [3, 3, 1, 3])
    assert not all(np.array_equal(a, b) for a, b in zip(epochs[0], epochs[1]))
    for k in range(4):
        fresh = data_adapters.get_data_adapter(x, x, batch_size=8, shuffle=True, seed=42,
                                               steps_per_epoch=steps_per_epoch)
        fresh.seek(k)
        for a, b in zip(batches(fresh), epochs[k]):
            np.testing.assert_array_equal(a, b)
        # mid-epoch: the rest of epoch k, then epoch k + 1 from its start (with
        # steps_per_epoch=3, the seven batches of a pass make epochs of 3, 3 and 1)
        middle = min(2, len(epochs[k]))
        fresh.seek(k, middle)
        rest = batches(fresh)
        assert len(rest) == len(epochs[k]) - middle
        for a, b in zip(rest, epochs[k][middle:]):
            np.testing.assert_array_equal(a, b)
        if k < 3:
            for a, b in zip(batches(fresh), epochs[k + 1]):
                np.testing.assert_array_equal(a, b)
    # every pass is a permutation of the samples (with steps_per_epoch=3, epochs 0 to 2)
    one_pass = epochs[2] if steps_per_epoch is None else epochs[0] + epochs[1] + epochs[2]
    assert sorted(np.concatenate(one_pass).ravel().tolist()) == list(range(50))


def test_params_and_stop_training_after_a_batch(backend):
    x, y = make_data(samples=40)
    model = make_model()
    seen = {}

    class StopMidEpoch(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["params"] = dict(self.params)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == (1, 1):
                self.model.stop_training = True
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[StopMidEpoch()])
    assert seen["params"] == {"verbose": 0, "epochs": 5, "steps": 3}
    assert history.epoch == [0, 1]
    assert int(model.optimizer.iterations.numpy()) == 3 + 2


def test_ema_weights_replace_the_weights_when_fit_ends(backend):
    x, y = make_data()
    plain = make_model(optimizer=keras.optimizers.SGD(0.1))
    plain.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    model = make_model(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8))
    last_step = []
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False, callbacks=[
        keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: last_step.append(model.get_weights()))])
    averages = [v.numpy() for v in model.optimizer._model_variables_moving_average]
    for weight, average in zip(model.get_weights(), averages):
        np.testing.assert_array_equal(weight, average)
    # the raw weights of the last step (what plain SGD ends at) are not what fit leaves
    for raw, reference in zip(last_step[-1], plain.get_weights()):
        np.testing.assert_allclose(raw, reference, rtol=1e-5, atol=1e-6)
    assert max(float(np.abs(a - b).max()) for a, b in zip(averages, last_step[-1])) > 1e-4


def test_unseeded_dropout_is_reproducible_under_set_random_seed(backend):
    x, y = make_data()
    runs = []
    for _ in range(2):
        model = make_model(dropout=0.5, seed=77)
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    other = make_model(dropout=0.5, seed=78)
    other.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert max(float(np.abs(a - b).max()) for a, b in zip(runs[0], other.get_weights())) > 0
