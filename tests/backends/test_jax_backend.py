"""The jax backend's own checks: tape semantics, dtypes, mixing, geometry, random draws.

The op-by-op cross-check against the numpy engine lives in ``test_gradients.py``; here
the tape's gradients are compared with ``jax.grad`` of the same computation, which
checks the recording machinery (argument plumbing, nesting), not JAX itself.
"""

import inspect
import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

from kerasette.backends import interface  # noqa: E402
from kerasette.backends.jax import backend as J  # noqa: E402
from kerasette.backends.jax import recording  # noqa: E402
from kerasette.backends.numpy import backend as NP  # noqa: E402
from kerasette.backends.variable import StatelessScope  # noqa: E402

RNG = np.random.default_rng(0)


def rand(*shape, dtype="float32"):
    return jnp.asarray(RNG.standard_normal(shape), dtype=dtype)


def tape_gradient(fn, *xs, order=1):
    """The gradient of ``sum(fn(*xs))`` by GradientTape (nested tapes for order 2: the
    gradient of the sum of first derivatives)."""
    with J.GradientTape() as outer:
        outer.watch(list(xs))
        with J.GradientTape() as inner:
            inner.watch(list(xs))
            y = J.sum(fn(*xs))
        grads = inner.gradient(y, list(xs))
        if order == 1:
            return grads
        total = J.sum(J.stack([J.sum(g) for g in grads if g is not None]))
    return outer.gradient(total, list(xs))


# ---------------------------------------------------------------------------- conformance
def test_every_contract_name_with_the_contract_signature():
    for name in interface.contract_names():
        assert getattr(type(J), name) is not getattr(interface.Backend, name), name
        assert inspect.signature(getattr(J, name)) == interface.contract_signature(name), name


def test_recorded_ops_are_the_differentiable_ones():
    for name in interface.contract_names():
        flag = getattr(getattr(J, name), "differentiable", None)
        if flag is not None:
            assert flag == (name not in interface.NON_DIFFERENTIABLE), name


def test_no_tape_means_no_recording(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("an op went through recording.apply with no tape active")
    monkeypatch.setattr(recording, "apply", fail)
    x = rand(2, 3)
    J.conv(J.reshape(x, (1, 2, 3, 1)), jnp.ones((2, 2, 1, 1)))
    J.sum(J.multiply(J.exp(x), 2.0))


# ---------------------------------------------------------------------------- tape
def test_nested_tapes_give_the_second_derivative_of_x_cubed():
    x = J.convert_to_tensor(1.0)
    with J.GradientTape() as outer:
        outer.watch(x)
        with J.GradientTape() as inner:
            inner.watch(x)
            y = J.power(x, 3)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert float(dy) == 3.0 and float(d2y) == 6.0


def test_python_operators_are_recorded_inside_a_tape_only():
    array_type = type(jnp.zeros(()))
    original = array_type.__mul__
    v = J.convert_to_tensor([1.0, 2.0, 3.0])
    with J.GradientTape() as tape:
        tape.watch(v)
        y = J.sum((2.0 * v[1:] - v[0]) ** 2 / 4 + abs(-v) @ v)
    f = lambda v: jnp.sum((2.0 * v[1:] - v[0]) ** 2 / 4 + jnp.abs(-v) @ v)  # noqa: E731
    np.testing.assert_allclose(tape.gradient(y, v), jax.grad(f)(v))
    assert array_type.__mul__ is original  # jax's own operators again outside tapes


def test_tapes_work_inside_jit_with_variables_and_operators():
    w = J.Variable(np.ones(3), name="w")
    x = J.convert_to_tensor([0.0, 1.0, 2.0])

    def step(w_value):
        with StatelessScope([(w, w_value)]):
            with J.GradientTape() as outer:
                with J.GradientTape() as inner:
                    loss = J.sum((w * x) ** 2 + w[0] * 3.0)
                g = inner.gradient(loss, w)
                total = J.sum(g * g)
            return g, outer.gradient(total, w)

    for g, h in (step(w.value), J.jit(step)(w.value)):
        np.testing.assert_allclose(g, [9.0, 2.0, 8.0])  # 2 w x^2 + [9, 0, 0]
        np.testing.assert_allclose(h, [0.0, 8.0, 128.0])  # 2 g * 2 x^2


def test_third_order_matches_jax():
    x = J.convert_to_tensor(0.7, dtype="float64")
    with J.GradientTape() as t3:
        t3.watch(x)
        with J.GradientTape() as t2:
            t2.watch(x)
            with J.GradientTape() as t1:
                t1.watch(x)
                y = J.multiply(J.sin(x), J.power(x, 4))
            g1 = t1.gradient(y, x)
        g2 = t2.gradient(g1, x)
    g3 = t3.gradient(g2, x)
    f = lambda x: jnp.sin(x) * x ** 4  # noqa: E731
    np.testing.assert_allclose(g3, jax.grad(jax.grad(jax.grad(f)))(0.7), rtol=1e-12)


def test_persistent_and_non_persistent():
    x = J.convert_to_tensor([1.0, 2.0])
    with J.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = J.sum(J.square(x))
        z = J.sum(J.exp(x))
    np.testing.assert_allclose(tape.gradient(y, x), [2.0, 4.0])
    np.testing.assert_allclose(tape.gradient(z, x), np.exp([1.0, 2.0]), rtol=1e-6)
    with J.GradientTape() as tape:
        tape.watch(x)
        y = J.sum(J.square(x))
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="only once"):
        tape.gradient(y, x)


def test_variables_are_watched_when_trainable_and_read():
    w = J.Variable(np.ones((2, 3)), name="w")
    frozen = J.Variable(np.ones((3,)), trainable=False, name="frozen")
    x = J.convert_to_tensor([[1.0, 2.0]])
    with J.GradientTape() as tape:
        y = J.sum(J.add(J.matmul(x, w), frozen))
    assert tape.watched_variables() == (w,)
    grads = tape.gradient(y, {"w": w, "frozen": frozen})
    np.testing.assert_allclose(grads["w"], [[1.0] * 3, [2.0] * 3])
    assert grads["frozen"] is None
    with J.GradientTape(watch_accessed_variables=False) as tape:
        y = J.sum(J.multiply(w, 3.0))
    assert tape.gradient(y, w) is None
    with J.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = J.sum(w * 3.0)  # a Variable's operators are ops: recorded
    np.testing.assert_allclose(tape.gradient(y, w), np.full((2, 3), 3.0))


def test_unconnected_sources_structure_and_output_gradients():
    x, unused = J.convert_to_tensor([1.0, 2.0]), J.convert_to_tensor(3.0)
    with J.GradientTape(persistent=True) as tape:
        tape.watch([x, unused])
        y = J.multiply(x, x)
    grads = tape.gradient(y, [x, (unused,)])
    np.testing.assert_allclose(grads[0], [2.0, 4.0])
    assert isinstance(grads[1], tuple) and grads[1][0] is None
    assert float(tape.gradient(y, unused, unconnected_gradients="zero")) == 0.0
    weights = J.convert_to_tensor([1.0, -1.0])
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=weights), [2.0, -4.0])


def test_stop_recording_reset_and_stop_gradient():
    x = J.convert_to_tensor(2.0)
    with J.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = J.multiply(x, x)
        with tape.stop_recording():
            z = J.multiply(x, x)
        s = J.multiply(J.stop_gradient(x), x)
    assert float(tape.gradient(y, x)) == 4.0
    assert tape.gradient(z, x) is None
    assert float(tape.gradient(s, x)) == 2.0
    tape.reset()
    assert tape.gradient(y, x) is None


def test_ops_returning_their_input_keep_the_gradient():
    x = rand(3)
    with J.GradientTape() as tape:
        tape.watch(x)
        y = J.cast(J.reshape(x, (3,)), "float32")  # both return x itself
        z = J.sum(J.multiply(y, x))
    np.testing.assert_allclose(tape.gradient(z, x), 2 * np.asarray(x), rtol=1e-6)


A, B, C = rand(3, 4), rand(4, 2), rand(3, 4)
IMG, KERNEL = rand(2, 6, 5, 3), rand(3, 3, 3, 4)
# (id, fn, inputs): every argument convention of the recording wrapper
TAPE_CASES = [
    ("binary", lambda a, c: J.subtract(J.divide(a, 2.0), J.maximum(a, c)), [A, C]),
    ("keyword_tensors", lambda x, m, v, o, s: J.batch_normalization(
        x, m, v, axis=-1, offset=o, scale=s), [IMG, rand(3), rand(3) ** 2, rand(3), rand(3)]),
    ("sequence", lambda a, c: J.concatenate([a, J.exp(c), a], axis=1), [A, C]),
    ("varargs", lambda a, b: J.einsum("ij,jk->ik", a, b), [A, B]),
    ("multi_output", lambda a: J.multiply(*J.moments(a, axes=[0])), [A]),
    ("list_output", lambda a: J.multiply(J.split(a, 2, axis=1)[0], J.split(a, 2, axis=1)[1]), [A]),
    ("conv", lambda x, k: J.conv(x, k, strides=2, padding="same"), [IMG, KERNEL]),
    ("pool", lambda x: J.max_pool(J.average_pool(x, 2, 1, "same"), 2), [IMG]),
    ("indexing", lambda a: J.get_item(a, (np.array([0, 2, 2]), slice(1, None))), [A]),
    ("crossentropy", lambda a, c: J.categorical_crossentropy(J.softmax(c), a, from_logits=True), [A, C]),
    ("where_clip", lambda a, c: J.where(J.greater(a, 0), J.clip(a, -0.5, 0.5), J.tanh(c)), [A, C]),
]


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in TAPE_CASES], ids=[c[0] for c in TAPE_CASES])
def test_tape_gradients_equal_jax_grad(fn, inputs):
    scalar = lambda *xs: jnp.sum(fn(*xs))  # noqa: E731
    argnums = tuple(range(len(inputs)))
    expected = jax.grad(scalar, argnums=argnums)(*inputs)
    for g, e in zip(tape_gradient(fn, *inputs), expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    # second order: the gradient of the sum of all first derivatives
    first = lambda *xs: sum(jnp.sum(g) for g in jax.grad(scalar, argnums=argnums)(*xs))  # noqa: E731
    expected = jax.grad(first, argnums=argnums)(*inputs)
    for g, e in zip(tape_gradient(fn, *inputs, order=2), expected):
        if g is None:  # no second-order dependence: jax gives zeros
            assert not np.any(e)
        else:
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


def test_dropout_is_differentiable_in_its_inputs():
    x = J.ones((4, 5))
    with J.GradientTape() as tape:
        tape.watch(x)
        y = J.dropout(x, 0.5, seed=1)
        total = J.sum(y)
    np.testing.assert_allclose(tape.gradient(total, x), y)


# ---------------------------------------------------------------------------- dtypes
def test_float32_stays_float32_and_float64_is_kept():
    x = J.convert_to_tensor([1.0, 2.0])
    assert J.dtype(x) == "float32"
    for y in (J.multiply(x, 2.0), J.add(2, x), J.divide(x, 3), J.mean(x), J.softmax(x),
              J.power(x, 2), J.where(J.greater(x, 1.0), x, 0.0), J.clip(x, 0, 1)):
        assert J.dtype(y) == "float32"
    x64 = J.convert_to_tensor(np.array([1.0, 2.0]))
    assert J.dtype(x64) == "float64"
    assert J.dtype(J.exp(J.multiply(x64, 2.0))) == "float64"
    assert J.dtype(J.matmul(x64, x64)) == "float64"
    assert J.dtype(J.ones((2,))) == "float32" and J.dtype(J.arange(3)) == "int32"
    assert J.dtype(J.arange(3.0)) == "float32" and J.dtype(J.convert_to_tensor(3)) == "int32"


def test_integer_rules():
    i = J.convert_to_tensor([1, 2, 3])
    assert J.dtype(i) == "int32"
    assert J.dtype(J.multiply(i, 2)) == "int32"
    assert J.dtype(J.multiply(i, 2.5)) == "float32"
    assert J.dtype(J.divide(i, i)) == "float32"
    assert J.dtype(J.sum(i)) == "int32" and J.dtype(J.sum(J.greater(i, 1))) == "int32"
    assert J.dtype(J.argmax(i)) == "int32" and J.dtype(J.sqrt(i)) == "float32"
    rows, cols = J.where(J.convert_to_tensor([[0, 1], [1, 0]]))
    assert J.dtype(rows) == "int32"
    np.testing.assert_array_equal(rows, [0, 1])
    np.testing.assert_array_equal(cols, [1, 0])


def test_mixing_backends_raises():
    with pytest.raises(ValueError, match="Cannot mix backends: got a numpy tensor in a jax op"):
        J.add(NP.convert_to_tensor([1.0]), 1.0)
    with pytest.raises(ValueError, match="Cannot mix backends"):
        J.convert_to_tensor(NP.convert_to_tensor([1.0]))
    with pytest.raises(ValueError, match="Cannot mix backends: Variable 'v' belongs to the numpy"):
        J.exp(NP.Variable(np.ones(2), name="v"))


# ---------------------------------------------------------------------------- geometry
@pytest.mark.parametrize("size, kernel, stride, dilation, padding", [
    (7, 3, 1, 1, "valid"), (7, 3, 2, 1, "same"), (8, 3, 3, 1, "same"), (9, 2, 2, 2, "valid"),
    (6, 3, 1, 2, "same"), (5, 1, 2, 1, "valid")])
def test_conv_output_shape_follows_keras(size, kernel, stride, dilation, padding):
    x = J.ones((2, size, size + 1, 6))
    k = J.ones((kernel, kernel, 3, 4))  # two groups of three channels
    y = J.conv(x, k, strides=stride, padding=padding, dilation_rate=dilation)
    effective = (kernel - 1) * dilation + 1

    def expected(n):
        return math.ceil(n / stride) if padding == "same" else (n - effective) // stride + 1
    assert J.shape(y) == (2, expected(size), expected(size + 1), 4)
    y_first = J.conv(J.transpose(x, (0, 3, 1, 2)), k, stride, padding, "channels_first", dilation)
    np.testing.assert_allclose(J.transpose(y_first, (0, 2, 3, 1)), y, rtol=1e-6)


@pytest.mark.parametrize("size, kernel, stride, padding, output_padding", [
    (4, 3, 2, "valid", None), (4, 3, 2, "same", None), (4, 2, 3, "valid", None),
    (4, 3, 2, "valid", 1), (4, 3, 2, "same", 1), (5, 4, 1, "same", None)])
def test_conv_transpose_output_shape_follows_keras(size, kernel, stride, padding, output_padding):
    y = J.conv_transpose(J.ones((1, size, 3)), J.ones((kernel, 2, 3)), strides=stride,
                         padding=padding, output_padding=output_padding)
    if output_padding is None:
        length = (size - 1) * stride + max(kernel, stride) if padding == "valid" else size * stride
    else:
        length = (size - 1) * stride + (kernel if padding == "valid" else kernel % 2) + output_padding
    assert J.shape(y) == (1, length, 2)


def test_conv_transpose_is_the_input_gradient_of_conv():
    x, k = rand(1, 5, 5, 2), rand(3, 3, 2, 4)
    g = rand(1, 3, 3, 4)
    _, pullback = jax.vjp(lambda x: J.conv(x, k, strides=2, padding="same"), x)
    y = J.conv_transpose(g, k, strides=2, padding="same", output_padding=0)
    np.testing.assert_allclose(y[:, :5, :5], pullback(g)[0], rtol=1e-5, atol=1e-6)


def test_pooling_shapes_values_and_first_maximum():
    x = J.reshape(J.arange(16.0), (1, 4, 4, 1))
    np.testing.assert_allclose(J.max_pool(x, 2)[0, :, :, 0], [[5, 7], [13, 15]])
    np.testing.assert_allclose(J.average_pool(x, 2)[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert J.shape(J.max_pool(J.ones((2, 5, 7, 3)), 3, 2, "same")) == (2, 3, 4, 3)
    # "same" average pooling ignores the padded cells: the mean of ones is one everywhere
    np.testing.assert_allclose(J.average_pool(J.ones((1, 5, 3)), 4, 3, "same"), np.ones((1, 2, 3)))
    ties = J.convert_to_tensor([[[1.0], [3.0], [3.0], [2.0]]])
    with J.GradientTape() as tape:
        tape.watch(ties)
        y = J.max_pool(ties, 4)
    np.testing.assert_allclose(np.ravel(tape.gradient(y, ties)), [0, 1, 0, 0])


# ---------------------------------------------------------------------------- random
def test_int_seeds_repeat_and_generators_advance():
    np.testing.assert_array_equal(J.normal((4,), seed=3), J.normal((4,), seed=3))
    assert not np.array_equal(J.normal((4,), seed=3), J.normal((4,), seed=4))
    gen, twin = J.SeedGenerator(7), J.SeedGenerator(7)
    first, second = J.uniform((4,), seed=gen), J.uniform((4,), seed=gen)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, J.uniform((4,), seed=twin))
    np.testing.assert_array_equal(second, J.uniform((4,), seed=twin))
    assert J.dtype(J.normal((2,), seed=gen)) == "float32"
    ints = J.randint((100,), 2, 5, seed=gen)
    assert J.dtype(ints) == "int32" and set(np.unique(ints)) <= {2, 3, 4}


def test_random_draws_work_under_jit_with_a_traced_state():
    gen, twin = J.SeedGenerator(11), J.SeedGenerator(11)

    def draw(state):
        with StatelessScope([(gen.state, state)]) as scope:
            values = J.normal((3,), seed=gen)
        return values, scope.get_current_value(gen.state)

    values, state = J.jit(draw)(gen.state.value)
    np.testing.assert_array_equal(values, J.normal((3,), seed=twin))
    np.testing.assert_array_equal(state, twin.state.value)


def test_dropout_and_shuffle():
    x = J.ones((200, 10))
    y = J.dropout(x, 0.3, seed=2)
    kept = np.asarray(y) != 0
    np.testing.assert_allclose(np.asarray(y)[kept], 1 / 0.7, rtol=1e-6)
    assert 0.6 < kept.mean() < 0.8
    y = np.asarray(J.dropout(x, 0.5, noise_shape=(1, 10), seed=2))
    assert (y == y[0]).all()  # one mask, broadcast over the rows
    s = J.shuffle(J.arange(10), seed=1)
    assert sorted(np.asarray(s).tolist()) == list(range(10))


# ---------------------------------------------------------------------------- transformations
def test_value_and_grad_grad_and_jit():
    def loss(params, x, scale):
        return J.sum(J.square(J.multiply(J.matmul(x, params["w"]), scale))), params["w"]

    params = {"w": rand(3, 2)}
    x = rand(4, 3)
    (value, aux), (grads, dx) = J.value_and_grad(loss, argnums=(0, 1), has_aux=True)(params, x, 2.0)
    expected = jax.grad(lambda w, x: jnp.sum((x @ w * 2.0) ** 2), argnums=(0, 1))(params["w"], x)
    np.testing.assert_allclose(grads["w"], expected[0], rtol=1e-5)
    np.testing.assert_allclose(dx, expected[1], rtol=1e-5)
    assert aux is params["w"] and J.dtype(value) == "float32"
    g = J.grad(lambda v: J.sum(J.sin(v)))(1.5)
    assert J.dtype(g) == "float32"
    np.testing.assert_allclose(g, np.cos(1.5), rtol=1e-6)
    scaled = J.jit(lambda x, n: J.multiply(x, n), static_argnums=(1,))
    np.testing.assert_allclose(scaled(x, 3), np.asarray(x) * 3, rtol=1e-6)
