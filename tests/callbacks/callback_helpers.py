"""Shared pieces of the callback tests (imported by them, ``from callback_helpers import ...``): a tiny classifier, a scripted quantity, a fake model
for driving Keras's and kerasette's callbacks side by side."""

import numpy as np

import kerasette as keras


def make_data(samples=64, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = (np.argmax(x[:, :classes], axis=1)).astype("int32")
    return x, y


def make_model(features=4, classes=3, dropout=0.0, optimizer=None, seed=1):
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((features,)), keras.layers.Dense(8, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(classes, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer or keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class Scripted(keras.callbacks.Callback):
    """Puts ``values[epoch]`` into each epoch's logs under ``key`` (for the callbacks after it)."""

    def __init__(self, values, key="scripted"):
        super().__init__()
        self.values, self.key = list(values), key

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class FakeOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate
        self.name = "fake"


class FakeModel:
    """Just what the monitoring callbacks touch: stop_training, weights, an optimizer."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights_now = [np.zeros(1)]
        self.metrics = []

    def get_weights(self):
        return [w.copy() for w in self.weights_now]

    def set_weights(self, weights):
        self.weights_now = [np.array(w) for w in weights]
