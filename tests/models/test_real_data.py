"""Real data: on a Fashion-MNIST subset, an MLP and a small CNN learn, on the numpy backend.

3,000 training images, 1,000 test images, 3 epochs of Adam: a few seconds each. The bars
(test accuracy > 0.75; chance is 0.10) are far below what these networks reach here
(about 0.82 for both), so they fail only when training is broken, not by bad luck. The
full-data figures are measured in ``benchmarks/``.

The dataset is read from disk only (``$KERASETTE_DATA``, ``~/.kerasette/datasets``,
``/usr/share/datasets/fashion-mnist``); without it the tests are skipped, saying how to
install it.
"""

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers

TRAIN, TEST = 3000, 1000
BAR = 0.75


@pytest.fixture(scope="module")
def fashion_mnist():
    """``(x_train, y_train), (x_test, y_test)``: a subset scaled to [0, 1], float32."""
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except FileNotFoundError as error:
        pytest.skip(f"Fashion-MNIST is not installed: {error}")
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.dtype == np.uint8
    scale = np.float32(1 / 255)
    return ((x_train[:TRAIN] * scale, y_train[:TRAIN].astype("int64")),
            (x_test[:TEST] * scale, y_test[:TEST].astype("int64")))


@pytest.fixture
def numpy_backend():
    """The numpy backend (the one that must train with nothing but numpy installed)."""
    with keras.backend.use("numpy") as active:
        yield active


def train_and_test(model, data):
    (x_train, y_train), (x_test, y_test) = data
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=3, batch_size=64, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=250, verbose=0)
    probabilities = model.predict(x_test, batch_size=250, verbose=0)
    assert probabilities.shape == (TEST, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # evaluate's accuracy is the accuracy of predict's answers
    assert accuracy == pytest.approx(float(np.mean(probabilities.argmax(axis=1) == y_test)),
                                     abs=1e-6)
    return history.history, loss, accuracy


def test_mlp_learns_fashion_mnist(numpy_backend, fashion_mnist):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    history, loss, accuracy = train_and_test(model, fashion_mnist)
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert accuracy > BAR, f"MLP test accuracy {accuracy:.3f} on {TEST} images"
    assert loss < 0.8


def test_cnn_learns_fashion_mnist(numpy_backend, fashion_mnist):
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = fashion_mnist
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    history, loss, accuracy = train_and_test(
        model, ((x_train[..., None], y_train), (x_test[..., None], y_test)))
    assert history["loss"][-1] < 0.6 * history["loss"][0]
    assert accuracy > BAR, f"CNN test accuracy {accuracy:.3f} on {TEST} images"
    assert loss < 0.8
