"""The numpy engine's linear-algebra, shape and indexing ops against JAX (float64).

Each case is checked three ways: the forward, the VJP along a random cotangent,
and a Hessian-vector product of ``sum(ct * op(x) ** 2)`` (which differentiates
every gradient rule once more). The full table-driven cross-check suite lives
elsewhere; these are the op author's own checks.
"""

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
    with jax.default_matmul_precision("highest"):
        yield
    jax.config.update("jax_enable_x64", previous)


def rand(*shape):
    return RNG.standard_normal(shape)


IDX = np.array([[2, 0], [2, 2]])  # repeated positions: their gradients must add up
MASK = RNG.standard_normal((3, 4)) > 0
SORTED = np.argsort(RNG.standard_normal((3, 4)), axis=1)[:, :2]

# id, engine op f(F, *xs), jax op f(*xs), float inputs
CASES = [
    ("matmul", lambda F, a, b: F.matmul(a, b), jnp.matmul, [rand(3, 4), rand(4, 5)]),
    ("matmul_batched_broadcast", lambda F, a, b: F.matmul(a, b), jnp.matmul, [rand(2, 1, 3, 4), rand(5, 4, 2)]),
    ("matmul_vector_matrix", lambda F, a, b: F.matmul(a, b), jnp.matmul, [rand(4), rand(2, 4, 5)]),
    ("matmul_matrix_vector", lambda F, a, b: F.matmul(a, b), jnp.matmul, [rand(2, 3, 4), rand(4)]),
    ("matmul_vector_vector", lambda F, a, b: F.matmul(a, b), jnp.matmul, [rand(4), rand(4)]),
    ("matmul_operator", lambda F, a, b: a @ b, jnp.matmul, [rand(3, 4), rand(4, 2)]),
    ("dot_nd", lambda F, a, b: F.dot(a, b), jnp.dot, [rand(2, 3, 4), rand(5, 4, 3)]),
    ("dot_matrix_vector", lambda F, a, b: F.dot(a, b), jnp.dot, [rand(2, 3, 4), rand(4)]),
    ("dot_vector_nd", lambda F, a, b: F.dot(a, b), jnp.dot, [rand(4), rand(2, 4, 3)]),
    ("dot_scalar", lambda F, a, b: F.dot(a, b), jnp.dot, [rand(), rand(2, 3)]),
    ("tensordot_int", lambda F, a, b: F.tensordot(a, b, 2), lambda a, b: jnp.tensordot(a, b, 2),
     [rand(2, 3, 4), rand(3, 4, 5)]),
    ("tensordot_axes", lambda F, a, b: F.tensordot(a, b, ([1, 0], [0, 2])),
     lambda a, b: jnp.tensordot(a, b, ([1, 0], [0, 2])), [rand(2, 3, 4), rand(3, 5, 2)]),
    ("tensordot_outer", lambda F, a, b: F.tensordot(a, b, 0), lambda a, b: jnp.tensordot(a, b, 0),
     [rand(2, 3), rand(4)]),
    ("transpose", lambda F, x: F.transpose(x), jnp.transpose, [rand(2, 3, 4)]),
    ("transpose_axes", lambda F, x: F.transpose(x, (-1, 0, 1)), lambda x: jnp.transpose(x, (-1, 0, 1)),
     [rand(2, 3, 4)]),
    ("tensor_T", lambda F, x: x.T, lambda x: x.T, [rand(2, 3)]),
    ("expand_dims", lambda F, x: F.expand_dims(x, -1), lambda x: jnp.expand_dims(x, -1), [rand(2, 3)]),
    ("expand_dims_tuple", lambda F, x: F.expand_dims(x, (0, -1, 2)),
     lambda x: jnp.expand_dims(x, (0, -1, 2)), [rand(2, 3)]),
    ("squeeze", lambda F, x: F.squeeze(x), jnp.squeeze, [rand(1, 3, 1, 2)]),
    ("squeeze_axis", lambda F, x: F.squeeze(x, (0, -2)), lambda x: jnp.squeeze(x, (0, -2)), [rand(1, 3, 1, 2)]),
    ("concatenate", lambda F, a, b, c: F.concatenate([a, b, c], axis=-1),
     lambda a, b, c: jnp.concatenate([a, b, c], axis=-1), [rand(2, 1), rand(2, 3), rand(2, 2)]),
    ("concatenate_flat", lambda F, a, b: F.concatenate([a, b], axis=None),
     lambda a, b: jnp.concatenate([a, b], axis=None), [rand(2, 3), rand(4)]),
    ("stack", lambda F, a, b: F.stack([a, b], axis=1), lambda a, b: jnp.stack([a, b], axis=1),
     [rand(2, 3), rand(2, 3)]),
    ("split_sections", lambda F, x: F.split(x, 3, axis=1), lambda x: jnp.split(x, 3, axis=1), [rand(2, 6)]),
    ("split_points", lambda F, x: F.split(x, [1, 4]), lambda x: jnp.split(x, [1, 4]), [rand(5, 2)]),
    ("tile", lambda F, x: F.tile(x, (2, 1, 3)), lambda x: jnp.tile(x, (2, 1, 3)), [rand(2, 3)]),
    ("tile_int", lambda F, x: F.tile(x, 2), lambda x: jnp.tile(x, 2), [rand(2, 3)]),
    ("repeat_flat", lambda F, x: F.repeat(x, 2), lambda x: jnp.repeat(x, 2), [rand(2, 3)]),
    ("repeat_axis", lambda F, x: F.repeat(x, 3, axis=0), lambda x: jnp.repeat(x, 3, axis=0), [rand(2, 3)]),
    ("repeat_each", lambda F, x: F.repeat(x, [2, 0, 3], axis=1),
     lambda x: jnp.repeat(x, np.array([2, 0, 3]), axis=1), [rand(2, 3)]),
    ("pad_constant", lambda F, x: F.pad(x, ((1, 2), (0, 3)), constant_values=0.5),
     lambda x: jnp.pad(x, ((1, 2), (0, 3)), constant_values=0.5), [rand(2, 3)]),
    ("pad_int", lambda F, x: F.pad(x, 2), lambda x: jnp.pad(x, 2), [rand(2, 3)]),
    ("pad_reflect", lambda F, x: F.pad(x, ((3, 5), (1, 0)), mode="reflect"),
     lambda x: jnp.pad(x, ((3, 5), (1, 0)), mode="reflect"), [rand(3, 3)]),
    ("pad_symmetric", lambda F, x: F.pad(x, (2, 4), mode="symmetric"),
     lambda x: jnp.pad(x, (2, 4), mode="symmetric"), [rand(3, 2)]),
    ("pad_edge", lambda F, x: F.pad(x, ((1, 2),), mode="edge"),
     lambda x: jnp.pad(x, ((1, 2),), mode="edge"), [rand(2, 3)]),
    ("flip", lambda F, x: F.flip(x), jnp.flip, [rand(2, 3)]),
    ("flip_axis", lambda F, x: F.flip(x, axis=1), lambda x: jnp.flip(x, axis=1), [rand(2, 3, 2)]),
    ("moveaxis", lambda F, x: F.moveaxis(x, [0, 1], [-1, 0]), lambda x: jnp.moveaxis(x, [0, 1], [-1, 0]),
     [rand(2, 3, 4)]),
    ("slice", lambda F, x: F.slice(x, (1, 0, 2), (2, 3, 1)), lambda x: x[1:3, 0:3, 2:3], [rand(3, 4, 5)]),
    ("get_item_int", lambda F, x: x[-1], lambda x: x[-1], [rand(3, 2)]),
    ("get_item_slice", lambda F, x: x[::2], lambda x: x[::2], [rand(3, 2)]),
    ("get_item_basic", lambda F, x: x[1, ::-2, None, ...], lambda x: x[1, ::-2, None, ...], [rand(3, 4, 2)]),
    ("get_item_repeated", lambda F, x: x[IDX], lambda x: x[IDX], [rand(3, 2)]),
    ("get_item_mixed", lambda F, x: x[:, [0, 0, 3], None, 1:], lambda x: x[:, np.array([0, 0, 3]), None, 1:],
     [rand(2, 4, 3)]),
    ("get_item_arrays", lambda F, x: x[F.convert_to_tensor(IDX), [1, 0]], lambda x: x[IDX, np.array([1, 0])],
     [rand(3, 2)]),
    ("get_item_mask", lambda F, x: x[MASK], lambda x: x[MASK], [rand(3, 4)]),
    ("get_item_mask_tensor", lambda F, x: x[F.convert_to_tensor(MASK[0]), 1:], lambda x: x[MASK[0], 1:],
     [rand(4, 3)]),
    ("take_flat", lambda F, x: F.take(x, IDX), lambda x: jnp.take(x, IDX), [rand(2, 3)]),
    ("take_axis", lambda F, x: F.take(x, IDX, axis=1), lambda x: jnp.take(x, IDX, axis=1), [rand(2, 3, 2)]),
    ("take_along_axis", lambda F, x: F.take_along_axis(x, SORTED, axis=1),
     lambda x: jnp.take_along_axis(x, SORTED, axis=1), [rand(3, 4)]),
    ("take_along_axis_broadcast", lambda F, x: F.take_along_axis(x, np.array([[0], [2], [2]]), axis=-1),
     lambda x: jnp.take_along_axis(x, np.array([[0], [2], [2]]), axis=-1), [rand(3, 4)]),
    ("scatter_add_into_zeros", lambda F, g: F.scatter_add_into_zeros(g, (3, 2), (IDX,)),
     lambda g: jnp.zeros((3, 2)).at[IDX].add(g), [rand(2, 2, 2)]),
    ("take_along_axis_flat", lambda F, x: F.take_along_axis(x, np.array([5, 0, 5])),
     lambda x: jnp.take_along_axis(x, np.array([5, 0, 5]), axis=None), [rand(2, 3)]),
]

EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...i,...i", [(5, 1, 3), (2, 3)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bqhd,bkhd->bhqk", [(2, 3, 2, 4), (2, 5, 2, 4)]),
    ("i...->...", [(3, 2, 2)]),
]
for subscripts, shapes in EINSUMS:
    CASES.append((f"einsum[{subscripts}]", lambda F, *xs, s=subscripts: F.einsum(s, *xs),
                  lambda *xs, s=subscripts: jnp.einsum(s, *xs), [rand(*shape) for shape in shapes]))


def as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def engine_scalar(fn, cts, power):
    """``sum(ct * out ** power)`` over every output of ``fn``, on the engine."""
    def scalar(*xs):
        total = 0.0
        for out, ct in zip(as_list(fn(F, *xs)), cts):
            term = out if power == 1 else F.multiply(out, out)
            total = F.add(total, F.sum(F.multiply(term, ct)))
        return total
    return scalar


def jax_scalar(fn, cts, power):
    def scalar(*xs):
        return sum(jnp.sum(ct * out ** power) for out, ct in zip(as_list(fn(*xs)), cts))
    return scalar


def numpy_of(values):
    return [F.convert_to_numpy(v) for v in values]


def assert_close(actual, expected, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, JAX {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-10, err_msg=what)


def jax_reference(jax_fn, xs, cts, vs):
    """JAX's outputs, VJP along ``cts`` and Hessian-vector product of ``sum(cts * out ** 2)``
    along ``vs``, in float64: one program per case, compiled once (crosscheck.py)."""
    widened = [[np.asarray(a, np.float64) for a in arrays] for arrays in (xs, cts, vs)]
    return cc.jax_first_and_second_order(jax_fn)(*widened)


def jax_output_shapes(jax_fn, xs):
    return [s.shape for s in jax.eval_shape(lambda *a: as_list(jax_fn(*a)), *xs)]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_forward_vjp_and_second_order_match_jax(case):
    _, engine_fn, jax_fn, xs = case
    argnums = tuple(range(len(xs)))
    cts = [rand(*shape) for shape in jax_output_shapes(jax_fn, xs)]
    vs = [rand(*np.shape(x)) for x in xs]
    jax_outs, jax_grads, jax_hvp = jax_reference(jax_fn, xs, cts, vs)
    # forward
    outs = as_list(engine_fn(F, *[F.convert_to_tensor(x) for x in xs]))
    assert len(outs) == len(jax_outs), f"{len(outs)} outputs, JAX {len(jax_outs)}"
    for out, expected in zip(outs, jax_outs):
        assert_close(F.convert_to_numpy(out), expected, "forward")
    # first order: the VJP along the cotangent
    grads = F.grad(engine_scalar(engine_fn, cts, 1), argnums=argnums)(*xs)
    for g, expected in zip(numpy_of(grads), jax_grads):
        assert_close(g, expected, "vjp")
    # second order: Hessian-vector product of sum(ct * out ** 2), through the gradient rules
    inner = F.grad(engine_scalar(engine_fn, cts, 2), argnums=argnums)

    def along_v(*a):
        return sum((F.sum(F.multiply(g, v)) for g, v in zip(inner(*a), vs)), F.convert_to_tensor(0.0))
    hvp = F.grad(along_v, argnums=argnums)(*xs)
    for h, expected in zip(numpy_of(hvp), jax_hvp):
        assert_close(h, expected, "hessian-vector product")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_in_float32_out(case):
    _, engine_fn, jax_fn, xs = case
    xs = [np.asarray(x, dtype="float32") for x in xs]
    outs = as_list(engine_fn(F, *[F.convert_to_tensor(x) for x in xs]))
    cts = [np.asarray(rand(*o.shape), dtype="float32") for o in outs]
    grads = F.grad(engine_scalar(engine_fn, cts, 1), argnums=tuple(range(len(xs))))(*xs)
    # against JAX in float64 on the same float32 inputs: float32 rounding only (the program
    # of the float64 test; its Hessian-vector product, along zeros, is not looked at)
    expected, jax_grads, _ = jax_reference(jax_fn, xs, cts, [np.zeros(x.shape) for x in xs])
    for got, want in zip(outs + list(grads), list(expected) + list(jax_grads)):
        assert got.dtype == np.float32
        np.testing.assert_allclose(F.convert_to_numpy(got), want, rtol=1e-5, atol=1e-5)


def test_repeated_indices_accumulate():
    x = F.convert_to_tensor(np.zeros(3, "float32"))
    grad = F.grad(lambda x: F.sum(F.take(x, [0, 2, 2, 2])))(x)
    np.testing.assert_array_equal(F.convert_to_numpy(grad), [1, 0, 3])


def test_integer_indexing_keeps_integer_dtype():
    labels = F.convert_to_tensor([[3, 1], [0, 2]])
    assert F.take(labels, [1]).dtype == np.int32
    assert labels[:, 0].dtype == np.int32
    assert F.concatenate([labels, labels]).dtype == np.int32


def test_one_hot():
    hot = F.one_hot(F.convert_to_tensor([0, 2, 3, -1]), 3)
    assert hot.dtype == np.float32
    np.testing.assert_array_equal(F.convert_to_numpy(hot), [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    by_column = F.one_hot(F.convert_to_tensor([[0, 1]]), 2, axis=0, dtype="int32")
    assert by_column.dtype == np.int32
    np.testing.assert_array_equal(F.convert_to_numpy(by_column), np.asarray(jax.nn.one_hot(np.array([[0, 1]]), 2, axis=0)))


def test_einsum_diagonal_gradient_goes_back_on_the_diagonal():
    x = F.convert_to_tensor(rand(3, 3))
    np.testing.assert_allclose(F.convert_to_numpy(F.einsum("ii->i", x)), np.diag(F.convert_to_numpy(x)))
    weights = np.arange(1.0, 4.0)
    grad = F.grad(lambda x: F.sum(F.einsum("ii->i", x) * weights))(x)
    np.testing.assert_array_equal(F.convert_to_numpy(grad), np.diag(weights))


def test_first_layer_input_gradient_is_not_computed():
    from kerasette.backends.autodiff.registry import Override
    from kerasette.backends.numpy import NumpyBackend
    calls = []

    def counting_matmul(xp, a, b):
        calls.append((a.shape, b.shape))
        return xp.matmul(a, b)
    E = NumpyBackend(overrides={"matmul": Override(forward=counting_matmul)})
    x = np.ones((4, 3), "float32")
    w = E.convert_to_tensor(np.ones((3, 2), "float32"))
    E.grad(lambda w: E.sum(E.matmul(x, w)))(w)
    assert calls == [((4, 3), (3, 2)), ((3, 4), (4, 2))]  # the forward and dW only


def test_an_override_of_no_primitive_is_refused():
    from kerasette.backends.autodiff.registry import Override
    from kerasette.backends.numpy import NumpyBackend
    with pytest.raises(ValueError, match="overrides 'matmull', which is not a primitive"):
        NumpyBackend(overrides={"matmull": Override(forward=lambda xp, a, b: a)})


@pytest.mark.parametrize("call, message", [
    (lambda: F.squeeze(F.zeros((2, 3)), 0), "axis 0 has size 2"),
    (lambda: F.split(F.zeros((5,)), 2), "equal sections"),
    (lambda: F.expand_dims(F.zeros((2,)), 3), "out of range"),
    (lambda: F.pad(F.zeros((2,)), 1, mode="wrap"), "unknown mode"),
    (lambda: F.tensordot(F.zeros((2, 3)), F.zeros((2, 3)), 1), "shape mismatch"),
])
def test_errors_say_what_was_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()
