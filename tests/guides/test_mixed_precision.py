"""Keras's mixed precision guide (keras-io ``guides/mixed_precision.py``), on kerasette: set
the global policy to "mixed_float16", build the guide's model (Dense layers, then a float32
softmax Activation so the outputs are float32), train it with ``compile``'s automatic loss
scaling on a slice of scikit-learn's digits, on every backend. The weights stay float32,
the hidden activations are float16, the outputs float32, and the model learns.
"""

import numpy as np
import pytest

import kerasette


@pytest.fixture
def digits():
    pytest.importorskip("sklearn")
    (x_train, y_train), (x_test, y_test) = kerasette.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    return (x_train[:512], y_train[:512]), (x_test[:128], y_test[:128])  # a quick slice


@pytest.fixture
def mixed_float16():
    kerasette.mixed_precision.set_global_policy("mixed_float16")
    yield kerasette.mixed_precision.global_policy()
    kerasette.dtype_policies.reset_dtype_policy()  # none set: floatx()'s policy again


def test_the_mixed_precision_guide(backend, digits, mixed_float16):
    keras, layers = kerasette, kerasette.layers
    (x_train, y_train), (x_test, y_test) = digits
    assert (mixed_float16.compute_dtype, mixed_float16.variable_dtype) == ("float16", "float32")

    inputs = keras.Input(shape=(64,), name="digits")
    dense1 = layers.Dense(64, activation="relu", name="dense_1")
    x = dense1(inputs)
    assert (dense1.dtype_policy.name, x.dtype) == ("mixed_float16", "float16")
    assert dense1.kernel.dtype == "float32"
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    x = layers.Dense(10, name="dense_logits")(x)
    assert x.dtype == "float16"
    # the guide's advice: the last layer outputs float32, for a numerically stable softmax
    outputs = layers.Activation("softmax", dtype="float32", name="predictions")(x)
    assert outputs.dtype == "float32"

    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.RMSprop(),
                  metrics=["accuracy"])
    assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
    history = model.fit(x_train, y_train, batch_size=32, epochs=5, verbose=0)

    losses = history.history["loss"]
    assert all(np.isfinite(losses)) and losses[-1] < 0.6 * losses[0]
    # most test digits right, from chance (0.1); a float32 run gets about 0.84 here
    accuracy = np.mean(np.argmax(model(x_test), axis=-1) == y_test)
    assert accuracy > 0.75
    assert {w.dtype for w in model.weights} == {"float32"}
    assert kerasette.ops.dtype(model(x_test[:4])) == "float32"
    hidden = keras.Model(inputs, model.get_layer("dense_2").output)
    assert kerasette.ops.dtype(hidden(x_test[:4])) == "float16"
    # no step overflowed at the default scale (2**15): none was skipped
    assert int(model.optimizer.iterations.numpy()) == 5 * 16
