"""Training on the cupy backend: on a GPU where CuPy is installed, else on the CPU stand-in
(``tests/cupy_standin``, see ``tests/conftest.py``).

- a train step reads nothing back from the device: the stand-in counts every host read
  (``bool()``, ``float()``, ``.item()``, ``asnumpy``, ...) and the count of a ``fit`` does not
  grow with its number of steps (only the epoch's logs are read, at its end);
- the same model trained on numpy and on cupy from the same weights ends at the same
  weights (float32 rounding apart).
"""

import contextlib
import io

import numpy as np
import pytest

import kerasette
from backend_availability import REAL_CUPY, unavailable

pytestmark = pytest.mark.standin


@pytest.fixture
def cupy_backend():
    reason = unavailable("cupy", standin_ok=True)
    if reason:
        pytest.skip(reason)
    with kerasette.backend.use("cupy") as active:
        yield active


def _cnn(dropout=True):
    layers = kerasette.layers
    return kerasette.Sequential([
        kerasette.Input((8, 8, 1)), layers.Conv2D(4, 3), layers.BatchNormalization(),
        layers.Activation("relu"), layers.MaxPooling2D(2), layers.Flatten()]
        + ([layers.Dropout(0.5)] if dropout else []) + [layers.Dense(10)])


def _mlp(dropout=True):
    layers = kerasette.layers
    return kerasette.Sequential([kerasette.Input((64,)), layers.Dense(32, activation="relu")]
                                + ([layers.Dropout(0.3)] if dropout else [])
                                + [layers.Dense(10)])


def _data(model_kind, samples, seed=0):
    rng = np.random.default_rng(seed)
    shape = (samples, 8, 8, 1) if model_kind == "cnn" else (samples, 64)
    return rng.random(shape, dtype=np.float32), rng.integers(0, 10, samples).astype("int32")


def _compiled(model, **kwargs):
    model.compile(kerasette.optimizers.Adam(1e-2),
                  kerasette.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], **kwargs)
    return model


@pytest.mark.skipif(REAL_CUPY, reason="host reads are counted by the CPU stand-in only")
@pytest.mark.parametrize("run_eagerly", [False, True], ids=["replayed", "eager"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_a_train_step_reads_nothing_back_from_the_device(cupy_backend, kind, run_eagerly):
    import cupy
    model = _compiled(_cnn() if kind == "cnn" else _mlp(), run_eagerly=run_eagerly)
    x, y = _data(kind, 64)
    reads = {}
    for steps in (2, 8):  # steps per epoch
        with contextlib.redirect_stdout(io.StringIO()):
            model.fit(x, y, batch_size=8, epochs=1, steps_per_epoch=steps, verbose=1)
            cupy.SYNCS.clear()
            model.fit(x, y, batch_size=8, epochs=2, steps_per_epoch=steps, verbose=1)
        reads[steps] = dict(cupy.SYNCS)
    assert reads[2] == reads[8], (
        f"host reads in two epochs of 2 and of 8 steps: {reads[2]} vs {reads[8]}: "
        "a train step reads values back from the device")
    # what is read: the epoch's logs (loss and accuracy), at its end
    assert sum(reads[8].values()) <= 2 * 2, reads[8]


def _train(backend_name, kind, weights, x, y, steps):
    with kerasette.backend.use(backend_name):
        model = _compiled(_cnn(dropout=False) if kind == "cnn" else _mlp(dropout=False))
        model.set_weights(weights)
        for step in range(steps):
            batch = slice(8 * step, 8 * step + 8)
            model.train_on_batch(x[batch], y[batch])
        return model.get_weights(), model.predict(x[:16], verbose=0)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_training_on_cupy_ends_where_numpy_ends(cupy_backend, kind):
    x, y = _data(kind, 80, seed=1)
    with kerasette.backend.use("numpy"):
        weights = (_cnn(dropout=False) if kind == "cnn" else _mlp(dropout=False)).get_weights()
    numpy_weights, numpy_predictions = _train("numpy", kind, weights, x, y, steps=10)
    cupy_weights, cupy_predictions = _train("cupy", kind, weights, x, y, steps=10)
    assert all(type(w) is np.ndarray for w in cupy_weights)
    for expected, got in zip(numpy_weights, cupy_weights):
        np.testing.assert_allclose(got, expected, rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(cupy_predictions, numpy_predictions, rtol=2e-4, atol=2e-5)
    # the weights moved: ten steps of Adam 1e-2 are not a no-op
    assert max(np.abs(w - w0).max() for w, w0 in zip(cupy_weights, weights)) > 1e-3
