"""A built model called on data of the wrong shape: the error names the model and its expected
input shape first (as Keras 3's does), then what the layers that take that input say of it.

Keras 3 says, for the same mistakes, ``Input 0 with name 'features' of layer 'clf' is
incompatible with the layer: expected shape=(None, 6), found shape=(32, 5)`` (Functional) and
``Invalid input shape for input ... Expected shape (None, 6), but input has incompatible shape
(32, 5, 2)`` (Sequential); kerasette's messages carry the same facts in the house style.
"""

import re

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers


def sequential():
    return keras.Sequential([keras.Input((6,), name="features"),
                             layers.Dense(5, name="hidden"),
                             layers.Dense(3, name="probs")], name="clf")


def functional():
    inputs = keras.Input((6,), name="features")
    outputs = layers.Dense(3, name="probs")(layers.Dense(5, name="hidden")(inputs))
    return keras.Model(inputs, outputs, name="graph")


@pytest.mark.parametrize("make, kind, name", [
    (sequential, "Sequential", "clf"), (functional, "Functional", "graph"),
], ids=["sequential", "functional"])
@pytest.mark.parametrize("shape", [(32, 5), (32, 5, 2), (32, 6, 2)])
def test_the_error_names_the_model_its_input_shape_and_the_first_layer(backend, make, kind,
                                                                      name, shape):
    model = make()
    data = np.zeros(shape, "float32")
    ranks = ("", "") if len(shape) == 2 else (" (rank 2)", f" (rank {len(shape)})")
    expected = re.escape(
        f'{kind} "{name}" expected input shape (None, 6){ranks[0]}, got {shape}{ranks[1]}: Dense '
        f'"hidden" expected last dimension 6, got {shape[-1]} (input shape {shape}).')
    with pytest.raises(ValueError, match=f"^{expected}$"):
        model(data)
    # the same words from predict (on its first batch) and from fit, before any step runs
    with pytest.raises(ValueError, match=f"^{expected}$"):
        model.predict(data, batch_size=32, verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=f"^{expected}$"):
        model.fit(data, np.zeros((32, 3), "float32"), verbose=0)
    for after, initial in zip(model.get_weights(), before):
        np.testing.assert_array_equal(after, initial)


def test_a_wrong_rank_is_named(backend):
    model = sequential()
    with pytest.raises(ValueError, match=re.escape(
            'Sequential "clf" expected input shape (None, 6) (rank 2), got (6,) (rank 1): Dense '
            '"hidden" expected an input of rank >= 2, got rank 1 (input shape (6,)).')):
        model(np.zeros(6, "float32"))


def test_a_sequential_built_on_its_first_call_names_itself(backend):
    model = keras.Sequential([layers.Dense(4, name="first"), layers.Dense(1)], name="lazy")
    model(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=re.escape(
            'Sequential "lazy" expected input shape (None, 3), got (2, 7): Dense "first" '
            "expected last dimension 3, got 7 (input shape (2, 7)).")):
        model(np.zeros((2, 7), "float32"))


def test_a_first_layer_that_accepts_any_shape_adds_nothing(backend):
    model = keras.Sequential([keras.Input((4,)), layers.Flatten(name="flat"), layers.Dense(2)],
                             name="flat_first")
    with pytest.raises(ValueError, match=re.escape(
            'Sequential "flat_first" expected input shape (None, 4), got (2, 5).') + "$"):
        model(np.zeros((2, 5), "float32"))


def test_several_inputs_are_named_and_each_reports_its_own_layers(backend):
    a = keras.Input((6,), name="in_a")
    b = keras.Input((4,), name="in_b")
    out = layers.Dense(2, name="head")(layers.Dense(3, name="from_a")(a))
    model = keras.Model([a, b], [out, layers.Concatenate(name="merge")([a, b])], name="two")
    with pytest.raises(ValueError, match=re.escape(
            'Functional "two" input 0 ("in_a") expected input shape (None, 6), got (2, 5): '
            'Dense "from_a" expected last dimension 6, got 5 (input shape (2, 5)).')):
        model([np.zeros((2, 5)), np.zeros((2, 4))])
    # by name, as a dict: the same check
    with pytest.raises(ValueError, match=re.escape(
            'Functional "two" input 1 ("in_b") expected input shape (None, 4), got (2, 3).')):
        model({"in_a": np.zeros((2, 6)), "in_b": np.zeros((2, 3))})


def test_a_nested_model_adds_its_own_explanation(backend):
    inner = keras.Sequential([layers.Dense(3, name="inner_dense")], name="inner")
    inputs = keras.Input((6,), name="x")
    outer = keras.Model(inputs, inner(inputs), name="outer")
    with pytest.raises(ValueError, match=re.escape(
            'Functional "outer" expected input shape (None, 6), got (2, 5): Sequential "inner" '
            'expected input shape (None, 6), got (2, 5): Dense "inner_dense" expected last '
            "dimension 6, got 5 (input shape (2, 5)).")):
        outer(np.zeros((2, 5), "float32"))


def test_the_right_shape_still_runs(backend):
    model = functional()
    assert keras.ops.convert_to_numpy(model(np.ones((2, 6), "float32"))).shape == (2, 3)
