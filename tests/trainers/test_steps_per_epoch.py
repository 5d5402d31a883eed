"""``steps_per_epoch``, ``validation_steps`` and ``steps`` against the real Keras 3 (JAX).

Keras 3 walks data of known length (arrays, a PyDataset) pass by pass: an epoch takes
``steps_per_epoch`` batches from where the last one stopped, but never crosses the end of a
pass. An epoch that runs out before ``steps_per_epoch`` batches ends early with the warning
"Your input ran out of data", and the next epoch starts a new pass (reshuffled). So 32
samples in batches of 8 with ``steps_per_epoch=3`` train 3, 1, 3, 1, ... batches per epoch.
Each evaluation (``validation_steps`` included) starts at the first batch.

Each case runs once on Keras and once on kerasette (numpy backend: the batching is the same
code on every backend); a layer records the first sample of every batch it sees, so the
records compare the batches' contents, not only their number.
"""

import warnings

import numpy as np
import pytest

import kerasette

# Keras 3.15's Variable.__array__ predates numpy 2's copy keyword: its warning, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

X = np.arange(32, dtype="float32").reshape(32, 1)  # each sample is its own index
Y = np.zeros((32, 1), "float32")


def _model(K, log):
    class Seen(K.layers.Layer):
        """Records (training, first sample, batch size) of each batch of real data."""

        def call(self, x, training=None):
            if not isinstance(x, K.KerasTensor):
                try:
                    value = K.ops.convert_to_numpy(x)
                except Exception:  # a JAX tracer while Keras builds the model
                    return x
                log.append((bool(training), int(value[0, 0]), len(value)))
            return x

        def compute_output_shape(self, shape):
            return shape
    inputs = K.Input((1,))
    model = K.Model(inputs, K.layers.Dense(1)(Seen()(inputs)))
    model.compile("sgd", "mse", run_eagerly=True)
    return model


def _counter(K):
    class Count(K.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train, self.test = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self.train.append(0)

        def on_train_batch_end(self, batch, logs=None):
            self.train[-1] += 1

        def on_test_begin(self, logs=None):
            self.test.append(0)

        def on_test_batch_end(self, batch, logs=None):
            self.test[-1] += 1
    return Count()


def _dataset(K):
    class Batches(K.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return X[index * 8:(index + 1) * 8], Y[index * 8:(index + 1) * 8]
    return Batches()


def _generator():
    for index in range(4):
        yield X[index * 8:(index + 1) * 8], Y[index * 8:(index + 1) * 8]


# name -> what to run: the data-related arguments of fit, or ("evaluate"/"predict", steps)
CASES = {
    "fit_3_steps_of_4": dict(x=X, y=Y, steps_per_epoch=3, epochs=3,
                             validation_data=(X, Y), validation_steps=2),
    "fit_6_steps_of_4": dict(x=X, y=Y, steps_per_epoch=6, epochs=2,
                             validation_data=(X, Y), validation_steps=6),
    "fit_2_steps_of_4": dict(x=X, y=Y, steps_per_epoch=2, epochs=3),
    "fit_pydataset": dict(x="pydataset", steps_per_epoch=3, epochs=3),
    "fit_generator": dict(x="generator", steps_per_epoch=3, epochs=2),
    "evaluate_2": ("evaluate", 2),
    "evaluate_6": ("evaluate", 6),
    "predict_2": ("predict", 2),
    "predict_6": ("predict", 6),
}


def _run(K, case):
    log = []
    model = _model(K, log)
    count = _counter(K)
    record = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if isinstance(case, tuple):
            method, steps = case
            if method == "evaluate":
                model.evaluate(X, Y, batch_size=8, steps=steps, verbose=0, callbacks=[count])
            else:
                record["predicted"] = len(model.predict(X, batch_size=8, steps=steps, verbose=0))
        else:
            kwargs = dict(case)
            kwargs["x"] = {"pydataset": _dataset(K), "generator": _generator()}.get(
                kwargs["x"] if isinstance(kwargs["x"], str) else None, kwargs["x"])
            model.fit(batch_size=8, shuffle=False, verbose=0, callbacks=[count], **kwargs)
    record.update(batches=log, train_steps=count.train, test_steps=count.test,
                  ran_out=sum("ran out of data" in str(w.message) for w in caught))
    return record


@pytest.fixture(scope="module")
def keras_records(keras):
    return {name: _run(keras, case) for name, case in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_steps_follow_keras(name, keras_records):
    expected = keras_records[name]
    with kerasette.backend.use("numpy"):
        mine = _run(kerasette, CASES[name])
    assert mine["train_steps"] == expected["train_steps"]
    assert mine["test_steps"] == expected["test_steps"]
    # (training, first sample, batch size) of every batch, in order
    assert mine["batches"] == expected["batches"]
    assert mine.get("predicted") == expected.get("predicted")
    # the warning when an epoch runs out of data before steps_per_epoch (or steps) batches
    assert (mine["ran_out"] > 0) == (expected["ran_out"] > 0)


def test_a_shuffled_pass_spans_epochs_and_is_a_permutation():
    """With shuffle, epochs 1 and 2 (3 + 1 batches) are one pass: every sample exactly once;
    epochs 3 and 4 are a new pass, in another order."""
    log = []
    with kerasette.backend.use("numpy"):
        model = _model(kerasette, log)
        count = _counter(kerasette)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, Y, batch_size=8, steps_per_epoch=3, epochs=4, shuffle=True, verbose=0,
                      callbacks=[count])
    assert count.train == [3, 1, 3, 1]
    assert len(log) == 8
    adapter = kerasette.trainers.data_adapters.get_data_adapter(
        X, Y, batch_size=8, shuffle=True, steps_per_epoch=3, seed=7)
    adapter.seek(0)
    with pytest.warns(UserWarning, match=r"ran out of data; interrupting after 1 batch\(es\), "
                                         r"short of steps_per_epoch=3: the arrays hold 4 "):
        passes = [[b[0].ravel() for e in range(2) for b in adapter.epoch()] for _ in range(2)]
    for batches in passes:
        assert sorted(np.concatenate(batches).tolist()) == list(range(32))
    assert not np.array_equal(np.concatenate(passes[0]), np.concatenate(passes[1]))
    # seek lands on the batch the uninterrupted run drew: epoch 3 (the second pass's last
    # batch), and epoch 2 from its second batch
    fresh = kerasette.trainers.data_adapters.get_data_adapter(
        X, Y, batch_size=8, shuffle=True, steps_per_epoch=3, seed=7)
    fresh.seek(3)
    with pytest.warns(UserWarning, match="ran out of data"):
        np.testing.assert_array_equal([b[0].ravel() for b in fresh.epoch()], passes[1][3:])
    fresh.seek(2, 1)
    np.testing.assert_array_equal([b[0].ravel() for b in fresh.epoch()], passes[1][1:3])
