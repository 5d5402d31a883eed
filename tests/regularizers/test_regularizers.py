"""Regularizers: penalties by formula and against Keras 3, dtypes, jit, Variables, lookup."""

import os

import numpy as np
import pytest

import kerasette
from kerasette import ops, regularizers
from kerasette.backends.variable import Variable



def keras_reference():
    """Keras 3 on its JAX backend, or a skip when it is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip(f"keras runs on {keras.backend.backend()}, the reference needs jax")
    return keras


WEIGHT = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")

CASES = {
    "L1": (lambda mod: mod.L1(0.3), lambda w: 0.3 * np.abs(w).sum()),
    "L2": (lambda mod: mod.L2(0.2), lambda w: 0.2 * np.square(w).sum()),
    "L1L2": (lambda mod: mod.L1L2(l1=0.1, l2=0.05),
             lambda w: 0.1 * np.abs(w).sum() + 0.05 * np.square(w).sum()),
    "L1L2(l2 only)": (lambda mod: mod.L1L2(l2=0.5), lambda w: 0.5 * np.square(w).sum()),
    "L1L2()": (lambda mod: mod.L1L2(), lambda w: 0.0),
    "L1 default": (lambda mod: mod.L1(), lambda w: 0.01 * np.abs(w).sum()),
    "L2 default": (lambda mod: mod.L2(), lambda w: 0.01 * np.square(w).sum()),
    "Orthogonal rows": (lambda mod: mod.OrthogonalRegularizer(0.1), None),
    "Orthogonal columns": (lambda mod: mod.OrthogonalRegularizer(0.2, mode="columns"), None),
}


def orthogonal_penalty(w, factor, mode):
    """Keras's formula: factor/2 * mean |dot product| of distinct normalized rows (columns)."""
    w = w.astype("float64")
    vectors = w if mode == "rows" else w.T
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    product = np.abs(vectors @ vectors.T)
    n = len(vectors)
    return factor * 0.5 * (product.sum() - np.trace(product)) / (n * (n - 1) / 2)


@pytest.mark.parametrize("case", sorted(CASES))
def test_penalty_values_and_dtype(backend, case):
    make, formula = CASES[case]
    regularizer = make(regularizers)
    penalty = regularizer(ops.convert_to_tensor(WEIGHT))
    assert ops.shape(penalty) == ()
    assert ops.dtype(penalty) == "float32"
    if formula is None:
        expected = orthogonal_penalty(WEIGHT, regularizer.factor, regularizer.mode)
    else:
        expected = formula(WEIGHT.astype("float64"))
    np.testing.assert_allclose(float(ops.convert_to_numpy(penalty)), expected, rtol=1e-5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_penalty_matches_keras(case):
    keras = keras_reference()
    make, _ = CASES[case]
    ours = make(regularizers)(ops.convert_to_tensor(WEIGHT))
    # a tensor, not a numpy array: Keras's numpy normalize breaks on axis=0 ("columns")
    theirs = make(keras.regularizers)(keras.ops.convert_to_tensor(WEIGHT))
    np.testing.assert_allclose(float(ops.convert_to_numpy(ours)), float(theirs), rtol=1e-5)


def test_float64_stays_float64(backend):
    # on jax, asking for float64 turns jax_enable_x64 on (backends/jax/dtypes.py)
    w = ops.convert_to_tensor(WEIGHT.astype("float64"))
    for regularizer in [regularizers.L1(), regularizers.L2(), regularizers.L1L2(0.1, 0.1),
                        regularizers.OrthogonalRegularizer()]:
        assert ops.dtype(regularizer(w)) == "float64"


def test_accepts_a_variable(backend):
    v = Variable(WEIGHT, name="kernel")
    np.testing.assert_allclose(float(ops.convert_to_numpy(regularizers.L2(0.5)(v))),
                               0.5 * np.square(WEIGHT.astype("float64")).sum(), rtol=1e-5)


def test_gradient(backend):
    w = ops.convert_to_tensor(WEIGHT)
    regularizer = regularizers.L1L2(l1=0.1, l2=0.05)
    grad = ops.convert_to_numpy(ops.grad(regularizer)(w))
    np.testing.assert_allclose(grad, 0.1 * np.sign(WEIGHT) + 0.1 * WEIGHT, rtol=1e-5)


def test_every_regularizer_runs_under_jax_jit():
    jax = pytest.importorskip("jax")
    with kerasette.backend.use("jax"):
        for case, (make, _) in sorted(CASES.items()):
            regularizer = make(regularizers)
            eager = float(regularizer(WEIGHT))
            compiled = float(jax.jit(regularizer)(WEIGHT))
            assert compiled == pytest.approx(eager, rel=1e-6), case
            # the gradient of a jitted penalty, as a train step takes it
            grad = jax.jit(jax.grad(lambda w, r=regularizer: r(w)))(WEIGHT)
            assert np.isfinite(np.asarray(grad)).all(), case


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows(backend):
    w = ops.convert_to_tensor(3.0 * np.eye(4, 6, dtype="float32"))
    assert float(ops.convert_to_numpy(regularizers.OrthogonalRegularizer(1.0)(w))) == 0.0
    with pytest.raises(ValueError, match="2-D"):
        regularizers.OrthogonalRegularizer()(ops.convert_to_tensor(np.ones((2, 2, 2), "float32")))


def test_invalid_factors():
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L1(float("nan"))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_get_by_name():
    assert regularizers.get(None) is None
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert regularizers.get("l2").l2 == 0.01
    assert regularizers.get("l1").l1 == 0.01
    assert isinstance(regularizers.get("L1L2"), regularizers.L1L2)
    assert isinstance(regularizers.get("l1l2"), regularizers.L1L2)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert isinstance(regularizers.get("orthogonal_regularizer"),
                      regularizers.OrthogonalRegularizer)
    assert isinstance(regularizers.get(regularizers.L1), regularizers.L1)
    fn = lambda w: ops.sum(w)  # noqa: E731
    assert regularizers.get(fn) is fn
    with pytest.raises(ValueError, match="Could not interpret regularizer") as error:
        regularizers.get("l3")
    assert "l2" in str(error.value) and "L1L2" in str(error.value)


@pytest.mark.parametrize("regularizer", [regularizers.L1(0.2), regularizers.L2(0.3),
                                         regularizers.L1L2(0.1, 0.4),
                                         regularizers.OrthogonalRegularizer(0.5, "columns")])
def test_serialize_round_trip(regularizer):
    config = regularizers.serialize(regularizer)
    assert config["module"] == "keras.regularizers"
    restored = regularizers.deserialize(config)
    assert type(restored) is type(regularizer)
    assert restored.get_config() == regularizer.get_config()


def test_serialized_configs_match_keras():
    keras = keras_reference()
    for make in [lambda mod: mod.L1(0.2), lambda mod: mod.L2(0.3), lambda mod: mod.L1L2(0.1),
                 lambda mod: mod.OrthogonalRegularizer(0.5, "columns")]:
        ours = regularizers.serialize(make(regularizers))
        theirs = keras.regularizers.serialize(make(keras.regularizers))
        # Keras keeps L1's factor as a float32 tensor: its config reads 0.20000000298...
        assert {**ours, "config": None} == {**theirs, "config": None}
        assert_configs_close(ours["config"], theirs["config"])
        restored = regularizers.deserialize(theirs).get_config()
        assert_configs_close(restored, make(regularizers).get_config())


def assert_configs_close(ours, theirs):
    """Same keys; numbers equal to float32 precision, everything else (mode strings) exactly."""
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert ours[key] == pytest.approx(float(value), rel=1e-6), key
        else:
            assert ours[key] == value, key
