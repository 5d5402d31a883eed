"""Integers and booleans take no gradient, on every backend alike.

TensorFlow's tape and JAX agree: gradients flow through floating-point values only. A
GradientTape therefore never tracks an integer or boolean tensor (watched, a Variable
read, or an op's output), so such a source gets None (zeros of its dtype with
``unconnected_gradients="zero"``) and a path through an integer cast is cut.
``value_and_grad`` (and ``grad``) with respect to an integer argument raise TypeError,
as ``jax.value_and_grad`` does, naming the argument.
"""

import numpy as np
import pytest

import kerasette as keras
from kerasette import ops


def ints(values=(1, 2, 3)):
    return ops.convert_to_tensor(np.asarray(values, dtype="int32"))


def floats(values=(1.0, 2.0, 3.0)):
    return ops.convert_to_tensor(np.asarray(values, dtype="float32"))


def test_a_watched_integer_tensor_gets_no_gradient(backend):
    v = ints()
    with keras.GradientTape() as tape:
        tape.watch(v)
        y = ops.sum(v * v)
    assert tape.gradient(y, v) is None


def test_unconnected_zero_gives_zeros_of_the_integer_dtype(backend):
    v = ints()
    with keras.GradientTape() as tape:
        tape.watch(v)
        y = ops.sum(v * v)
    zeros = tape.gradient(y, v, unconnected_gradients="zero")
    assert ops.dtype(zeros) == "int32"
    np.testing.assert_array_equal(ops.convert_to_numpy(zeros), [0, 0, 0])


def test_integer_and_boolean_sources_beside_a_float_one(backend):
    v, b, f = ints(), ops.convert_to_tensor(np.array([True, False, True])), floats()
    with keras.GradientTape() as tape:
        tape.watch([v, b, f])
        y = ops.sum(ops.cast(v, "float32") * ops.cast(b, "float32") * f * f)
    gv, gb, gf = tape.gradient(y, [v, b, f])
    assert gv is None and gb is None
    # d/df sum(v * b * f^2) = 2 * v * b * f
    np.testing.assert_allclose(ops.convert_to_numpy(gf), [2.0, 0.0, 18.0])


def test_a_path_through_an_integer_cast_is_cut(backend):
    f = floats((1.5, 2.5, -3.5))
    with keras.GradientTape(persistent=True) as tape:
        tape.watch(f)
        rounded = ops.cast(f, "int32")
        y = ops.sum(ops.cast(rounded, "float32") * 2.0)
        z = y + ops.sum(f)
    assert tape.gradient(y, f) is None
    np.testing.assert_array_equal(ops.convert_to_numpy(tape.gradient(z, f)), [1.0, 1.0, 1.0])
    # an integer target: no gradient, as in TensorFlow and JAX
    assert tape.gradient(rounded, f) is None
    assert tape.gradient(ops.argmax(f), f) is None


def test_an_integer_variable_is_not_watched(backend):
    counter = keras.Variable(np.array([1, 2, 3], dtype="int32"), dtype="int32", trainable=True)
    weight = keras.Variable(np.array([0.5, 1.0, 2.0], dtype="float32"), trainable=True)
    with keras.GradientTape() as tape:
        y = ops.sum(ops.cast(counter, "float32") * weight * counter)
    assert tape.watched_variables() == (weight,)
    g_counter, g_weight = tape.gradient(y, [counter, weight])
    assert g_counter is None
    np.testing.assert_allclose(ops.convert_to_numpy(g_weight), [1.0, 4.0, 9.0])


def test_an_explicitly_watched_integer_variable_gets_no_gradient(backend):
    counter = keras.Variable(np.array([1, 2, 3], dtype="int32"), dtype="int32", trainable=False)
    with keras.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(counter)
        y = ops.sum(counter * counter)
    assert tape.watched_variables() == ()
    assert tape.gradient(y, counter) is None


@pytest.mark.parametrize("transform", ["value_and_grad", "grad"])
@pytest.mark.parametrize("argument", ["int32 tensor", "Python int", "bool tensor", "nested"])
def test_value_and_grad_with_respect_to_an_integer_raises(backend, transform, argument):
    x = {"int32 tensor": ints(), "Python int": 3,
         "bool tensor": ops.convert_to_tensor(np.array([True, False])),
         "nested": {"scale": floats(), "steps": ints()}}[argument]

    def fn(a, b):
        leaves = list(a.values()) if isinstance(a, dict) else [a]
        return sum(ops.sum(ops.cast(leaf, "float32")) for leaf in leaves) * b

    with pytest.raises(TypeError, match=r"argument 0 .*(int32|bool).*floating"):
        getattr(ops, transform)(fn)(x, floats((2.0,))[0])


def test_value_and_grad_takes_integer_arguments_outside_argnums(backend):
    def fn(x, steps):
        return ops.sum(x * x) * ops.cast(steps, "float32")

    value, grad = ops.value_and_grad(fn, argnums=0)(floats(), ops.convert_to_tensor(2))
    assert float(value) == pytest.approx(28.0)
    np.testing.assert_allclose(ops.convert_to_numpy(grad), [4.0, 8.0, 12.0])
