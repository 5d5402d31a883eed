"""A layer under a mixed policy against the real Keras 3: float32 weights, inputs cast to the
compute dtype and weights read as it inside ``call`` (Keras's AutocastScope), float16
outputs, and float32 gradients for the float32 weights; losses computed in float32."""

import functools
import os
import subprocess
import sys

import numpy as np
import pytest

import kerasette
from kerasette import ops

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The structure of `inputs` doesn't match:UserWarning")]

X = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")


def mixed_model(K, policy="mixed_float16"):
    """Input (float32) -> Dense (mixed) -> Dense (mixed) -> Activation("softmax", float32)."""
    K.mixed_precision.set_global_policy(policy)
    inputs = K.Input((4,), name="x")
    hidden = K.layers.Dense(6, activation="tanh", name="hidden")(inputs)
    logits = K.layers.Dense(3, name="logits")(hidden)
    outputs = K.layers.Activation("softmax", dtype="float32", name="probs")(logits)
    model = K.Model(inputs, outputs)
    K.mixed_precision.set_global_policy("float32")
    return model, (inputs, hidden, logits, outputs)


@functools.lru_cache(maxsize=None)  # once for all the backends
def keras_reference(keras):
    """Keras's symbolic dtypes, weights and outputs of mixed_model on X."""
    model, tensors = mixed_model(keras)
    return [str(t.dtype) for t in tensors], model.get_weights(), np.asarray(model(X))


def test_symbolic_dtypes_match_keras(keras):
    dtypes = [str(t.dtype) for t in mixed_model(kerasette)[1]]
    assert dtypes == keras_reference(keras)[0] == ["float32", "float16", "float16", "float32"]


def test_a_mixed_model_computes_as_keras(backend, keras):
    _, weights, expected = keras_reference(keras)
    ours, (_, hidden, logits, _) = mixed_model(kerasette)
    ours.set_weights(weights)
    got = ours(X)
    assert ops.dtype(got) == "float32" and [w.dtype for w in ours.weights] == ["float32"] * 4
    np.testing.assert_allclose(ops.convert_to_numpy(got), expected, rtol=2e-3, atol=2e-3)
    inside = kerasette.Model(ours.inputs, [hidden, logits])(X)
    assert [ops.dtype(t) for t in inside] == ["float16", "float16"]


def test_weights_are_read_in_the_compute_dtype_only_inside_call(backend):
    layer = kerasette.layers.Dense(3, dtype="mixed_float16")
    layer.build((None, 4))
    seen = {}

    class Probe(kerasette.layers.Layer):
        def call(self, x):
            seen["kernel_in_call"] = ops.dtype(ops.multiply(layer.kernel, 1.0))
            return layer(x)

    Probe(dtype="mixed_float16")(X)
    assert seen["kernel_in_call"] == "float16"
    assert ops.dtype(ops.multiply(layer.kernel, 1.0)) == "float32"  # outside any call
    # a float32 layer inside a mixed one reads its weights in float32 (a scope of its own)
    inner = kerasette.layers.Dense(3, dtype="float32")

    class Outer(kerasette.layers.Layer):
        def call(self, x):
            return inner(x)

    assert ops.dtype(Outer(dtype="mixed_float16")(X)) == "float32"


def test_the_gradient_of_a_float32_weight_is_float32(backend):
    """A GradientTape sees the float32 weight and the cast as one op: its gradient is the
    float32 one, close to what a float32 layer gives."""
    mixed = kerasette.layers.Dense(3, dtype="mixed_float16")
    plain = kerasette.layers.Dense(3)
    mixed.build((None, 4))
    plain.build((None, 4))
    plain.set_weights(mixed.get_weights())
    grads = []
    for layer in (mixed, plain):
        with kerasette.GradientTape() as tape:
            loss = ops.sum(ops.square(ops.cast(layer(X), "float32")))
        grads.append(tape.gradient(loss, layer.trainable_weights))
    assert [ops.dtype(g) for g in grads[0]] == ["float32", "float32"]
    for g_mixed, g_plain in zip(*grads):
        np.testing.assert_allclose(ops.convert_to_numpy(g_mixed), ops.convert_to_numpy(g_plain),
                                   rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("loss", ["mean_squared_error", "sparse_categorical_crossentropy"])
def test_losses_of_float16_predictions_are_float32_as_keras(backend, keras, loss):
    probs = np.asarray([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]], "float16")
    target = (np.asarray([2, 0]) if loss.startswith("sparse")
              else np.asarray([[0, 0, 1], [1, 0, 0]], "float32"))
    expected = keras.losses.get(loss)(target, probs)
    got = kerasette.losses.get(loss)(target, ops.convert_to_tensor(probs))
    assert ops.dtype(kerasette.losses.LossFunctionWrapper(kerasette.losses.get(loss))(
        target, ops.convert_to_tensor(probs))) == "float32"
    np.testing.assert_allclose(ops.convert_to_numpy(got), np.asarray(expected), rtol=1e-3)


def test_mixed_bfloat16_on_the_numpy_engine_matches_jax():
    """bfloat16 on numpy (through ml_dtypes): the hidden layers compute in bfloat16 and the
    float32 weights' gradients are those JAX computes in bfloat16."""
    pytest.importorskip("ml_dtypes")
    from backend_availability import unavailable
    if unavailable("jax", False):
        pytest.skip(unavailable("jax", False))
    results = []
    for name in ("numpy", "jax"):
        with kerasette.backend.use(name):
            kerasette.utils.set_random_seed(0)
            model, (_, hidden, logits, _) = mixed_model(kerasette, "mixed_bfloat16")
            non_trainable = [v.value for v in model.non_trainable_variables]

            def loss_of(trainable):
                outputs, _ = model.stateless_call(trainable, non_trainable, X)
                return ops.sum(ops.square(outputs))

            _, grads = ops.value_and_grad(loss_of)([v.value for v in model.trainable_variables])
            inside = kerasette.Model(model.inputs, [hidden, logits])(X)
            assert [ops.dtype(t) for t in inside] == ["bfloat16", "bfloat16"], name
            assert {ops.dtype(g) for g in grads} == {"float32"}, name
            results.append([ops.convert_to_numpy(g) for g in grads])
    for numpy_grad, jax_grad in zip(*results):
        # a few bfloat16 ulps (2**-8 relative): XLA rounds some intermediates differently
        np.testing.assert_allclose(numpy_grad, jax_grad, rtol=2e-2,
                                   atol=2e-2 * np.abs(jax_grad).max())


def test_bfloat16_without_ml_dtypes_says_what_to_install():
    script = (
        "import sys\n"
        "sys.modules['ml_dtypes'] = None  # as if it were not installed\n"
        "import kerasette\n"
        "try:\n"
        "    kerasette.layers.Dense(2, dtype='mixed_bfloat16', name='head')\n"
        "except ImportError as error:\n"
        "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "KERASETTE_BACKEND": "numpy"}, timeout=120)
    assert 'Dense "head"' in result.stdout and "pip install ml_dtypes" in result.stdout, (
        result.stdout + result.stderr)
