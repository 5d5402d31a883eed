"""``GradientTape.jacobian`` and ``batch_jacobian`` (TensorFlow's API) on every backend,
against ``jax.jacfwd`` / ``jax.jacrev`` of the same function on the jax backend."""

import numpy as np
import pytest

import kerasette
from kerasette import ops

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

from kerasette.backends.jax import backend as J  # noqa: E402

RNG = np.random.default_rng(11)
X = RNG.normal(size=(2, 3)).astype(np.float32)
W = RNG.normal(size=(3, 2)).astype(np.float32)


def _layer(o, x, w):
    return o.tanh(o.matmul(x, w))  # rows independent: a batch


def test_jacobians_match_jax(backend):
    x, w, unused = (ops.convert_to_tensor(v) for v in (X, W, X[0]))
    with kerasette.GradientTape(persistent=True) as tape:
        tape.watch([x, w, unused])
        y = _layer(ops, x, w)
        mixed = ops.multiply(y, ops.sum(x))  # every output depends on every input
    jacobians = tape.jacobian(mixed, {"x": x, "w": w}, experimental_use_pfor=False)
    expected = jax.jit(jax.jacfwd(lambda x, w: J.multiply(_layer(J, x, w), J.sum(x)),
                                  argnums=(0, 1)))(X, W)
    assert sorted(jacobians) == ["w", "x"]
    for got, want in zip((jacobians["x"], jacobians["w"]), expected):
        assert tuple(got.shape) == tuple(want.shape)  # target.shape + source.shape
        np.testing.assert_allclose(ops.convert_to_numpy(got), np.asarray(want), rtol=2e-5,
                                   atol=1e-6)

    per_example = jax.jit(jax.vmap(jax.jacrev(lambda row: _layer(J, row, W))))(X)  # (2, 2, 3)
    np.testing.assert_allclose(ops.convert_to_numpy(tape.batch_jacobian(y, x)),
                               np.asarray(per_example), rtol=2e-5, atol=1e-6)

    assert tape.jacobian(y, unused) is None
    np.testing.assert_array_equal(
        ops.convert_to_numpy(tape.jacobian(y, unused, unconnected_gradients="zero")),
        np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="batch"):
        tape.batch_jacobian(y, unused)  # a source without an example axis


def test_hessian_by_nested_tapes_matches_jax():
    # (numpy's tape: the jax backend's nested tapes are tests/backends/test_jax_backend.py's)
    def loss(o, w):
        return o.sum(o.square(o.multiply(_layer(o, X, w), o.sum(w))))

    ops = kerasette.backend.get_backend("numpy")
    w = ops.convert_to_tensor(W)
    with ops.GradientTape() as outer:
        outer.watch(w)
        with ops.GradientTape() as inner:
            inner.watch(w)
            value = loss(ops, w)
        gradient = inner.gradient(value, w)
    hessian = outer.jacobian(gradient, w)
    expected = jax.jit(jax.hessian(lambda w: loss(J, w)))(jnp.asarray(W))
    np.testing.assert_allclose(ops.convert_to_numpy(hessian), np.asarray(expected), rtol=2e-5,
                               atol=1e-5)
    with pytest.raises(RuntimeError, match="only once"):  # a non-persistent tape
        outer.jacobian(gradient, w)
