"""``.keras`` files of mixed precision models between kerasette and the real Keras 3: the
layers' policies (serialized DTypePolicy dicts), the float32 weights and the
LossScaleOptimizer with its state (scale, step counter, the inner optimizer's slots) load
on the other side as they were saved."""

import numpy as np
import pytest

import kerasette

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The structure of `inputs` doesn't match:UserWarning")]

X = np.random.default_rng(0).normal(size=(24, 5)).astype("float32")
Y = np.random.default_rng(1).integers(0, 3, size=24)


def trained(K, functional=False):
    """A mixed_float16 model with a float32 softmax, compiled (LossScaleOptimizer added by
    compile) and trained 3 steps."""
    K.mixed_precision.set_global_policy("mixed_float16")
    K.utils.set_random_seed(0)
    layers = [K.layers.Dense(4, activation="relu", name="hidden"),
              K.layers.Dense(3, name="logits"),
              K.layers.Activation("softmax", dtype="float32", name="probs")]
    if functional:
        inputs = outputs = K.Input((5,))
        for layer in layers:
            outputs = layer(outputs)
        model = K.Model(inputs, outputs)
    else:
        model = K.Sequential([K.Input((5,))] + layers)
    K.mixed_precision.set_global_policy("float32")  # the file, not the global, says mixed
    model.compile(K.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    model.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return model


def describe(model):
    """What must survive the file: each layer's policy and weight dtypes, the optimizer."""
    # (an InputLayer's file holds its dtype, not a policy: it has none to keep)
    layers = [(layer.name, layer.dtype_policy.name, [str(w.dtype) for w in layer.weights])
              for layer in model.layers if type(layer).__name__ != "InputLayer"]
    optimizer = model.optimizer
    return layers, type(optimizer).__name__, [np.asarray(v) for v in optimizer.variables]


def assert_same(loaded, saved):
    (layers_a, kind_a, state_a), (layers_b, kind_b, state_b) = describe(loaded), describe(saved)
    assert layers_a == layers_b
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(saved(X)), rtol=1e-6)
    assert kind_a == kind_b == "LossScaleOptimizer"
    assert len(state_a) == len(state_b) == 4 + 2 + 2 * 4  # its own, Adam's, 2 slots x 4 weights
    for a, b in zip(state_a, state_b):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_mixed_precision_file_moves_both_ways(keras, tmp_path):
    ours = trained(kerasette)
    assert describe(ours)[0][0] == ("hidden", "mixed_float16", ["float32", "float32"])
    assert int(ours.optimizer.step_counter.numpy()) == 3
    ours.save(tmp_path / "ours.keras")
    assert_same(kerasette.models.load_model(tmp_path / "ours.keras"), ours)
    # the compile_config names the LossScaleOptimizer itself, so Keras 3 gets it back too
    assert_same(keras.models.load_model(tmp_path / "ours.keras"), ours)

    # Keras 3 names the optimizer given to compile in the file, and saves the state of the
    # LossScaleOptimizer that compile added; a Functional model's config does not say its
    # policy: kerasette wraps the optimizer again to load that state (Keras 3 itself skips
    # the state of its own file, with a warning)
    theirs = trained(keras, functional=True)
    theirs.save(tmp_path / "theirs.keras")
    assert_same(kerasette.models.load_model(tmp_path / "theirs.keras"), theirs)
