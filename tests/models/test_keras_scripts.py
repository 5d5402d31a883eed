"""Keras-compatibility tests written the way Keras users write scripts.

``import kerasette as keras`` and the code below is an ordinary Keras 3 script: Sequential
models (a list, ``.add()``, ``pop``, ``get_layer``, ``keras.Input`` first or built on the
first call), functional models with two inputs and two outputs (lists and dicts), shared
layers, a nested model used as a layer, subclassed models (the tutorial's hand-made
Sequential, a custom layer with ``add_weight`` and a ``training`` argument),
callbacks (``stop_training``), frozen layers, weight regularization, ``clone_model``,
``to_json``/``model_from_json`` (both ways with the real Keras), ``summary()`` (the table
text compared with Keras's) and a custom training loop with ``GradientTape`` and
``optimizer.apply_gradients``. Every script checks numbers.

In the tests that take the ``keras`` fixture, ``keras`` is the real Keras and kerasette is
spelled out.
"""

import json

import numpy as np
import pytest

import kerasette
import kerasette as keras
from kerasette import layers, ops

# Keras 3.15's Variable.__array__ predates numpy 2's copy keyword: its warning, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def to_numpy(x):
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    return np.asarray(ops.convert_to_numpy(x))


def assert_close(actual, expected, rtol=1e-6, atol=1e-7):
    """Compares two outputs: arrays, or lists of arrays of different shapes."""
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol, atol)
        return
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


def rng(seed=0):
    return np.random.default_rng(seed)


def dense(x, kernel, bias):
    return x @ kernel + bias


# ---------------------------------------------------------------------------- Sequential
def test_sequential_from_a_list_and_with_add_are_the_same_model(backend):
    x = rng().normal(size=(5, 4)).astype("float32")
    listed = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    added = keras.Sequential()
    added.add(keras.Input((4,)))
    added.add(layers.Dense(3, name="a2"))
    added.add(layers.Dense(2, name="b2"))
    assert listed.count_params() == added.count_params() == (4 * 3 + 3) + (3 * 2 + 2)
    added.set_weights(listed.get_weights())
    kernel_a, bias_a, kernel_b, bias_b = listed.get_weights()
    expected = dense(dense(x, kernel_a, bias_a), kernel_b, bias_b)
    np.testing.assert_allclose(to_numpy(listed(x)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_numpy(added(x)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(listed.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_sequential_pop_get_layer_and_add_again(backend):
    x = rng().normal(size=(5, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="a"), layers.Dense(2, name="b")])
    assert model.get_layer("a") is model.layers[0]
    assert model.get_layer(index=1).name == "b"
    with pytest.raises(ValueError, match="nope"):
        model.get_layer("nope")
    kernel_a, bias_a = model.layers[0].get_weights()

    popped = model.pop()
    assert popped.name == "b"
    assert [layer.name for layer in model.layers] == ["a"]
    assert model.output_shape == (None, 3)
    assert model.count_params() == 4 * 3 + 3
    np.testing.assert_allclose(to_numpy(model(x)), dense(x, kernel_a, bias_a), rtol=1e-5, atol=1e-6)

    model.add(layers.Dense(6, name="c"))
    assert model.output_shape == (None, 6)
    assert to_numpy(model(x)).shape == (5, 6)
    assert model.count_params() == 4 * 3 + 3 + 3 * 6 + 6


def test_sequential_built_on_first_call_or_from_input_shape(backend):
    x = rng().normal(size=(7, 4)).astype("float32")
    lazy = keras.Sequential([layers.Dense(3, activation="relu"), layers.Dense(1)])
    assert not lazy.built and lazy.weights == []
    out = to_numpy(lazy(x))
    assert lazy.built and out.shape == (7, 1)
    assert [tuple(w.shape) for w in lazy.weights] == [(4, 3), (3,), (3, 1), (1,)]
    kernel_a, bias_a, kernel_b, bias_b = lazy.get_weights()
    np.testing.assert_allclose(out, dense(np.maximum(dense(x, kernel_a, bias_a), 0), kernel_b, bias_b),
                               rtol=1e-5, atol=1e-6)

    eager = keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(1)])
    assert eager.built and eager.count_params() == lazy.count_params()
    assert eager.input_shape == (None, 4) and eager.output_shape == (None, 1)

    # built by fit, without any input shape given
    fitted = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    fitted.compile(optimizer="sgd", loss="mse")
    fitted.fit(x, x[:, :1], epochs=1, batch_size=7, verbose=0)
    assert fitted.built and fitted.count_params() == lazy.count_params()


# ---------------------------------------------------------------------------- Functional
def two_input_data(n=96, seed=0):
    g = rng(seed)
    a = g.normal(size=(n, 3)).astype("float32")
    b = g.normal(size=(n, 2)).astype("float32")
    total = (a.sum(axis=1) + 2 * b.sum(axis=1))[:, None].astype("float32")
    label = (a[:, 0] > b[:, 0]).astype("int64")
    return a, b, total, label


def two_input_model(dict_io=False):
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    x = layers.Concatenate(name="merge")([a, b])
    h = layers.Dense(16, activation="tanh", name="hidden")(x)
    total = layers.Dense(1, name="total")(h)
    label = layers.Dense(2, activation="softmax", name="label")(h)
    if dict_io:
        return keras.Model({"a": a, "b": b}, {"total": total, "label": label})
    return keras.Model([a, b], [total, label])


def forward(model, a, b):
    """The two-input model by hand, from its layers' weights."""
    kernel_h, bias_h = model.get_layer("hidden").get_weights()
    kernel_t, bias_t = model.get_layer("total").get_weights()
    kernel_l, bias_l = model.get_layer("label").get_weights()
    h = np.tanh(dense(np.concatenate([a, b], axis=1), kernel_h, bias_h))
    logits = dense(h, kernel_l, bias_l)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return dense(h, kernel_t, bias_t), probs / probs.sum(axis=1, keepdims=True)


def test_functional_two_inputs_two_outputs_with_lists(backend):
    a, b, total, label = two_input_data()
    model = two_input_model()
    assert [t.shape for t in model.inputs] == [(None, 3), (None, 2)]
    assert [t.shape for t in model.outputs] == [(None, 1), (None, 2)]
    model.compile(optimizer=keras.optimizers.Adam(0.03),
                  loss=["mse", "sparse_categorical_crossentropy"], metrics=[[], ["accuracy"]])
    history = model.fit([a, b], [total, label], epochs=25, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.2 * losses[0]
    assert history.history["label_accuracy"][-1] > 0.85
    predicted_total, predicted_label = model.predict([a, b], verbose=0)
    expected_total, expected_label = forward(model, a, b)
    np.testing.assert_allclose(predicted_total, expected_total, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(predicted_label, expected_label, rtol=1e-4, atol=1e-5)
    # evaluate agrees with the last epoch's figures on the same data, up to the last steps
    results = model.evaluate([a, b], [total, label], verbose=0, return_dict=True)
    assert results["label_accuracy"] > 0.85 and results["loss"] < 0.3 * losses[0]


def test_functional_with_dict_inputs_and_outputs(backend):
    a, b, total, label = two_input_data()
    model = two_input_model(dict_io=True)
    # a dict's outputs come in the order of its sorted keys: "label" before "total"
    assert model.output_names == ["label", "total"]
    assert [layer.name for layer in model.layers] == ["a", "b", "merge", "hidden", "label", "total"]
    model.compile(optimizer=keras.optimizers.Adam(0.03),
                  loss={"total": "mse", "label": "sparse_categorical_crossentropy"},
                  loss_weights={"total": 1.0, "label": 2.0}, metrics={"label": "accuracy"})
    history = model.fit({"a": a, "b": b}, {"total": total, "label": label}, epochs=25,
                        batch_size=32, verbose=0)
    assert {"loss", "total_loss", "label_loss", "label_accuracy"} == set(history.history)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]
    # the total loss is the weighted sum of the outputs' losses (per epoch, as means)
    np.testing.assert_allclose(
        history.history["loss"],
        np.add(history.history["total_loss"], np.multiply(2.0, history.history["label_loss"])),
        rtol=1e-4)
    predicted = model.predict({"a": a, "b": b}, batch_size=40, verbose=0)
    assert sorted(predicted) == ["label", "total"]
    expected_total, expected_label = forward(model, a, b)
    np.testing.assert_allclose(predicted["total"], expected_total, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(predicted["label"], expected_label, rtol=1e-4, atol=1e-5)
    # the same weights in the list-structured twin give the same numbers
    as_lists = two_input_model()
    for layer in as_lists.layers:
        layer.set_weights(model.get_layer(layer.name).get_weights())
    twin_total, twin_label = to_numpy(as_lists([a, b]))
    np.testing.assert_allclose(twin_total, predicted["total"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(twin_label, predicted["label"], rtol=1e-5, atol=1e-6)


def test_shared_layers_and_a_nested_model(backend):
    g = rng(1)
    left = g.normal(size=(64, 3)).astype("float32")
    right = g.normal(size=(64, 3)).astype("float32")
    target = ((left - right) @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")

    encoder = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="encode")], name="encoder")
    a = keras.Input((3,), name="left")
    b = keras.Input((3,), name="right")
    difference = layers.Subtract(name="difference")([encoder(a), encoder(b)])  # shared model
    score = layers.Dense(1, name="score")(difference)
    model = keras.Model([a, b], score)
    assert [layer.name for layer in model.layers] == ["left", "right", "encoder", "difference",
                                                      "score"]
    assert len(model.weights) == 4  # the encoder's weights once, though it is called twice
    assert model.count_params() == (3 * 4 + 4) + (4 + 1)

    before = encoder.get_weights()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit([left, right], target, epochs=30, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]
    after = encoder.get_weights()
    assert np.abs(after[0] - before[0]).max() > 1e-2  # training reached the nested model

    # by hand: the encoder's bias cancels in the difference
    kernel_e, _, kernel_s, bias_s = model.get_weights()
    expected = (left - right) @ kernel_e @ kernel_s + bias_s
    np.testing.assert_allclose(model.predict([left, right], verbose=0), expected,
                               rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------- subclassing
class MySequential(keras.Model):
    """The hand-made Sequential of Keras's guide: a list of layers called in order."""

    def __init__(self, layer_list, **kwargs):
        super().__init__(**kwargs)
        self.layer_list = layer_list

    def call(self, inputs):
        x = inputs
        for layer in self.layer_list:
            x = layer(x)
        return x


def test_subclassed_model_holding_a_list_of_layers(backend):
    g = rng(2)
    x = g.normal(size=(96, 5)).astype("float32")
    y = (np.sin(x[:, :1]) + x[:, 1:2] ** 2).astype("float32")
    model = MySequential([layers.Dense(16, activation="relu"), layers.Dense(1)], name="my_sequential")
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    assert len(model.weights) == 4 and len(model.trainable_weights) == 4
    assert model.count_params() == (5 * 16 + 16) + (16 + 1)
    assert model.layers == model.layer_list
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    kernel_a, bias_a, kernel_b, bias_b = model.get_weights()
    expected = dense(np.maximum(dense(x, kernel_a, bias_a), 0), kernel_b, bias_b)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "my_sequential"' in text and "(Dense)" in text
    assert f"Trainable params: {model.count_params():,}" in text


class CountingLinear(layers.Layer):
    """``x @ kernel + bias`` (+ 1 while training), counting its training calls in a
    non-trainable weight."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.training_calls = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                              name="training_calls")

    def call(self, inputs, training=False):
        outputs = ops.matmul(inputs, self.kernel) + self.bias
        if training:
            self.training_calls.assign_add(1.0)
            outputs = outputs + 1.0
        return outputs

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_layer_with_add_weight_and_a_training_argument(backend):
    g = rng(3)
    x = g.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([[2.0], [-1.0], [0.5]], dtype="float32") + 1.0).astype("float32")
    layer = CountingLinear(1, name="counting")
    model = keras.Sequential([keras.Input((3,)), layer])
    assert [v.path for v in layer.weights] == ["counting/kernel", "counting/bias",
                                               "counting/training_calls"]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 1
    kernel, bias, _ = layer.get_weights()
    inference = to_numpy(model(x))
    training = to_numpy(model(x, training=True))
    np.testing.assert_allclose(inference, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(training, inference + 1.0, rtol=1e-5, atol=1e-6)
    assert float(to_numpy(layer.training_calls)) == 1.0

    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, epochs=3, batch_size=10, verbose=0)  # 4 steps per epoch
    assert float(to_numpy(layer.training_calls)) == 1.0 + 12.0
    model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert float(to_numpy(layer.training_calls)) == 13.0  # inference does not count


# ---------------------------------------------------------------------------- callbacks, freezing
class StopAfterTwoEpochs(keras.callbacks.Callback):
    """Records what ``fit`` tells a callback, and stops training after the second epoch."""

    def __init__(self):
        super().__init__()
        self.events = []
        self.epoch_logs = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(f"batch_{batch}")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(f"epoch_{epoch}")
        self.epoch_logs.append(dict(logs))
        if epoch == 1:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_callbacks_see_the_logs_and_can_stop_training(backend):
    x, _, _, label = two_input_data(n=40)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callback = StopAfterTwoEpochs()
    history = model.fit(x, label, epochs=10, batch_size=20, verbose=0, callbacks=[callback],
                        validation_data=(x[:10], label[:10]))
    assert history.epoch == [0, 1] and len(history.history["loss"]) == 2
    assert callback.events == ["train_begin", "batch_0", "batch_1", "epoch_0", "batch_0",
                               "batch_1", "epoch_1", "train_end"]
    assert callback.model is model and model.history is history
    assert history.params == {"verbose": 0, "epochs": 10, "steps": 2}
    assert sorted(callback.epoch_logs[0]) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(type(v) is float for v in callback.epoch_logs[1].values())
    assert history.history["val_loss"] == [logs["val_loss"] for logs in callback.epoch_logs]


def test_frozen_layers_keep_their_weights(backend):
    x, _, total, _ = two_input_data(n=32)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="frozen"),
                              layers.Dense(1, name="free")])
    model.get_layer("frozen").trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    frozen, free = model.get_layer("frozen").get_weights(), model.get_layer("free").get_weights()
    model.fit(x, total, epochs=2, batch_size=16, verbose=0)
    for before, after in zip(frozen, model.get_layer("frozen").get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(free[0], model.get_layer("free").get_weights()[0])
    lines = []
    model.summary(print_fn=lines.append)
    assert " Trainable params: 5 (20.00 B)" in lines and " Non-trainable params: 16 (64.00 B)" in lines


def test_weight_regularization_joins_the_loss(backend):
    x, _, total, _ = two_input_data(n=32)
    model = keras.Sequential([keras.Input((3,)),
                              layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.1))])
    model.compile(optimizer="sgd", loss="mse")
    kernel, bias = model.get_weights()
    expected = float(np.mean((x @ kernel + bias - total) ** 2) + 0.1 * np.sum(kernel ** 2))
    assert model.evaluate(x, total, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------------------- cloning, JSON
def test_clone_model_has_the_architecture_and_fresh_weights(backend):
    x = rng(4).normal(size=(6, 3)).astype("float32")
    for model in (keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"),
                                    layers.Dense(2)]),
                  two_input_model()):
        clone = keras.models.clone_model(model)
        assert clone is not model
        assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in model.layers]
        assert [l.name for l in clone.layers] == [l.name for l in model.layers]
        assert clone.count_params() == model.count_params()
        assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
        kernels = [w for w in model.get_weights() if w.ndim == 2]
        clone_kernels = [w for w in clone.get_weights() if w.ndim == 2]
        assert all(not np.array_equal(a, b) for a, b in zip(kernels, clone_kernels))
        clone.set_weights(model.get_weights())
        inputs = x if isinstance(model, keras.Sequential) else [x, x[:, :2]]
        assert_close(to_numpy(clone(inputs)), to_numpy(model(inputs)))


def test_to_json_and_model_from_json_round_trip(backend):
    x = rng(5).normal(size=(6, 3)).astype("float32")
    sequential = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu", name="h"),
                                   layers.Dropout(0.3, name="drop"), layers.Dense(2, name="o")],
                                  name="seq")
    functional = two_input_model()
    for model, inputs, class_name in ((sequential, x, "Sequential"),
                                      (functional, [x, x[:, :2]], "Functional")):
        text = model.to_json()
        assert json.loads(text)["class_name"] == class_name
        restored = keras.models.model_from_json(text)
        assert type(restored).__name__ == class_name
        assert restored.name == model.name
        assert [l.name for l in restored.layers] == [l.name for l in model.layers]
        assert restored.count_params() == model.count_params()
        restored.set_weights(model.get_weights())
        assert_close(to_numpy(restored(inputs)), to_numpy(model(inputs)))
    custom = keras.Sequential([keras.Input((3,)), CountingLinear(2, name="counting")])
    restored = keras.models.model_from_json(custom.to_json(),
                                            custom_objects={"CountingLinear": CountingLinear})
    assert restored.layers[0].units == 2 and restored.count_params() == custom.count_params()


def _pair(K):
    a = K.Input((3,), name="a")
    b = K.Input((2,), name="b")
    h = K.layers.Dense(5, activation="relu", name="hidden")(K.layers.Concatenate(name="merge")([a, b]))
    return K.Model([a, b], [K.layers.Dense(1, name="y1")(h), K.layers.Dense(2, name="y2")(h)],
                   name="pair")


def _same_model(restored, original, restored_call, original_call):
    assert [l.name for l in restored.layers] == [l.name for l in original.layers]
    assert [type(l).__name__ for l in restored.layers] == [type(l).__name__ for l in original.layers]
    assert restored.count_params() == original.count_params()
    restored.set_weights(original.get_weights())
    x = rng(6).normal(size=(6, 3)).astype("float32")
    for mine, reference in zip(restored_call([x, x[:, :2]]), original_call([x, x[:, :2]])):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)


def test_kerasette_json_loads_in_keras(backend, keras):
    """The config kerasette writes is Keras 3's: the real Keras rebuilds the model from it."""
    ours = _pair(kerasette)
    theirs = keras.models.model_from_json(ours.to_json())
    _same_model(theirs, ours, lambda x: [np.asarray(t) for t in theirs(x)], lambda x: to_numpy(ours(x)))


def test_keras_json_loads_in_kerasette(backend, keras):
    """kerasette rebuilds a model from the config the real Keras writes."""
    theirs = _pair(keras)
    config = json.loads(theirs.to_json())
    try:
        layers.Dense(1, quantization_config=None)
        refused = None
    except TypeError as error:  # known: checked without the key, then reported as xfail
        refused = error
        for layer in config["config"]["layers"]:
            layer["config"].pop("quantization_config", None)
    ours = kerasette.models.model_from_json(json.dumps(config))
    _same_model(ours, theirs, lambda x: to_numpy(ours(x)), lambda x: [np.asarray(t) for t in theirs(x)])
    if refused is not None:
        pytest.xfail(f"Dense (layers/core/dense.py) refuses Keras 3.15's quantization_config, "
                     f"which Keras writes in every Dense config: {refused}")


# ---------------------------------------------------------------------------- summary
def _summary_text(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda text, **_: lines.extend(text.rstrip("\n").split("\n")), **kwargs)
    return lines


@pytest.mark.parametrize("options", [{}, {"show_trainable": True}, {"line_length": 90},
                                     {"expand_nested": True}],
                         ids=["default", "show_trainable", "line_length", "expand_nested"])
def test_summary_text_matches_keras(backend, keras, monkeypatch, options):
    """The table, row for row, as Keras prints it (wrapped cells, "Connected to" for a
    branching graph, totals); the terminal is made 120 columns wide for both."""
    monkeypatch.setenv("COLUMNS", "120")
    x = np.zeros((2, 3), dtype="float32")

    def scripts(K):
        sequential = K.Sequential([K.Input((3,)), K.layers.Dense(4, activation="relu", name="hidden"),
                                   K.layers.BatchNormalization(name="batch_normalization_layer"),
                                   K.layers.Dense(1, name="output")], name="stack")
        a = K.Input((3,), name="a")
        b = K.Input((2,), name="b")
        inner_input = K.Input((3,), name="inner_input")
        inner = K.Model(inner_input, K.layers.Dense(2, name="inner_dense")(inner_input), name="inner")
        shared = K.layers.Dense(2, name="shared")
        merged = K.layers.Concatenate(name="merge")([shared(a), inner(a), b])
        functional = K.Model([a, b], [K.layers.Dense(1, name="y1")(merged),
                                      K.layers.Dense(2, name="y2")(shared(a))], name="graph")

        class Stack(K.Model):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.first = K.layers.Dense(4, name="first")
                self.second = K.layers.Dense(1, name="second")

            def call(self, inputs):
                return self.second(self.first(inputs))
        subclassed = Stack(name="subclassed")
        subclassed(x)

        # a nested model with a dict of two outputs; and a model not built yet
        c = K.Input((3,), name="c")
        pair = K.Model(c, {"p": K.layers.Dense(2, name="p")(c), "q": K.layers.Dense(1, name="q")(c)},
                       name="pair")
        d = K.Input((3,), name="d")
        outputs = pair(d)
        nested = K.Model(d, K.layers.Concatenate(name="join")([outputs["p"], outputs["q"]]),
                         name="nested")
        unbuilt = K.Sequential([K.layers.Dense(3, name="u1"), K.layers.Dense(1, name="u2")],
                               name="unbuilt")
        return sequential, functional, subclassed, nested, unbuilt

    for ours, theirs in zip(scripts(kerasette), scripts(keras)):
        mine, reference = _summary_text(ours, **options), _summary_text(theirs, **options)
        assert mine == reference, "\n".join(["kerasette:"] + mine + ["keras:"] + reference)


# ---------------------------------------------------------------------------- training loop
def test_custom_training_loop_with_gradient_tape(backend):
    g = rng(7)
    x = g.normal(size=(32, 3)).astype("float32")
    true_kernel = np.array([[1.5], [-2.0], [0.5]], dtype="float32")
    y = (x @ true_kernel + 0.3).astype("float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    loss_fn = keras.losses.MeanSquaredError()

    kernel0, bias0 = model.get_weights()
    with keras.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    # the step by hand: d/dW mean((xW + b - y)^2) = 2 x^T (xW + b - y) / n
    residual = x @ kernel0 + bias0 - y
    kernel1, bias1 = model.get_weights()
    np.testing.assert_allclose(kernel1, kernel0 - 0.1 * 2 * x.T @ residual / 32, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias1, bias0 - 0.1 * 2 * residual.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert float(to_numpy(loss)) == pytest.approx(float((residual ** 2).mean()), rel=1e-5)

    losses = []
    for _ in range(60):
        with keras.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(to_numpy(loss)))
    assert losses[-1] < 1e-3 < losses[0]
    np.testing.assert_allclose(model.get_weights()[0], true_kernel, atol=0.05)
    assert int(to_numpy(optimizer.iterations)) == 61
