"""Control flow (``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``,
``associative_scan``, ``map``, ``vectorized_map``) beyond the cross-check table.

``op_specs.py`` cross-checks values, gradients and Hessian-vector products of each op
between the numpy engine and JAX (the JAX side compiled under ``jax.jit``). Here:
the structures Keras 3 returns (against the real Keras on JAX), that the jax backend
compiles ``lax`` control flow and that its GradientTape (which runs Python control flow)
agrees with ``jax.grad``, ``while_loop``'s refusal of a gradient on every backend, and how
the engine's ``jit`` recording meets a predicate read on the host.
"""

import warnings

import numpy as np
import pytest

import kerasette
from kerasette import ops

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

from kerasette.backends.jax import backend as J  # noqa: E402
from kerasette.backends.numpy import backend as NP  # noqa: E402

RNG = np.random.default_rng(7)
XS = RNG.normal(size=(5, 3)).astype(np.float32)
H0 = RNG.normal(size=(3,)).astype(np.float32)


def _programs(o):
    """The same Keras programs, written with ``o`` (kerasette.ops or keras.ops)."""
    xs, h0 = o.convert_to_tensor(XS), o.convert_to_tensor(H0)
    return {
        # y None: ys is None
        "scan_no_outputs": o.scan(lambda c, x: (c + x, None), h0, xs),
        "scan_reverse_length": o.scan(lambda c, _: (c * 0.5, c), h0, length=3, reverse=True),
        "scan_structures": o.scan(lambda c, x: ({"a": c["a"] + x[0], "b": c["b"]}, [x[1], c["a"]]),
                                  {"a": h0, "b": o.sum(h0)}, (xs, xs * 2.0)),
        "while_single": o.while_loop(lambda x: o.sum(x) < 100.0, lambda x: x + 1.0, h0),
        "while_list": o.while_loop(lambda i, x: i < 10, lambda i, x: [i + 1, x * 2.0], [0, h0],
                                   maximum_iterations=3),
        "fori_structure": o.fori_loop(0, 4, lambda i, v: (v[0] + v[1], v[1] * 2.0), (h0, h0)),
        "switch_clamped": o.switch(9, [lambda x: x, lambda x: x * 3.0], h0),
        "cond_python_bool": o.cond(True, lambda: (h0, h0 * 2.0), lambda: (h0 * 3.0, h0)),
        "associative_list": o.associative_scan(lambda a, b: [a[0] + b[0], a[1] * b[1]],
                                               [xs, xs * 0.1 + 1.0], axis=0),
        "associative_axis_reverse": o.associative_scan(o.add, xs, reverse=True, axis=1),
        "map_dict": o.map(lambda x: {"sum": o.sum(x), "twice": x * 2.0}, xs),
        "vectorized_list": o.vectorized_map(lambda t: t[0] * t[1], [xs, xs + 1.0]),
    }


def _structure(value):
    """The containers of ``value`` (types and dict keys), its leaves as float64 arrays."""
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [_structure(v) for v in value]
    if isinstance(value, dict):
        return "dict", {k: _structure(v) for k, v in sorted(value.items())}
    if value is None:
        return None
    return np.asarray(value, dtype=np.float64)


def _assert_same(actual, expected, path="result"):
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{path}: {actual!r} instead of an array"
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6, err_msg=path)
    elif expected is None or isinstance(expected, str):
        assert actual == expected, f"{path}: {actual!r} instead of {expected!r}"
    elif isinstance(expected, dict):
        assert sorted(actual) == sorted(expected), f"{path}: keys {sorted(actual)}"
        for k in expected:
            _assert_same(actual[k], expected[k], f"{path}[{k!r}]")
    else:
        assert len(actual) == len(expected), f"{path}: {len(actual)} entries, not {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            _assert_same(a, e, f"{path}[{i}]")


@pytest.fixture(scope="module")
def keras_results(keras):
    return {name: _structure(value) for name, value in _programs(keras.ops).items()}


def test_values_and_structures_match_keras_on_jax(backend, keras_results):
    actual = _programs(ops)
    for name, expected in keras_results.items():
        _assert_same(_structure(actual[name]), expected, name)
    # (Keras on JAX refuses a negative axis with reverse=True; kerasette takes it)
    np.testing.assert_allclose(
        ops.convert_to_numpy(ops.associative_scan(ops.add, ops.convert_to_tensor(XS),
                                                  reverse=True, axis=-1)),
        keras_results["associative_axis_reverse"], rtol=1e-6)


def test_jax_backend_compiles_lax_control_flow():
    x = jnp.asarray(XS)

    def program(x):
        a = J.cond(J.sum(x) > 0, lambda: J.sin(x), lambda: J.cos(x))
        b = J.switch(J.cast(J.sum(x) > 0, "int32"), [J.exp, J.tanh], x)
        c = J.while_loop(lambda v: J.sum(v) < 50.0, lambda v: J.add(v, 1.0), J.abs(x))
        d = J.scan(lambda carry, row: (J.add(carry, row), J.multiply(carry, row)), x[0], x)[1]
        e = J.fori_loop(0, 3, lambda i, v: J.multiply(v, 1.5), x)
        f = J.associative_scan(J.add, x)
        g = J.map(J.sum, x)
        h = J.vectorized_map(lambda row: J.multiply(row, row), x)
        return a, b, c, d, e, f, g, h

    # (their values under jax.jit: op_specs' cross-check runs the JAX side compiled)
    jaxpr = str(jax.make_jaxpr(program)(x))
    for primitive in ("cond[", "while[", "scan["):
        assert primitive in jaxpr, f"no {primitive[:-1]} in the compiled program:\n{jaxpr}"
    assert jaxpr.count("scan[") >= 3 and jaxpr.count("while[") >= 1  # scan, fori_loop, map


def _loss(o, x, w):
    # a data-dependent cond, a scan and a fori_loop
    h, ys = o.scan(lambda h, row: (o.tanh(o.add(o.multiply(row, w), h)), h), o.zeros_like(w), x)
    z = o.cond(o.sum(h) > -100.0, lambda: o.multiply(h, w), lambda: h)
    z = o.fori_loop(0, 2, lambda i, v: o.sin(v), z)
    return o.add(o.sum(z), o.sum(o.square(ys)))


def test_tapes_through_control_flow_match_jax_grad(backend):
    # the jax backend's tape runs the control flow in Python, jax.grad traces lax's (second
    # derivatives of every op: op_specs' Hessian-vector products)
    x0, w0 = XS[:3, :2], H0[:2]
    reference = jax.jit(jax.grad(lambda w: _loss(J, x0, w)))(jnp.asarray(w0))
    w = ops.convert_to_tensor(w0)
    with kerasette.GradientTape() as tape:
        tape.watch(w)
        loss = _loss(ops, ops.convert_to_tensor(x0), w)
    np.testing.assert_allclose(ops.convert_to_numpy(tape.gradient(loss, w)),
                               np.asarray(reference), rtol=3e-5)  # float32 rounding


def test_while_loop_refuses_a_gradient_on_every_backend(backend):
    # as jax.lax.while_loop: no reverse-mode gradient, whichever way it is asked for
    def loss(x):
        _, y = ops.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, ops.sin(v)), (0, x))
        return ops.sum(y)

    x = ops.convert_to_tensor(H0)
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        ops.value_and_grad(loss)(x)
    with kerasette.GradientTape() as tape:
        tape.watch(x)
        y = loss(x)
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        tape.gradient(y, x)
    # a loop whose result no gradient reaches is fine under a tape
    with kerasette.GradientTape() as tape:
        tape.watch(x)
        count = ops.while_loop(lambda i: i < 4, lambda i: i + 1, 0)
        y = ops.sum(ops.multiply(x, ops.cast(count, "float32")))
    np.testing.assert_allclose(ops.convert_to_numpy(tape.gradient(y, x)), np.full(3, 4.0))


def test_carry_keeps_its_shape_and_unroll_is_checked(backend):
    xs = ops.convert_to_tensor(XS)
    with pytest.raises(TypeError):  # the carry grows from (3,) to (5, 3): JAX refuses too
        ops.scan(lambda c, x: (c + xs, x), ops.convert_to_tensor(H0), xs)
    with pytest.raises(ValueError, match="unroll"):
        ops.scan(lambda c, x: (c, x), 0.0, xs, unroll=0)
    with pytest.raises(ValueError, match="length"):
        ops.scan(lambda c, x: (c, x), 0.0, None)


def test_engine_jit_reads_a_predicate_and_replays_a_scan():
    # a predicate of the arguments must not be baked into a schedule: the step runs eagerly
    step = NP.jit(lambda x: NP.cond(NP.sum(x) > 0, lambda: NP.multiply(x, 2.0),
                                    lambda: NP.subtract(x, 1.0)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for sign in (1.0, -1.0, 1.0, -1.0):
            x = sign * np.abs(XS)
            expected = x * 2.0 if sign > 0 else x - 1.0
            np.testing.assert_allclose(np.asarray(step(NP.convert_to_tensor(x))), expected)
    assert "bool()" in " ".join(step.eager_reasons())
    assert any("runs eagerly" in str(w.message) for w in caught)

    # a scan of a fixed length reads nothing on the host: recorded once, then replayed
    def scan_step(x, h):
        return NP.scan(lambda c, row: (NP.tanh(NP.add(c, row)), NP.multiply(c, row)), h, x)

    replayed = NP.jit(scan_step)
    for salt in range(3):
        x, h = XS + salt, H0 - salt
        for got, want in zip(replayed(NP.convert_to_tensor(x), NP.convert_to_tensor(h)),
                             scan_step(NP.convert_to_tensor(x), NP.convert_to_tensor(h))):
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6)
    assert replayed.replaying() == 1 and not replayed.eager_reasons()
