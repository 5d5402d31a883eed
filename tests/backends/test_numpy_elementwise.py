"""The numpy engine's elementwise, activation, reduction and random ops against JAX (float64).

Each differentiable case is checked three ways: the forward, the VJP along a
random cotangent, and a Hessian-vector product of ``sum(ct * op(x) ** 2)``
(which differentiates every gradient rule once more). Kinks, ties and zeros,
where JAX picks a particular gradient, get tests of their own. The full
table-driven cross-check suite lives elsewhere; these are the op author's checks.
"""

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import crosscheck as cc
from kerasette.backends.numpy import backend as F

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module", autouse=True)
def jax_float64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


def rand(*shape):
    return RNG.standard_normal(shape)


def positive(*shape):
    return RNG.uniform(0.5, 2.0, shape)


def with_zeros():
    x = rand(3, 4)
    x[0, 1] = 0.0  # one zero in a row
    x[2, :2] = 0.0  # two zeros in a row
    return x


MASK = RNG.standard_normal((3, 4)) > 0
nn = jax.nn

# id, engine op f(F, *xs), jax op f(*xs), float inputs
CASES = [
    # arithmetic, with broadcasting
    ("add", lambda F, a, b: F.add(a, b), jnp.add, [rand(2, 3), rand(3)]),
    ("subtract", lambda F, a, b: F.subtract(a, b), jnp.subtract, [rand(2, 1), rand(1, 3)]),
    ("multiply", lambda F, a, b: F.multiply(a, b), jnp.multiply, [rand(2, 3), rand(2, 1)]),
    ("divide", lambda F, a, b: F.divide(a, b), jnp.divide, [rand(2, 3), positive(3)]),
    ("mod", lambda F, a, b: F.mod(a, b), jnp.mod, [3 * rand(2, 3), positive(2, 1)]),
    ("power", lambda F, a, b: F.power(a, b), jnp.power, [positive(2, 3), rand(3)]),
    ("power_scalar_exponent", lambda F, a: F.power(a, 3), lambda a: jnp.power(a, 3), [rand(2, 3)]),
    ("power_float_exponent", lambda F, a: F.power(a, 0.5), lambda a: jnp.power(a, 0.5), [positive(2, 3)]),
    ("power_scalar_base", lambda F, b: F.power(2.5, b), lambda b: jnp.power(2.5, b), [rand(2, 3)]),
    ("negative", lambda F, x: F.negative(x), jnp.negative, [rand(2, 3)]),
    ("square", lambda F, x: F.square(x), jnp.square, [rand(2, 3)]),
    ("sqrt", lambda F, x: F.sqrt(x), jnp.sqrt, [positive(2, 3)]),
    ("exp", lambda F, x: F.exp(x), jnp.exp, [rand(2, 3)]),
    ("log", lambda F, x: F.log(x), jnp.log, [positive(2, 3)]),
    ("log1p", lambda F, x: F.log1p(x), jnp.log1p, [positive(2, 3) - 0.6]),
    ("expm1", lambda F, x: F.expm1(x), jnp.expm1, [rand(2, 3)]),
    ("abs", lambda F, x: F.abs(x), jnp.abs, [rand(2, 3)]),
    ("maximum", lambda F, a, b: F.maximum(a, b), jnp.maximum, [rand(2, 3), rand(3)]),
    ("minimum", lambda F, a, b: F.minimum(a, b), jnp.minimum, [rand(2, 3), rand(2, 1)]),
    ("clip", lambda F, x: F.clip(x, -0.5, 0.7), lambda x: jnp.clip(x, -0.5, 0.7), [rand(3, 4)]),
    ("clip_tensor_bounds", lambda F, x, lo, hi: F.clip(x, lo, hi), jnp.clip,
     [rand(3, 4), rand(4) - 1.0, rand(3, 1) + 1.0]),
    ("where", lambda F, a, b: F.where(MASK, a, b), lambda a, b: jnp.where(MASK, a, b), [rand(3, 4), rand(4)]),
    ("sin", lambda F, x: F.sin(x), jnp.sin, [rand(2, 3)]),
    ("cos", lambda F, x: F.cos(x), jnp.cos, [rand(2, 3)]),
    ("tanh", lambda F, x: F.tanh(x), jnp.tanh, [rand(2, 3)]),
    ("erf", lambda F, x: F.erf(x), jax.scipy.special.erf, [2 * rand(3, 4)]),
    # activations
    ("relu", lambda F, x: F.relu(x), nn.relu, [rand(3, 4)]),
    ("relu6", lambda F, x: F.relu6(x), nn.relu6, [5 * rand(3, 4)]),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.1), lambda x: nn.leaky_relu(x, 0.1), [rand(3, 4)]),
    ("elu", lambda F, x: F.elu(x, 0.7), lambda x: nn.elu(x, 0.7), [rand(3, 4)]),
    ("selu", lambda F, x: F.selu(x), nn.selu, [rand(3, 4)]),
    ("gelu_tanh", lambda F, x: F.gelu(x), lambda x: nn.gelu(x, approximate=True), [2 * rand(3, 4)]),
    ("gelu_erf", lambda F, x: F.gelu(x, approximate=False), lambda x: nn.gelu(x, approximate=False),
     [2 * rand(3, 4)]),
    ("sigmoid", lambda F, x: F.sigmoid(x), nn.sigmoid, [4 * rand(3, 4)]),
    ("hard_sigmoid", lambda F, x: F.hard_sigmoid(x), nn.hard_sigmoid, [3 * rand(3, 4)]),
    ("softplus", lambda F, x: F.softplus(x), nn.softplus, [4 * rand(3, 4)]),
    ("softsign", lambda F, x: F.softsign(x), nn.soft_sign, [rand(3, 4)]),
    ("silu", lambda F, x: F.silu(x), nn.silu, [2 * rand(3, 4)]),
    ("softmax", lambda F, x: F.softmax(x), nn.softmax, [rand(3, 4)]),
    ("softmax_axes", lambda F, x: F.softmax(x, axis=(0, 2)), lambda x: nn.softmax(x, axis=(0, 2)),
     [rand(2, 3, 4)]),
    ("log_softmax", lambda F, x: F.log_softmax(x, axis=0), lambda x: nn.log_softmax(x, axis=0), [rand(3, 4)]),
    # reductions
    ("sum", lambda F, x: F.sum(x, axis=(0, -1)), lambda x: jnp.sum(x, axis=(0, -1)), [rand(2, 3, 4)]),
    ("mean", lambda F, x: F.mean(x), jnp.mean, [rand(2, 3)]),
    ("mean_keepdims", lambda F, x: F.mean(x, axis=[1], keepdims=True),
     lambda x: jnp.mean(x, axis=1, keepdims=True), [rand(2, 3)]),
    ("max", lambda F, x: F.max(x, axis=1), lambda x: jnp.max(x, axis=1), [rand(3, 4)]),
    ("min", lambda F, x: F.min(x, axis=(0, 2), keepdims=True), lambda x: jnp.min(x, axis=(0, 2), keepdims=True),
     [rand(2, 3, 4)]),
    ("prod", lambda F, x: F.prod(x, axis=-1), lambda x: jnp.prod(x, axis=-1), [rand(3, 4)]),
    ("prod_with_zeros", lambda F, x: F.prod(x, axis=1), lambda x: jnp.prod(x, axis=1), [with_zeros()]),
    ("prod_all_with_zero", lambda F, x: F.prod(x), jnp.prod, [with_zeros()[:2]]),
    ("var", lambda F, x: F.var(x, axis=0), lambda x: jnp.var(x, axis=0), [rand(3, 4)]),
    ("std", lambda F, x: F.std(x), jnp.std, [rand(3, 4)]),
    ("logsumexp", lambda F, x: F.logsumexp(x, axis=1, keepdims=True),
     lambda x: jax.nn.logsumexp(x, axis=1, keepdims=True), [rand(3, 4)]),
    ("logsumexp_all", lambda F, x: F.logsumexp(x), jax.nn.logsumexp, [rand(3, 4)]),
    ("cumsum", lambda F, x: F.cumsum(x, axis=1), lambda x: jnp.cumsum(x, axis=1), [rand(3, 4)]),
    ("cumsum_flat", lambda F, x: F.cumsum(x), jnp.cumsum, [rand(3, 4)]),
]


def engine_scalar(fn, ct, power):
    """``sum(ct * out ** power)`` on the engine."""
    def scalar(*xs):
        out = fn(F, *xs)
        return F.sum(F.multiply(out if power == 1 else F.multiply(out, out), ct))
    return scalar


def assert_close(actual, expected, what, tol=1e-10):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, JAX {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol, err_msg=what)


def jax_reference(jax_fn, xs, ct, vs):
    """JAX's output, VJP along ``ct`` and Hessian-vector product of ``sum(ct * out ** 2)``
    along ``vs``, in float64: one program per case, compiled once (crosscheck.py)."""
    widened = [[np.asarray(a, np.float64) for a in arrays] for arrays in (xs, [ct], vs)]
    outs, grads, hvp = cc.jax_first_and_second_order(jax_fn)(*widened)
    return outs[0], grads, hvp


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_forward_vjp_and_second_order_match_jax(case):
    _, engine_fn, jax_fn, xs = case
    argnums = tuple(range(len(xs)))
    ct = rand(*jax.eval_shape(jax_fn, *xs).shape)
    vs = [rand(*np.shape(x)) for x in xs]
    expected, jax_grads, jax_hvp = jax_reference(jax_fn, xs, ct, vs)
    out = engine_fn(F, *[F.convert_to_tensor(x) for x in xs])
    assert out.dtype == np.float64
    assert_close(F.convert_to_numpy(out), expected, "forward")
    grads = F.grad(engine_scalar(engine_fn, ct, 1), argnums=argnums)(*xs)
    for g, want in zip(grads, jax_grads):
        assert_close(F.convert_to_numpy(g), want, "vjp")
    # Hessian-vector product of sum(ct * out ** 2): differentiates every gradient rule again
    inner = F.grad(engine_scalar(engine_fn, ct, 2), argnums=argnums)

    def along_v(*a):
        return sum((F.sum(F.multiply(g, v)) for g, v in zip(inner(*a), vs)), F.convert_to_tensor(0.0))
    hvp = F.grad(along_v, argnums=argnums)(*xs)
    for h, want in zip(hvp, jax_hvp):
        assert_close(F.convert_to_numpy(h), want, "hessian-vector product", tol=1e-9)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_in_float32_out(case):
    _, engine_fn, jax_fn, xs = case
    xs = [np.asarray(x, dtype="float32") for x in xs]
    out = engine_fn(F, *[F.convert_to_tensor(x) for x in xs])
    ct = np.asarray(rand(*out.shape), dtype="float32")
    grads = F.grad(engine_scalar(engine_fn, ct, 1), argnums=tuple(range(len(xs))))(*xs)
    # against JAX in float64 on the same float32 inputs: float32 rounding only (the program
    # of the float64 test; its Hessian-vector product, along zeros, is not looked at)
    expected, jax_grads, _ = jax_reference(jax_fn, xs, ct, [np.zeros(x.shape) for x in xs])
    for got, want in zip([out, *grads], [expected, *jax_grads]):
        assert got.dtype == np.float32
        np.testing.assert_allclose(F.convert_to_numpy(got), want, rtol=2e-5, atol=2e-6)


# ---------------------------------------------------------------------------- kinks and ties
def grad_of(fn, *xs):
    return [F.convert_to_numpy(g) for g in F.grad(fn, argnums=tuple(range(len(xs))))(*xs)]


@pytest.mark.parametrize("name, engine_fn, jax_fn", [
    ("relu", F.relu, nn.relu),
    ("relu6", F.relu6, nn.relu6),
    ("leaky_relu", F.leaky_relu, lambda x: nn.leaky_relu(x, 0.2)),  # Keras's default slope
    ("elu", lambda x: F.elu(x, 0.5), lambda x: nn.elu(x, 0.5)),
    ("hard_sigmoid", F.hard_sigmoid, nn.hard_sigmoid),
    ("gelu", F.gelu, nn.gelu),
    ("softplus", F.softplus, nn.softplus),
    ("clip", lambda x: F.clip(x, -3.0, 6.0), lambda x: jnp.clip(x, -3.0, 6.0)),
    ("maximum", lambda x: F.maximum(x, 0.0), lambda x: jnp.maximum(x, 0.0)),
    ("minimum", lambda x: F.minimum(x, 6.0), lambda x: jnp.minimum(x, 6.0)),
    ("sign", F.sign, jnp.sign),
    ("floor", F.floor, jnp.floor),
])
def test_gradient_at_kinks_is_jax_s(name, engine_fn, jax_fn):
    x = np.array([-3.0, 0.0, 3.0, 6.0, -1e3, 1e3])
    got = grad_of(lambda x: F.sum(engine_fn(x)), x)[0]
    np.testing.assert_allclose(got, jax.grad(lambda x: jnp.sum(jax_fn(x)))(x), rtol=1e-12)


def test_abs_gradient_is_sign_with_zero_at_zero():
    # the contract's choice (TensorFlow's); JAX takes 1 at 0
    np.testing.assert_array_equal(grad_of(lambda x: F.sum(F.abs(x)), np.array([-2.0, 0.0, 3.0]))[0], [-1, 0, 1])


def test_ties_share_the_gradient_equally():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0])
    for op in ("maximum", "minimum"):
        got = grad_of(lambda a, b: F.sum(getattr(F, op)(a, b)), a, b)
        want = jax.grad(lambda a, b: jnp.sum(getattr(jnp, op)(a, b)), argnums=(0, 1))(a, b)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    x = np.array([[3.0, 1.0, 3.0, 3.0], [0.0, -1.0, 0.0, 5.0]])
    for op in ("max", "min"):
        got = grad_of(lambda x: F.sum(getattr(F, op)(x, axis=1)), x)[0]
        np.testing.assert_allclose(got, jax.grad(lambda x: jnp.sum(getattr(jnp, op)(x, axis=1)))(x))
    # clip at its bounds: the tie rule of minimum(maximum(x, lo), hi), as jax.numpy.clip
    x, lo, hi = np.array([0.0, 1.0, 0.5, -1.0, 2.0]), np.zeros(5), np.ones(5)
    got = grad_of(lambda x, lo, hi: F.sum(F.clip(x, lo, hi)), x, lo, hi)
    want = jax.grad(lambda x, lo, hi: jnp.sum(jnp.clip(x, lo, hi)), argnums=(0, 1, 2))(x, lo, hi)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_power_gradients_at_zero_base_and_zero_exponent():
    x = np.array([0.0, 2.0, -1.5])
    np.testing.assert_array_equal(grad_of(lambda x: F.sum(F.power(x, 0)), x)[0], [0, 0, 0])
    np.testing.assert_array_equal(grad_of(lambda x: F.sum(F.power(x, 2)), x)[0], [0, 4, -3])
    y = np.array([2.0, 3.0, 2.0])
    got = grad_of(lambda y: F.sum(F.power(np.array([0.0, 2.0, 1.0]), y)), y)[0]
    np.testing.assert_allclose(got, jax.grad(lambda y: jnp.sum(jnp.power(jnp.array([0.0, 2.0, 1.0]), y)))(y))


# ---------------------------------------------------------------------------- stability
def test_no_overflow_and_exact_tails():
    x = np.array([-1000.0, -80.0, -20.0, 0.0, 20.0, 80.0, 1000.0], dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for op, ref in [("sigmoid", nn.sigmoid), ("softplus", nn.softplus), ("silu", nn.silu),
                        ("elu", nn.elu), ("selu", nn.selu), ("gelu", nn.gelu), ("softmax", nn.softmax),
                        ("log_softmax", nn.log_softmax)]:
            got = F.convert_to_numpy(getattr(F, op)(x))
            want = np.asarray(ref(jnp.asarray(x.astype("float64"))))
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=0, err_msg=op)
        grad = grad_of(lambda x: F.sum(F.sigmoid(x)), x)[0]
        assert np.all(np.isfinite(grad))
        # logsumexp: -inf entries and all -inf groups, with the gradient of the finite ones
        z = np.array([[-np.inf, -np.inf], [-np.inf, 0.0], [1000.0, 1000.0]])
        lse = F.convert_to_numpy(F.logsumexp(z, axis=1))
        np.testing.assert_allclose(lse, [-np.inf, 0.0, 1000.0 + math.log(2)])
        grad = grad_of(lambda z: F.sum(F.logsumexp(z[1:], axis=1)), z)[0]
        np.testing.assert_allclose(grad[1:], [[0.0, 1.0], [0.5, 0.5]])


def test_erf_matches_math_erf_to_double_precision():
    x = np.concatenate([np.linspace(-6.5, 6.5, 200_001), np.geomspace(1e-300, 1.0, 2001),
                        [0.46875, np.nextafter(0.46875, 1.0), 4.0, np.nextafter(4.0, 5.0), 27.0, 1e300]])
    x = np.concatenate([x, -x])
    got = F.convert_to_numpy(F.erf(x))
    want = np.array([math.erf(v) for v in x])
    assert np.max(np.abs(got - want) / np.abs(want)) < 1e-15
    special = F.convert_to_numpy(F.erf(np.array([0.0, -0.0, np.inf, -np.inf, np.nan])))
    np.testing.assert_array_equal(special, [0.0, -0.0, 1.0, -1.0, np.nan])
    assert np.signbit(special[1])
    x32 = x[np.abs(x) < 1e30].astype("float32")
    got32 = F.erf(x32)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(F.convert_to_numpy(got32), [math.erf(v) for v in x32.astype("float64")],
                               rtol=5e-7, atol=1e-45)


# ---------------------------------------------------------------------------- non-differentiable ops
def test_predicates_rounding_and_arg_reductions():
    a = np.array([[1.5, -2.5, 0.5, np.nan], [np.inf, 2.0, 2.0, -0.5]])
    b = np.array([1.5, 0.0, 2.0, 1.0])
    for op in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
               "logical_and", "logical_or", "logical_xor"):
        out = getattr(F, op)(a, b)
        assert out.dtype == np.bool_
        np.testing.assert_array_equal(F.convert_to_numpy(out), getattr(np, op)(a, b), err_msg=op)
    for op in ("logical_not", "isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(F.convert_to_numpy(getattr(F, op)(a)), getattr(np, op)(a), err_msg=op)
    finite = np.nan_to_num(a, posinf=7.0)
    for op in ("floor", "ceil", "sign", "round"):
        np.testing.assert_array_equal(F.convert_to_numpy(getattr(F, op)(finite)), getattr(jnp, op)(finite))
    np.testing.assert_array_equal(F.convert_to_numpy(F.round(np.array([0.25, 1.35]), 1)), [0.2, 1.4])
    divisor = b + 0.5
    np.testing.assert_array_equal(F.convert_to_numpy(F.floor_divide(finite, divisor)),
                                  np.floor_divide(finite, divisor))
    ties = np.array([[1, 3, 3], [2, 0, 0]])
    for op in ("argmax", "argmin"):
        out = getattr(F, op)(ties, axis=1)
        assert out.dtype == np.int32
        np.testing.assert_array_equal(F.convert_to_numpy(out), getattr(jnp, op)(ties, axis=1))
        assert getattr(F, op)(ties, keepdims=True).shape == (1, 1)
    assert F.convert_to_numpy(F.all(ties > 0, axis=1)).tolist() == [True, False]
    assert F.convert_to_numpy(F.any(ties > 2, axis=[0, 1])).item() is True
    # the gradient through a non-differentiable op is None (zero)
    assert F.grad(lambda x: F.sum(F.multiply(F.floor(x), x)))(np.array([1.5])).numpy().tolist() == [1.0]


def test_where_with_condition_only_gives_int32_indices():
    cond = np.array([[True, False], [False, True]])
    rows, cols = F.where(cond)
    assert rows.dtype == np.int32 and cols.dtype == np.int32
    np.testing.assert_array_equal(F.convert_to_numpy(rows), [0, 1])
    np.testing.assert_array_equal(F.convert_to_numpy(cols), [0, 1])
    with pytest.raises(ValueError, match="both x1 and x2"):
        F.where(cond, 1.0)


# ---------------------------------------------------------------------------- dtypes
def test_dtypes_follow_jax_not_numpy():
    ints = np.arange(1, 5, dtype="int32")
    f32 = np.ones(4, dtype="float32")
    for op in ("sqrt", "log", "exp", "sin", "tanh", "erf", "sigmoid", "softplus", "gelu"):
        assert getattr(F, op)(ints).dtype == np.float32, op
    assert F.divide(ints, ints).dtype == np.float32
    assert F.divide(3, 2).dtype == np.float32
    assert F.multiply(ints, 0.5).dtype == np.float32
    assert F.add(ints, f32).dtype == np.float32
    assert F.multiply(f32, 2.0).dtype == np.float32
    assert F.maximum(ints, 0).dtype == np.int32
    assert F.where(ints > 2, 1.0, 0).dtype == np.float32
    assert F.where(ints > 2, f32, 0).dtype == np.float32
    assert F.mean(ints).dtype == np.float32 and F.var(ints).dtype == np.float32
    assert F.sum(ints).dtype == np.int32 and F.cumsum(ints).dtype == np.int32
    assert F.prod(ints).dtype == np.int32
    assert F.sum(ints > 2).dtype == np.int32
    assert F.floor(ints).dtype == np.int32
    assert F.sqrt(2.0).dtype == np.float32


# ---------------------------------------------------------------------------- random
def test_random_draws_are_reproducible_and_shaped():
    gen = F.SeedGenerator(42)
    a, b = F.normal((3, 4), seed=gen), F.normal((3, 4), seed=gen)
    assert a.shape == (3, 4) and a.dtype == np.float32
    assert not np.allclose(F.convert_to_numpy(a), F.convert_to_numpy(b))
    again = F.SeedGenerator(42)
    np.testing.assert_array_equal(F.convert_to_numpy(F.normal((3, 4), seed=again)), F.convert_to_numpy(a))
    np.testing.assert_array_equal(F.convert_to_numpy(F.uniform((5,), seed=7)),
                                  F.convert_to_numpy(F.uniform((5,), seed=7)))
    u = F.convert_to_numpy(F.uniform((10_000,), minval=-2.0, maxval=3.0, dtype="float64", seed=1))
    assert u.dtype == np.float64 and u.min() >= -2.0 and u.max() < 3.0
    n = F.convert_to_numpy(F.normal((20_000,), mean=1.0, stddev=2.0, seed=1))
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 2.0) < 0.05
    t = F.convert_to_numpy(F.truncated_normal((20_000,), mean=1.0, stddev=2.0, seed=1))
    assert t.min() >= -3.0 and t.max() <= 5.0 and abs(t.mean() - 1.0) < 0.05
    r = F.randint((1000,), 2, 5, seed=1)
    assert r.dtype == np.int32 and set(F.convert_to_numpy(r).tolist()) == {2, 3, 4}
    s = F.convert_to_numpy(F.shuffle(np.arange(12).reshape(6, 2), seed=3))
    # each column is permuted on its own (Keras's semantics), so columns keep their values
    assert sorted(s[:, 0].tolist()) == [0, 2, 4, 6, 8, 10]
    assert sorted(s[:, 1].tolist()) == [1, 3, 5, 7, 9, 11]
    assert not np.all(s[:, 1] == s[:, 0] + 1)
    F.normal((2,))  # seed=None: the global generator


def test_dropout_scales_kept_entries_and_passes_their_gradient():
    x = np.ones((200, 50), dtype="float32")
    y = F.dropout(x, 0.25, seed=1)
    kept = F.convert_to_numpy(y) != 0
    assert y.dtype == np.float32
    np.testing.assert_allclose(F.convert_to_numpy(y)[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.02
    grad = grad_of(lambda x: F.sum(F.multiply(F.dropout(x, 0.25, seed=1), 2.0)), x)[0]
    np.testing.assert_allclose(grad, np.where(kept, 2 / 0.75, 0.0), rtol=1e-6)
    # noise_shape: one draw per row, shared along the columns
    rows = F.convert_to_numpy(F.dropout(x, 0.5, noise_shape=(None, 1), seed=2))
    assert np.all((rows == 0).all(axis=1) | (rows == 2).all(axis=1))
    assert np.all(F.convert_to_numpy(F.dropout(x, 1.0, seed=1)) == 0)


# ---------------------------------------------------------------------------- the fast select
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_bitwise_select_is_numpy_where_bit_for_bit(dtype):
    from kerasette.backends.numpy import fast_paths
    special = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.5, -2.5, 1e-40], dtype="float64")
    shape = (64, 80)  # above the size where the bitwise select takes over
    assert np.prod(shape) >= fast_paths.SELECT_MIN_SIZE
    a = np.concatenate([special, rand(np.prod(shape) - 8)]).astype(dtype).reshape(shape)
    b = np.concatenate([rand(np.prod(shape) - 8), special[::-1]]).astype(dtype).reshape(shape)
    cond = RNG.random(shape) < 0.5
    for args in [(cond, a, b), (cond, a, 0), (cond, 0.0, b), (cond, -0.0, b), (cond[:, :1], a, b[0]),
                 (cond, a.T.copy().T, b[::-1]), (cond, a[:, ::-1], -1.0), (cond, a, b.astype("float64")),
                 (np.array(True), a[0, 0], b[0, 0]), (cond.astype("int8"), a, b)]:
        got, want = fast_paths.bitwise_select(*args), np.where(*args)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == np.ascontiguousarray(want).tobytes()


def test_masked_gradients_are_zero_even_where_the_cotangent_is_infinite():
    # sqrt(relu(x)) at x < 0: sqrt'(0) = inf, and relu's select must give 0, not inf * 0
    x = np.array([-1.0, 4.0])
    with np.errstate(divide="ignore"):  # sqrt's own gradient at 0 is inf
        check_masked_gradients(x)


def check_masked_gradients(x):
    for fn, jfn in [(lambda x: F.sqrt(F.relu(x)), lambda x: jnp.sqrt(nn.relu(x))),
                    (lambda x: F.sqrt(F.where(x > 0, x, 0.0)), lambda x: jnp.sqrt(jnp.where(x > 0, x, 0.0)))]:
        got = grad_of(lambda x: F.sum(fn(x)), x)[0]
        np.testing.assert_array_equal(got, jax.grad(lambda x: jnp.sum(jfn(x)))(x))
