"""Writes the .keras files that tests/saving/test_old_files.py loads, with the kerasette of
the commit that ran it (the files here were written at 39453ff, before the API's floors and the
tracker were rebuilt), and the predictions they must give.

    python tests/saving/files/make_files.py tests/saving/files
"""

import sys

import numpy as np

import kerasette as keras
from kerasette import layers


@keras.saving.register_keras_serializable(package="old_files")
class Blocks(keras.Model):
    """A subclassed model with state in an attribute, a list and a dict."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.stem = layers.Dense(units, activation="relu")
        self.blocks = [layers.Dense(units, activation="tanh"), layers.Dense(units)]
        self.heads = {"out": layers.Dense(1)}

    def call(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = x + block(x)
        return self.heads["out"](x)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def models():
    inputs = keras.Input((6,), name="features")
    hidden = layers.Dense(5, activation="relu", name="hidden")(inputs)
    normed = layers.BatchNormalization(name="norm")(hidden)
    functional = keras.Model(inputs, layers.Dense(2, name="scores")(normed), name="functional")
    sequential = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                                   layers.Dropout(0.1), layers.Dense(3)], name="sequential")
    return {"functional": functional, "sequential": sequential, "subclassed": Blocks()}


def main(folder):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(32, 6)).astype("float32")
    keras.utils.set_random_seed(7)
    expected = {"x": x}
    for name, model in models().items():
        outputs = 1 if name == "subclassed" else (2 if name == "functional" else 3)
        y = rng.normal(size=(32, outputs)).astype("float32")
        model.compile(keras.optimizers.Adam(1e-2), "mse")
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        model.save(f"{folder}/{name}.keras")
        expected[name] = np.asarray(model.predict(x, verbose=0))
        expected[f"{name}_iterations"] = np.asarray(model.optimizer.iterations.numpy())
    np.savez(f"{folder}/expected.npz", **expected)


if __name__ == "__main__":
    main(sys.argv[1])
