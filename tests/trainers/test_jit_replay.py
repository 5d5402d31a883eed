"""On numpy the compiled steps are recorded once and replayed (``backends/autodiff/trace.py``):
``fit``, ``evaluate`` and ``predict`` give what the eager steps give, number for number,
for the models people train (dropout, batch normalization, several outputs, regularizers,
metrics); a model that reads a tensor's value in Python still trains, eagerly, with a
warning; ``run_eagerly`` and ``jit_compile=False`` keep the eager step."""

import warnings

import numpy as np
import pytest

import kerasette as keras
from kerasette.backends.autodiff.trace import Replayed


def _mlp():
    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(3)])


def _convnet():
    return keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.BatchNormalization(), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(), keras.layers.Dropout(0.3), keras.layers.Dense(3)])


def _two_outputs():
    inputs = keras.Input((12,), name="x")
    hidden = keras.layers.Dense(8, activation="tanh",
                                kernel_regularizer=keras.regularizers.L2(1e-2))(inputs)
    a = keras.layers.Dense(3, name="a")(hidden)
    b = keras.layers.Dense(1, activation="sigmoid", name="b")(hidden)
    return keras.Model(inputs, {"a": a, "b": b})


def _data(model_name, n=40):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 8, 8, 1) if model_name == "convnet" else (n, 12)).astype("float32")
    labels = rng.integers(0, 3, n)
    if model_name == "two_outputs":
        return x, {"a": labels, "b": (labels == 0).astype("float32")[:, None]}
    return x, labels


def _compiled(model_name, **options):
    keras.utils.set_random_seed(3)
    model = {"mlp": _mlp, "convnet": _convnet, "two_outputs": _two_outputs}[model_name]()
    if model_name == "two_outputs":
        model.compile(keras.optimizers.Adam(1e-2),
                      loss={"a": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                            "b": "binary_crossentropy"},
                      loss_weights={"a": 1.0, "b": 0.5}, metrics={"b": ["accuracy"]}, **options)
    else:
        model.compile(keras.optimizers.Adam(1e-2),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], **options)
    return model


def _run(model_name, **options):
    model = _compiled(model_name, **options)
    x, y = _data(model_name)
    # batch 8 over 40 samples, and 6 over 40: a last batch of another size (a second signature)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=True)
    model.fit(x, y, batch_size=6, epochs=1, verbose=0)
    evaluated = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    predicted = model.predict(x, batch_size=16, verbose=0)
    return model, history.history, evaluated, predicted


@pytest.mark.parametrize("model_name", ["mlp", "convnet", "two_outputs"])
def test_replayed_steps_give_the_eager_numbers(model_name):
    with keras.backend.use("numpy"), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no step may fall back to eager
        replayed, history, evaluated, predicted = _run(model_name)
        eager, eager_history, eager_evaluated, eager_predicted = _run(model_name,
                                                                      run_eagerly=True)
    for kind in ("train", "test", "predict"):
        function = replayed._steps[kind]["function"]
        assert isinstance(function, Replayed) and function.replaying() >= 1, kind
        assert not isinstance(eager._steps[kind]["function"], Replayed)
    for w, e in zip(replayed.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(w, e, rtol=1e-6, atol=1e-7)
    for key in eager_history:
        np.testing.assert_allclose(history[key], eager_history[key], rtol=1e-6)
    for key in eager_evaluated:
        np.testing.assert_allclose(evaluated[key], eager_evaluated[key], rtol=1e-6)
    if isinstance(predicted, dict):
        assert sorted(predicted) == sorted(eager_predicted)
        for key in predicted:
            np.testing.assert_allclose(predicted[key], eager_predicted[key], rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_allclose(predicted, eager_predicted, rtol=1e-6, atol=1e-7)


class _Branching(keras.layers.Layer):
    """Python branching on a tensor's value: no schedule can replay it."""

    def call(self, x):
        if float(keras.ops.sum(x)) > 0:
            return keras.ops.multiply(x, 2.0)
        return x


def test_a_model_that_reads_values_in_python_trains_eagerly_with_a_warning():
    x = np.abs(np.random.default_rng(1).normal(size=(16, 4))).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    def trained(**options):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), _Branching(), keras.layers.Dense(1)])
        model.compile("sgd", "mse", **options)
        model.fit(x, y, batch_size=4, epochs=2, verbose=0)
        return model

    with keras.backend.use("numpy"):
        with pytest.warns(RuntimeWarning, match="runs eagerly.*float\\(\\).*test_jit_replay"):
            model = trained()
        eager = trained(run_eagerly=True)
    for w, e in zip(model.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(w, e, rtol=1e-6)


def test_jit_compile_false_keeps_the_eager_step():
    with keras.backend.use("numpy"):
        model = _compiled("mlp", jit_compile=False)
        x, y = _data("mlp")
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        assert model.jit_compile is False
        assert not isinstance(model._steps["train"]["function"], Replayed)
