"""The numpy engine's nn ops against JAX: conv, conv_transpose, pooling, moments,
batch_normalization and the cross-entropies.

Forward values and gradients (VJPs along random cotangents) are compared in float64
(``jax_enable_x64``) over strides, padding, dilation, groups and data formats; second
derivatives as Hessian-vector products (nested tapes vs ``jax.jvp`` of ``jax.grad``).
"""

import itertools

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import jax_reference as reference  # noqa: E402
from kerasette.backends import config  # noqa: E402
from kerasette.backends.numpy import backend as B  # noqa: E402

TOL = 1e-10  # float64 against float64: only rounding differs


def rng(seed=0):
    return np.random.default_rng(seed)


def tensors(*arrays):
    return [B.convert_to_tensor(a) for a in arrays]


def numpy_vjp(fn, args, cotangent, argnums):
    """``fn(*args)`` and the gradients of ``sum(fn(*args) * cotangent)`` for ``argnums``."""
    args = tensors(*args)
    with B.GradientTape() as tape:
        tape.watch([args[i] for i in argnums])
        out = fn(*args)
    grads = tape.gradient(out, [args[i] for i in argnums],
                          output_gradients=B.convert_to_tensor(cotangent))
    return out.data, [g.data for g in grads]


def numpy_hvp(fn, args, weights, directions, argnums):
    """Hessian-vector product of ``L = sum(fn(*args) ** 2 * weights)`` along ``directions``."""
    args = tensors(*args)
    sources = [args[i] for i in argnums]
    with B.GradientTape() as outer:
        outer.watch(sources)
        with B.GradientTape() as inner:
            inner.watch(sources)
            y = fn(*args)
            loss = B.sum(B.multiply(B.multiply(y, y), weights))
        grads = inner.gradient(loss, sources)
        z = None
        for g, v in zip(grads, directions):
            term = B.sum(B.multiply(g, v))
            z = term if z is None else B.add(z, term)
    return [h.data for h in outer.gradient(z, sources)]


def jax_hvp(fn, args, weights, directions, argnums):
    """JAX's Hessian-vector product of ``sum(fn(*args) ** 2 * weights)`` along ``directions``,
    one program compiled by ``jax.jit`` (eager JAX compiles every primitive it meets one by
    one: slower for a computation that runs once)."""
    def loss(*diff):
        y = fn(*_substitute(args, argnums, diff))
        return jnp.sum(y * y * weights)

    @jax.jit
    def hvp(primals, directions):
        grad = jax.grad(loss, argnums=tuple(range(len(argnums))))
        return jax.jvp(grad, tuple(primals), tuple(directions))[1]
    return [np.asarray(t) for t in hvp([args[i] for i in argnums], list(directions))]


def assert_close(actual, expected, tol=TOL, what=""):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.abs(expected).max())) if expected.size else 1.0
    error = float(np.abs(actual - expected).max()) if expected.size else 0.0
    assert error <= tol * scale, f"{what}: max error {error:.3g} (scale {scale:.3g})"


def check_against_jax(ours, reference, args, argnums, seed=0, tol=TOL):
    """Forward and VJP of ``ours`` (engine) vs ``reference`` (jax) in float64; the JAX side is
    one program compiled by ``jax.jit`` (see :func:`jax_hvp`)."""
    def of_diff(*diff):
        return reference(*_substitute(args, argnums, diff))

    @jax.jit
    def forward_and_vjp(primals, cotangent):
        out, pullback = jax.vjp(of_diff, *primals)
        return out, pullback(cotangent)
    primals = [args[i] for i in argnums]
    cotangent = rng(seed).standard_normal(jax.eval_shape(of_diff, *primals).shape)
    expected, jax_grads = forward_and_vjp(primals, cotangent)
    value, grads = numpy_vjp(ours, args, cotangent, argnums)
    assert_close(value, expected, tol, "forward")
    for i, g, r in zip(argnums, grads, jax_grads):
        assert_close(g, r, tol, f"gradient of argument {i}")


def _substitute(args, argnums, values):
    full = list(args)
    for i, v in zip(argnums, values):
        full[i] = v
    return full


# ---------------------------------------------------------------------------- references
# Keras's semantics from jax.lax, independent of the geometry code the engine shares with
# kerasette's JAX backend (jax_reference.py; signatures as keras.ops)
jax_conv = reference.conv
jax_conv_transpose = reference.conv_transpose


def jax_pool(x, kind, pool_size, strides, padding, data_format):
    pool = reference.max_pool if kind == "max" else reference.average_pool
    return pool(x, pool_size, strides, padding, data_format)


def image_shape(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return (batch,) + tuple(spatial) + (channels,)
    return (batch, channels) + tuple(spatial)


# ---------------------------------------------------------------------------- conv
CONV_GEOMETRIES = [  # (strides, dilation_rate)
    (1, 1), (2, 1), (3, 1), (1, 2), (2, 2), ((1, 2, 1), (2, 1, 1)),
]
CONV_CHANNELS = [  # (channels, channels per group, filters): groups 1, 2 and depthwise
    (3, 3, 4), (4, 2, 6), (4, 1, 4),
]


def cycled(*axes, cycle=()):
    """The product of ``axes``, with each list in ``cycle`` walked along it in turn (every
    value of those is covered without multiplying the number of cases)."""
    cases = []
    for i, combination in enumerate(itertools.product(*axes)):
        cases.append(combination + tuple(values[i % len(values)] for values in cycle))
    return cases


@pytest.mark.parametrize(
    "n_spatial, data_format, padding, geometry, channels",
    cycled([1, 2, 3], ["channels_last", "channels_first"], ["valid", "same"], CONV_GEOMETRIES,
           cycle=[CONV_CHANNELS]), ids=str)
def test_conv_forward_and_vjp_match_jax(n_spatial, data_format, padding, geometry, channels):
    strides, dilation = geometry
    if not isinstance(strides, int):
        strides, dilation = strides[:n_spatial], dilation[:n_spatial]
    c, cg, filters = channels
    r = rng(n_spatial)
    x = r.standard_normal(image_shape(2, (9, 8, 7)[:n_spatial], c, data_format))
    k = r.standard_normal((3, 2, 3)[:n_spatial] + (cg, filters))
    check_against_jax(
        lambda x, k: B.conv(x, k, strides, padding, data_format, dilation),
        lambda x, k: jax_conv(x, k, strides, padding, data_format, dilation),
        [x, k], argnums=(0, 1))


@pytest.mark.parametrize(
    "n_spatial, padding, geometry, data_format, channels",
    cycled([1, 2], ["valid", "same"], [(1, 1), (2, 1), (1, 2)],
           cycle=[["channels_last", "channels_first", "channels_first"], [(3, 3, 2), (4, 2, 6)]]),
    ids=str)
def test_conv_second_order_matches_jax(n_spatial, data_format, padding, geometry, channels):
    strides, dilation = geometry
    c, cg, filters = channels
    r = rng(7)
    x = r.standard_normal(image_shape(2, (7, 6)[:n_spatial], c, data_format))
    k = r.standard_normal((3, 2)[:n_spatial] + (cg, filters))
    ours = lambda x, k: B.conv(x, k, strides, padding, data_format, dilation)  # noqa: E731
    ref = lambda x, k: jax_conv(x, k, strides, padding, data_format, dilation)  # noqa: E731
    weights = r.standard_normal(np.shape(ref(x, k)))
    directions = [r.standard_normal(x.shape), r.standard_normal(k.shape)]
    for actual, expected in zip(numpy_hvp(ours, [x, k], weights, directions, (0, 1)),
                                jax_hvp(ref, [x, k], weights, directions, (0, 1))):
        assert_close(actual, expected)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("strides, channels", [(1, (4, 4, 3)), (2, (4, 4, 3)), (1, (4, 2, 6))],
                         ids=str)
def test_pointwise_conv_matches_jax(data_format, strides, channels):
    # 1x1 kernels take a shortcut (the input is already the im2col matrix)
    c, cg, filters = channels
    r = rng(21)
    x = r.standard_normal(image_shape(2, (5, 6), c, data_format))
    k = r.standard_normal((1, 1, cg, filters))
    check_against_jax(lambda x, k: B.conv(x, k, strides, "same", data_format),
                      lambda x, k: jax_conv(x, k, strides, "same", data_format, 1),
                      [x, k], argnums=(0, 1))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("channels", [(3, 3, 4), (4, 2, 6)], ids=str)
def test_conv_in_batch_chunks_matches_jax(monkeypatch, data_format, channels):
    # large batches go through im2col a few images at a time (numpy's fast path); an engine
    # whose chunks hold one image each runs this module's checks
    import sys
    from kerasette.backends.numpy import NumpyBackend, fast_paths
    chunked = NumpyBackend(overrides=fast_paths.overrides(conv_chunk_bytes=1))
    monkeypatch.setattr(sys.modules[__name__], "B", chunked)
    c, cg, filters = channels
    r = rng(22)
    x = r.standard_normal(image_shape(5, (6, 7), c, data_format))
    k = r.standard_normal((3, 2, cg, filters))
    check_against_jax(lambda x, k: B.conv(x, k, (2, 1), "same", data_format),
                      lambda x, k: jax_conv(x, k, (2, 1), "same", data_format, 1),
                      [x, k], argnums=(0, 1))


def test_conv_third_order_runs_through_its_own_gradients():
    # d^3/dk^3 of sum(conv(x, k)^3) along v three times: 6 * sum(conv(x, v)^3)
    r = rng(3)
    x = r.standard_normal((2, 6, 6, 2))
    k, v = r.standard_normal((3, 3, 2, 3)), r.standard_normal((3, 3, 2, 3))
    xt, kt = tensors(x, k)
    with B.GradientTape() as t3:
        t3.watch(kt)
        with B.GradientTape() as t2:
            t2.watch(kt)
            with B.GradientTape() as t1:
                t1.watch(kt)
                y = B.conv(xt, kt, padding="same")
                loss = B.sum(B.multiply(B.multiply(y, y), y))
            d1 = B.sum(B.multiply(t1.gradient(loss, kt), v))
        d2 = B.sum(B.multiply(t2.gradient(d1, kt), v))
    d3 = B.sum(B.multiply(t3.gradient(d2, kt), v))
    expected = 6 * np.sum(np.asarray(jax_conv(x, v, 1, "same", "channels_last", 1)) ** 3)
    assert_close(d3.data, expected)


def test_conv_float32_stays_float32_and_matches_jax():
    r = rng(1)
    x = r.standard_normal((4, 12, 12, 8)).astype(np.float32)
    k = r.standard_normal((3, 3, 8, 16)).astype(np.float32)
    expected, vjp = jax.vjp(lambda x, k: jax_conv(x, k, 2, "same", "channels_last", 1), x, k)
    cotangent = r.standard_normal(expected.shape).astype(np.float32)
    value, (gx, gk) = numpy_vjp(lambda x, k: B.conv(x, k, 2, "same"), [x, k], cotangent, (0, 1))
    assert value.dtype == gx.dtype == gk.dtype == np.float32
    rx, rk = vjp(cotangent)
    assert_close(value, expected, 1e-5)
    assert_close(gx, rx, 1e-5)
    assert_close(gk, rk, 1e-5)


def test_conv_casts_inputs_to_the_kernel_dtype():
    x = np.arange(2 * 5 * 5 * 1, dtype=np.uint8).reshape(2, 5, 5, 1)
    k = np.ones((3, 3, 1, 2), np.float32)
    y = B.conv(x, k)
    assert y.dtype == np.float32
    assert float(y.data[0, 0, 0, 0]) == float(x[0, :3, :3, 0].sum())


def test_conv_same_padding_puts_the_extra_cell_at_the_end():
    # size 4, kernel 2, stride 1: one padding cell, at the end (TensorFlow)
    x = np.arange(1.0, 5.0).reshape(1, 4, 1)
    k = np.ones((2, 1, 1))
    assert B.conv(x, k, padding="same").data.ravel().tolist() == [3.0, 5.0, 7.0, 4.0]


@pytest.mark.parametrize("bad, message", [
    (dict(x=(1, 5, 5, 3), k=(3, 3, 2, 4)), "multiple of kernel.shape"),
    (dict(x=(1, 2, 2, 1), k=(3, 3, 1, 4)), "output would\\s+be empty"),
    (dict(x=(1, 5, 5, 1), k=(3, 3, 1, 4), padding="full"), "padding must be"),
    (dict(x=(1, 5, 5, 1), k=(3, 3, 1, 4), strides=(1, 1, 1)), "strides"),
])
def test_conv_errors_say_what_is_wrong(bad, message):
    with pytest.raises(ValueError, match=message):
        B.conv(np.zeros(bad["x"]), np.zeros(bad["k"]), strides=bad.get("strides", 1),
               padding=bad.get("padding", "valid"))


# ---------------------------------------------------------------------------- conv_transpose
@pytest.mark.parametrize(
    "n_spatial, padding, geometry, output_padding, data_format, kernel",
    [case for case in cycled([1, 2], ["valid", "same"], [(1, 1), (2, 1), (3, 1), (1, 2), (2, 2)],
                             [None, 0, 1],
                             cycle=[["channels_last", "channels_first"], [(3, 2), (4, 1), (1, 5)]])
     if not (case[3] and case[3] >= case[2][0])],  # output_padding must be below the stride
    ids=str)
def test_conv_transpose_matches_keras_rule_and_jax(n_spatial, padding, geometry, output_padding,
                                                   data_format, kernel):
    strides, dilation = geometry
    r = rng(11)
    x = r.standard_normal(image_shape(2, (5, 4)[:n_spatial], 3, data_format))
    k = r.standard_normal(kernel[:n_spatial] + (2, 3))
    check_against_jax(
        lambda x, k: B.conv_transpose(x, k, strides, padding, output_padding, data_format,
                                      dilation),
        lambda x, k: jax_conv_transpose(x, k, strides, padding, output_padding, data_format,
                                        dilation),
        [x, k], argnums=(0, 1))


@pytest.mark.parametrize("padding, output_padding, expected", [
    ("valid", None, 11), ("valid", 1, 12), ("same", None, 10), ("same", 1, 10), ("same", 0, 9),
])
def test_conv_transpose_output_size_follows_keras(padding, output_padding, expected):
    # n=5, k=3, stride 2: valid (n-1)*s + max(k, s); same n*s; with output_padding
    # (n-1)*s + k + p (valid) or (n-1)*s + k % 2 + p (same)
    y = B.conv_transpose(np.ones((1, 5, 2)), np.ones((3, 4, 2)), 2, padding, output_padding)
    assert y.shape == (1, expected, 4)


def test_conv_transpose_second_order_matches_jax():
    r = rng(5)
    x, k = r.standard_normal((2, 4, 5, 3)), r.standard_normal((3, 2, 2, 3))
    ours = lambda x, k: B.conv_transpose(x, k, 2, "same")  # noqa: E731
    ref = lambda x, k: jax_conv_transpose(x, k, 2, "same", None, "channels_last", 1)  # noqa: E731
    weights = r.standard_normal(np.shape(ref(x, k)))
    directions = [r.standard_normal(x.shape), r.standard_normal(k.shape)]
    for actual, expected in zip(numpy_hvp(ours, [x, k], weights, directions, (0, 1)),
                                jax_hvp(ref, [x, k], weights, directions, (0, 1))):
        assert_close(actual, expected)


# ---------------------------------------------------------------------------- pooling
POOL_GEOMETRIES = [  # (pool_size, strides)
    (2, None), (3, None), (2, 1), (3, 2), (2, 3), ((2, 3, 1), (1, 2, 2)),
]


@pytest.mark.parametrize(
    "kind, n_spatial, padding, geometry, data_format",
    cycled(["max", "average"], [1, 2, 3], ["valid", "same"], POOL_GEOMETRIES,
           cycle=[["channels_last", "channels_first", "channels_first"]]), ids=str)
def test_pool_forward_and_vjp_match_jax(kind, n_spatial, data_format, padding, geometry):
    pool_size, strides = geometry
    if not isinstance(pool_size, int):
        pool_size, strides = pool_size[:n_spatial], strides[:n_spatial]
    x = rng(2).standard_normal(image_shape(2, (7, 6, 5)[:n_spatial], 3, data_format))
    op = B.max_pool if kind == "max" else B.average_pool
    check_against_jax(lambda x: op(x, pool_size, strides, padding, data_format),
                      lambda x: jax_pool(x, kind, pool_size, strides, padding, data_format),
                      [x], argnums=(0,))


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pool_tiling_the_input_exactly_matches_jax(kind, data_format):
    # pool 2, stride 2 on even sizes: the gradient writes every cell once (no zeroing)
    x = rng(3).standard_normal(image_shape(2, (6, 4), 3, data_format))
    op = B.max_pool if kind == "max" else B.average_pool
    check_against_jax(lambda x: op(x, 2, None, "valid", data_format),
                      lambda x: jax_pool(x, kind, 2, None, "valid", data_format),
                      [x], argnums=(0,))


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("geometry", [(2, None), (3, 2), (2, 1)], ids=str)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pool_second_order_matches_jax(kind, geometry, padding):
    pool_size, strides = geometry
    r = rng(4)
    x = r.standard_normal((2, 7, 6, 3))
    op = B.max_pool if kind == "max" else B.average_pool
    ours = lambda x: op(x, pool_size, strides, padding)  # noqa: E731
    ref = lambda x: jax_pool(x, kind, pool_size, strides, padding, "channels_last")  # noqa: E731
    weights = r.standard_normal(np.shape(ref(x)))
    directions = [r.standard_normal(x.shape)]
    assert_close(numpy_hvp(ours, [x], weights, directions, (0,))[0],
                 jax_hvp(ref, [x], weights, directions, (0,))[0])


def test_max_pool_gradient_goes_to_the_first_maximum_of_each_window():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 0.0]]).reshape(1, 2, 4, 1)
    _, (gx,) = numpy_vjp(lambda x: B.max_pool(x, 2), [x], np.ones((1, 1, 2, 1)), (0,))
    assert gx.reshape(2, 4).tolist() == [[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    # overlapping windows sharing one maximum accumulate on it
    y = np.array([0.0, 5.0, 1.0]).reshape(1, 3, 1)
    _, (gy,) = numpy_vjp(lambda y: B.max_pool(y, 2, 1), [y], np.ones((1, 2, 1)), (0,))
    assert gy.ravel().tolist() == [0.0, 2.0, 0.0]


def test_max_pool_gradient_routes_infinite_gradients_only_to_the_maxima():
    x = np.array([1.0, 2.0, 4.0, 3.0]).reshape(1, 4, 1)
    _, (gx,) = numpy_vjp(lambda x: B.max_pool(x, 2), [x], np.array([np.inf, 1.0]).reshape(1, 2, 1),
                         (0,))
    assert gx.ravel().tolist() == [0.0, np.inf, 1.0, 0.0]


def test_pooling_keeps_float32_and_average_same_ignores_padding():
    x = np.arange(1.0, 6.0, dtype=np.float32).reshape(1, 5, 1)
    assert B.max_pool(x, 2, padding="same").dtype == np.float32
    y = B.average_pool(x, 2, padding="same")
    assert y.dtype == np.float32
    assert y.data.ravel().tolist() == [1.5, 3.5, 5.0]  # the last window holds one real cell


# ---------------------------------------------------------------------------- normalization
@pytest.mark.parametrize("axes", [0, [0], [0, 1, 2], (1, 2), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_moments_match_jax(axes, keepdims):
    x = rng(6).standard_normal((4, 3, 5, 2)) * 3 + 1
    jaxes = tuple(np.atleast_1d(axes).tolist())
    for index in (0, 1):
        check_against_jax(
            lambda x: B.moments(x, axes, keepdims)[index],
            lambda x: (jnp.mean(x, jaxes, keepdims=keepdims),
                       jnp.var(x, jaxes, keepdims=keepdims))[index],
            [x], argnums=(0,), seed=index)


def test_moments_keep_float32_and_reduce_float16_in_float32():
    x = rng(0).standard_normal((64, 8)).astype(np.float32)
    mean, variance = B.moments(x, [0])
    assert mean.dtype == variance.dtype == np.float32
    big = np.full((4096, 2), 300.0, np.float16)  # sum 1.2e6 overflows float16
    mean, variance = B.moments(big, [0])
    assert mean.dtype == np.float16 and float(mean.data[0]) == 300.0


@pytest.mark.parametrize("with_affine", [False, True])
@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_normalization_matches_jax(with_affine, axis):
    r = rng(8)
    x = r.standard_normal((6, 3, 4))
    c = x.shape[axis]
    mean, variance = r.standard_normal(c), r.random(c) + 0.5
    offset, scale = (r.standard_normal(c), r.standard_normal(c)) if with_affine else (None, None)

    def reference(x, mean, variance, *affine):
        shape = [1] * x.ndim
        shape[axis] = c
        y = (x - mean.reshape(shape)) / jnp.sqrt(variance.reshape(shape) + 1e-3)
        if affine:
            y = y * affine[1].reshape(shape) + affine[0].reshape(shape)
        return y

    args = [x, mean, variance] + ([offset, scale] if with_affine else [])
    check_against_jax(
        lambda x, m, v, *affine: B.batch_normalization(x, m, v, axis, *(affine or (None, None))),
        reference, args, argnums=tuple(range(len(args))))


# ---------------------------------------------------------------------------- cross-entropy
EPS = 1e-7  # Keras's default epsilon, used by the probability forms


def keras_binary_crossentropy(t, p, from_logits):
    """keras/src/backend/jax/nn.py binary_crossentropy, transcribed."""
    if from_logits:
        return -t * jax.nn.log_sigmoid(p) - (1.0 - t) * jax.nn.log_sigmoid(-p)
    p = jnp.clip(p, EPS, 1.0 - EPS)
    return -(t * jnp.log(p) + (1.0 - t) * jnp.log(1.0 - p))


def keras_categorical_crossentropy(t, p, from_logits, axis=-1):
    if from_logits:
        return -jnp.sum(t * jax.nn.log_softmax(p, axis=axis), axis=axis)
    p = p / jnp.sum(p, axis, keepdims=True)
    return -jnp.sum(t * jnp.log(jnp.clip(p, EPS, 1.0 - EPS)), axis=axis)


def keras_sparse_categorical_crossentropy(ids, p, from_logits, axis=-1):
    hot = jax.nn.one_hot(ids, p.shape[axis], axis=axis, dtype=p.dtype)
    return keras_categorical_crossentropy(hot, p, from_logits, axis)


@pytest.fixture(autouse=True)
def default_epsilon():
    previous = config.epsilon()
    config.set_epsilon(EPS)
    yield
    config.set_epsilon(previous)


@pytest.mark.parametrize("from_logits", [True, False])
def test_binary_crossentropy_matches_keras(from_logits):
    r = rng(9)
    t = r.random((5, 4))
    p = r.standard_normal((5, 4)) * 4 if from_logits else r.uniform(0.02, 0.98, (5, 4))
    check_against_jax(lambda t, p: B.binary_crossentropy(t, p, from_logits),
                      lambda t, p: keras_binary_crossentropy(t, p, from_logits),
                      [t, p], argnums=(0, 1))


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("axis", [-1, 0])
def test_categorical_crossentropy_matches_keras(from_logits, axis):
    r = rng(10)
    t = r.random((5, 4))
    p = r.standard_normal((5, 4)) * 4 if from_logits else r.uniform(0.05, 1.0, (5, 4))
    check_against_jax(lambda t, p: B.categorical_crossentropy(t, p, from_logits, axis),
                      lambda t, p: keras_categorical_crossentropy(t, p, from_logits, axis),
                      [t, p], argnums=(0, 1))


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("axis", [-1, 1])
def test_sparse_categorical_crossentropy_matches_keras(from_logits, axis):
    r = rng(12)
    p = r.standard_normal((5, 4, 3)) * 4 if from_logits else r.uniform(0.05, 1.0, (5, 4, 3))
    id_shape = (5, 3) if axis == 1 else (5, 4)
    ids = r.integers(0, p.shape[axis], id_shape)
    ids[0, 0], ids[1, 1] = p.shape[axis], -1  # out of range: zero loss, as Keras's one_hot
    check_against_jax(lambda p: B.sparse_categorical_crossentropy(ids, p, from_logits, axis),
                      lambda p: keras_sparse_categorical_crossentropy(ids, p, from_logits, axis),
                      [p], argnums=(0,))


def test_sparse_categorical_crossentropy_squeezes_a_trailing_unit_axis():
    p = rng(1).standard_normal((4, 3))
    ids = np.array([[0], [2], [1], [1]])
    expected = keras_sparse_categorical_crossentropy(ids[:, 0], p, True)
    assert_close(B.sparse_categorical_crossentropy(ids, p, from_logits=True).data, expected)


@pytest.mark.parametrize("loss", ["binary", "categorical", "sparse"])
def test_crossentropy_from_logits_second_order_matches_jax(loss):
    r = rng(13)
    z = r.standard_normal((4, 5)) * 3
    t = r.random((4, 5))
    ids = r.integers(0, 5, (4,))
    ours = {"binary": lambda z, t: B.binary_crossentropy(t, z, True),
            "categorical": lambda z, t: B.categorical_crossentropy(t, z, True),
            "sparse": lambda z, t: B.sparse_categorical_crossentropy(ids, z, True)}[loss]
    ref = {"binary": lambda z, t: keras_binary_crossentropy(t, z, True),
           "categorical": lambda z, t: keras_categorical_crossentropy(t, z, True),
           "sparse": lambda z, t: keras_sparse_categorical_crossentropy(ids, z, True)}[loss]
    argnums = (0,) if loss == "sparse" else (0, 1)
    weights = r.standard_normal(np.shape(ref(z, t)))
    directions = [r.standard_normal(z.shape), r.standard_normal(t.shape)][: len(argnums)]
    for actual, expected in zip(numpy_hvp(ours, [z, t], weights, directions, argnums),
                                jax_hvp(ref, [z, t], weights, directions, argnums)):
        assert_close(actual, expected)


def test_crossentropy_from_logits_is_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0]], np.float32)
    t = np.array([[0.0, 1.0, 0.0]], np.float32)
    for value, grads in [
        numpy_vjp(lambda z: B.categorical_crossentropy(t, z, True), [z], np.ones(1), (0,)),
        numpy_vjp(lambda z: B.sparse_categorical_crossentropy(np.array([1]), z, True), [z],
                  np.ones(1), (0,)),
        numpy_vjp(lambda z: B.binary_crossentropy(t, z, True), [z], np.ones((1, 3)), (0,)),
    ]:
        assert value.dtype == np.float32 and grads[0].dtype == np.float32
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(grads[0]))
    assert float(B.categorical_crossentropy(t, z, True).data[0]) == 2000.0


def test_crossentropy_keeps_float32_with_integer_targets():
    z = rng(0).standard_normal((3, 4)).astype(np.float32)
    hot = np.eye(4, dtype=np.int32)[[0, 2, 3]]
    for from_logits in (True, False):
        p = z if from_logits else np.abs(z) + 0.1
        assert B.categorical_crossentropy(hot, p, from_logits).dtype == np.float32
        ids = np.array([0, 2, 3])
        assert B.sparse_categorical_crossentropy(ids, p, from_logits).dtype == np.float32
        binary = B.binary_crossentropy(hot, p if from_logits else p / p.max(), from_logits)
        assert binary.dtype == np.float32


def test_crossentropy_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        B.categorical_crossentropy(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="without axis"):
        B.sparse_categorical_crossentropy(np.zeros((3,), int), np.zeros((2, 4)))
