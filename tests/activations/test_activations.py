"""Activations: values against Keras 3 (JAX backend) on every kerasette backend, dtypes, jit,
and lookup by name."""

import os

import numpy as np
import pytest

import kerasette
from kerasette import activations, ops



def keras_reference():
    """Keras 3 on its JAX backend, or a skip when it is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip(f"keras runs on {keras.backend.backend()}, the reference needs jax")
    return keras


def inputs(shape=(4, 6, 10), seed=0):
    """float32 values spread over [-6, 6], with the kinks (0, +-1, +-3, 6) included."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-6.0, 6.0, size=shape).astype("float32")
    kinks = np.array([0.0, 1.0, -1.0, 3.0, -3.0, 6.0, -0.5, 0.5, 5.0, -5.0], "float32")
    x.reshape(-1)[: kinks.size] = kinks
    return x


def numpy_of(x):
    return np.asarray(ops.convert_to_numpy(x))


# name -> (kerasette call, keras call) with the same arguments
CASES = {name: (lambda mod, x, name=name: getattr(mod, name)(x))
         for name in ["relu", "leaky_relu", "relu6", "elu", "selu", "celu", "gelu", "sigmoid",
                      "hard_sigmoid", "log_sigmoid", "sparse_sigmoid", "softplus", "softsign",
                      "squareplus", "sparse_plus", "silu", "swish", "hard_silu", "hard_swish",
                      "mish", "tanh", "tanh_shrink", "hard_tanh", "soft_shrink", "hard_shrink",
                      "exponential", "linear", "softmax", "log_softmax", "sparsemax", "glu"]}
CASES.update({
    "relu(negative_slope)": lambda mod, x: mod.relu(x, negative_slope=0.3),
    "relu(max_value)": lambda mod, x: mod.relu(x, max_value=4.0),
    "relu(max_value=6)": lambda mod, x: mod.relu(x, max_value=6.0),
    "relu(threshold)": lambda mod, x: mod.relu(x, threshold=1.5),
    "relu(all)": lambda mod, x: mod.relu(x, negative_slope=0.1, max_value=3.0, threshold=-1.0),
    "relu(slope, cap)": lambda mod, x: mod.relu(x, negative_slope=0.25, max_value=2.5),
    "leaky_relu(0.1)": lambda mod, x: mod.leaky_relu(x, negative_slope=0.1),
    "elu(alpha)": lambda mod, x: mod.elu(x, alpha=0.5),
    "celu(alpha)": lambda mod, x: mod.celu(x, alpha=2.0),
    "gelu(approximate)": lambda mod, x: mod.gelu(x, approximate=True),
    "squareplus(b)": lambda mod, x: mod.squareplus(x, b=1),
    "soft_shrink(1)": lambda mod, x: mod.soft_shrink(x, threshold=1.0),
    "hard_shrink(2)": lambda mod, x: mod.hard_shrink(x, threshold=2.0),
    "threshold": lambda mod, x: mod.threshold(x, 0.5, -1.0),
    "softmax(axis=1)": lambda mod, x: mod.softmax(x, axis=1),
    "softmax(axis=0)": lambda mod, x: mod.softmax(x, axis=0),
    "log_softmax(axis=1)": lambda mod, x: mod.log_softmax(x, axis=1),
    "sparsemax(axis=1)": lambda mod, x: mod.sparsemax(x, axis=1),
    "glu(axis=1)": lambda mod, x: mod.glu(x, axis=1),
})


# Keras 3.15's sparsemax sums the cumulative sums over the support instead of taking the
# last one, so its outputs do not sum to 1 (keras-team/keras#23425, fixed by #23469):
# kerasette's is checked against the paper's algorithm instead.
KERAS_SPARSEMAX_BUG = {"sparsemax", "sparsemax(axis=1)"}


@pytest.mark.parametrize("case", sorted(set(CASES) - KERAS_SPARSEMAX_BUG))
def test_matches_keras(backend, case):
    keras = keras_reference()
    x = inputs()
    expected = np.asarray(CASES[case](keras.activations, x))
    got = CASES[case](activations, ops.convert_to_tensor(x))
    assert ops.dtype(got) == "float32"
    np.testing.assert_allclose(numpy_of(got), expected, rtol=2e-6, atol=2e-6)


def test_relu_documented_examples(backend):
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    check = lambda y, want: np.testing.assert_allclose(numpy_of(y), want, rtol=0, atol=0)  # noqa: E731
    check(activations.relu(x), [0, 0, 0, 5, 10])
    check(activations.relu(x, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    check(activations.relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    check(activations.relu(x, threshold=5.0), [0, 0, 0, 0, 10])


def test_closed_forms(backend):
    """A few values by formula, independent of Keras."""
    x = np.array([-3.0, -1.0, 0.0, 2.0], "float32")
    t = ops.convert_to_tensor(x)
    np.testing.assert_allclose(numpy_of(activations.sigmoid(t)), 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(numpy_of(activations.hard_sigmoid(t)), [0.0, 1 / 3, 0.5, 5 / 6],
                               rtol=1e-6)
    np.testing.assert_allclose(numpy_of(activations.softsign(t)), x / (1 + np.abs(x)), rtol=1e-6)
    np.testing.assert_allclose(numpy_of(activations.selu(t))[3], 1.05070098 * 2.0, rtol=1e-6)
    np.testing.assert_allclose(numpy_of(activations.exponential(t)), np.exp(x), rtol=1e-6)
    probabilities = numpy_of(activations.softmax(ops.convert_to_tensor(inputs())))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-6)
    sparse = numpy_of(activations.sparsemax(ops.convert_to_tensor(inputs())))
    np.testing.assert_allclose(sparse.sum(axis=-1), 1.0, rtol=1e-5)
    assert (sparse == 0).any() and (sparse >= 0).all()


def reference_sparsemax(x, axis=-1):
    """Martins & Astudillo (2016), Algorithm 1: sort, find the support size k, shift by
    tau = (cumsum[k] - 1) / k."""
    z = np.moveaxis(x.astype("float64"), axis, -1)
    ordered = -np.sort(-z, axis=-1)
    cumsum = np.cumsum(ordered, axis=-1)
    ranks = np.arange(1, z.shape[-1] + 1)
    k = (1 + ranks * ordered > cumsum).sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumsum, k - 1, axis=-1) - 1) / k
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_sparsemax_matches_the_paper(backend, axis):
    x = inputs() / 4  # closely spaced values: supports of several entries
    got = ops.convert_to_numpy(activations.sparsemax(ops.convert_to_tensor(x), axis=axis))
    np.testing.assert_allclose(got, reference_sparsemax(x, axis), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-5)
    small = ops.convert_to_tensor(np.array([[0.0, 0.5, 1.0], [0.1, 1.2, 0.5]], "float32"))
    np.testing.assert_allclose(ops.convert_to_numpy(activations.sparsemax(small)),
                               [[0.0, 0.25, 0.75], [0.0, 0.85, 0.15]], rtol=1e-6, atol=1e-7)


def test_linear_returns_its_input(backend):
    t = ops.convert_to_tensor(inputs())
    assert activations.linear(t) is t


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_dtype_is_preserved(backend, dtype):
    # on jax, asking for float64 turns jax_enable_x64 on (backends/jax/dtypes.py)
    x = ops.convert_to_tensor(inputs().astype(dtype))
    for name in ["relu", "sigmoid", "softmax", "gelu", "silu", "elu", "sparsemax", "mish",
                 "celu", "sparse_plus", "hard_silu", "log_sigmoid", "squareplus"]:
        assert ops.dtype(activations.get(name)(x)) == dtype, name
    assert ops.dtype(activations.relu(x, negative_slope=0.1, max_value=3.0, threshold=1.0)) == dtype


def test_every_activation_runs_under_jax_jit():
    jax = pytest.importorskip("jax")
    x = inputs()
    with kerasette.backend.use("jax"):
        for name, call in sorted(CASES.items()):
            eager = np.asarray(call(activations, ops.convert_to_tensor(x)))
            compiled = np.asarray(jax.jit(lambda v, call=call: call(activations, v))(x))
            np.testing.assert_allclose(compiled, eager, rtol=1e-6, atol=1e-6, err_msg=name)


def test_gradients_flow_on_every_backend(backend):
    """relu with all its arguments has slope 1 above the threshold, negative_slope below it,
    0 beyond the cap."""
    x = ops.convert_to_tensor(np.array([-2.0, 0.5, 2.0, 5.0], "float32"))
    fn = lambda v: ops.sum(activations.relu(v, negative_slope=0.1, max_value=3.0, threshold=0.0))  # noqa: E731
    grads = numpy_of(ops.grad(fn)(x))
    np.testing.assert_allclose(grads, [0.1, 1.0, 1.0, 0.0], rtol=1e-6)


def test_get_by_name_and_aliases():
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get(None) is activations.linear
    fn = lambda x: x  # noqa: E731
    assert activations.get(fn) is fn


def test_get_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Could not interpret activation function") as error:
        activations.get("rleu")
    assert "relu" in str(error.value) and "softmax" in str(error.value)
    with pytest.raises(ValueError):
        activations.get(42)


def test_serialize_and_deserialize():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.swish) == "silu"
    for name in activations.ALL_OBJECTS_DICT:
        fn = activations.get(name)
        assert activations.deserialize(activations.serialize(fn)) is fn
    keras_style = {"module": "builtins", "class_name": "function", "config": "tanh",
                   "registered_name": "function"}
    assert activations.deserialize(keras_style) is activations.tanh
    with pytest.raises(ValueError, match="Cannot serialize"):
        activations.serialize(lambda x: x)


def test_names_match_keras():
    keras = keras_reference()
    from keras.src.activations import ALL_OBJECTS_DICT as keras_names
    missing = set(keras_names) - set(activations.ALL_OBJECTS_DICT)
    assert not missing, f"Keras activations kerasette lacks: {sorted(missing)}"
