"""On JAX the compiled training step donates its state: XLA writes the new weights and slots
into the old buffers instead of copying every one of them each step (as Keras 3 does)."""

import numpy as np
import pytest

import kerasette as keras


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_train_step_reuses_the_old_weight_buffers_on_jax():
    pytest.importorskip("jax")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    with keras.backend.use("jax"):
        model = _model()
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # builds and compiles the step
        kernel = model.layers[0].kernel
        before_value = kernel.value
        before = np.array(before_value)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        assert before_value.is_deleted(), "the step copied the weights instead of donating them"
        after = np.array(kernel.value)
        assert not np.allclose(before, after)  # the step did update the weights
        # what users read through the API stays readable
        assert model.get_weights()[0].shape == (4, 3)
        np.testing.assert_allclose(model.predict(x, verbose=0).shape, (16, 1))


def test_evaluate_and_predict_do_not_donate(backend):
    x = np.random.default_rng(1).normal(size=(8, 4)).astype("float32")
    model = _model()
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    value = model.layers[0].kernel.value
    model.evaluate(x, x[:, :1], verbose=0)
    model.predict(x, verbose=0)
    # the weights' arrays survive inference steps: still readable and unchanged
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(value),
                                  keras.ops.convert_to_numpy(model.layers[0].kernel.value))
