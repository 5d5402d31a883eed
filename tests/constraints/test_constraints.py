"""Constraints: projections by formula and against Keras 3, jit, lookup."""

import os

import numpy as np
import pytest

import kerasette
from kerasette import constraints, ops

EPSILON = 1e-7


def keras_reference():
    """Keras 3 on its JAX backend, or a skip when it is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip(f"keras runs on {keras.backend.backend()}, the reference needs jax")
    return keras


KERNEL = np.random.default_rng(1).normal(scale=2.0, size=(3, 3, 4, 5)).astype("float32")
DENSE = KERNEL.reshape(36, 5)


def column_norms(w, axis=0):
    return np.sqrt(np.square(w.astype("float64")).sum(axis=axis, keepdims=True))


CASES = {
    "MaxNorm": lambda mod: mod.MaxNorm(max_value=4.0),
    "MaxNorm(conv)": lambda mod: mod.MaxNorm(max_value=3.0, axis=[0, 1, 2]),
    "NonNeg": lambda mod: mod.NonNeg(),
    "UnitNorm": lambda mod: mod.UnitNorm(),
    "UnitNorm(axis=1)": lambda mod: mod.UnitNorm(axis=1),
    "MinMaxNorm": lambda mod: mod.MinMaxNorm(min_value=9.0, max_value=10.0),
    "MinMaxNorm(rate)": lambda mod: mod.MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5),
}


def weight_for(case):
    return KERNEL if "conv" in case else DENSE


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras(backend, case):
    keras = keras_reference()
    w = weight_for(case)
    ours = ops.convert_to_numpy(CASES[case](constraints)(ops.convert_to_tensor(w)))
    theirs = np.asarray(CASES[case](keras.constraints)(w))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_max_norm(backend):
    projected = ops.convert_to_numpy(constraints.MaxNorm(4.0)(DENSE))
    norms = column_norms(DENSE)
    expected = DENSE * np.minimum(norms, 4.0) / (norms + EPSILON)
    np.testing.assert_allclose(projected, expected, rtol=1e-5)
    assert column_norms(projected).max() <= 4.0 + 1e-4


def test_unit_norm_and_min_max_norm(backend):
    unit = ops.convert_to_numpy(constraints.UnitNorm()(DENSE))
    np.testing.assert_allclose(column_norms(unit), 1.0, rtol=1e-5)
    bounded = ops.convert_to_numpy(constraints.MinMaxNorm(9.0, 10.0)(DENSE))
    norms = column_norms(bounded)
    assert (norms >= 9.0 - 1e-3).all() and (norms <= 10.0 + 1e-3).all()


def test_non_neg(backend):
    projected = ops.convert_to_numpy(constraints.NonNeg()(DENSE))
    np.testing.assert_array_equal(projected, np.maximum(DENSE, 0))


def test_constraints_run_under_jax_jit():
    jax = pytest.importorskip("jax")
    with kerasette.backend.use("jax"):
        for case, make in sorted(CASES.items()):
            w = weight_for(case)
            constraint = make(constraints)
            np.testing.assert_allclose(np.asarray(jax.jit(constraint)(w)),
                                       np.asarray(constraint(w)), rtol=1e-6, err_msg=case)


def test_get_and_serialize():
    assert constraints.get(None) is None
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert isinstance(constraints.get("unit_norm"), constraints.UnitNorm)
    assert isinstance(constraints.get("min_max_norm"), constraints.MinMaxNorm)
    with pytest.raises(ValueError, match="Could not interpret constraint") as error:
        constraints.get("max_nrom")
    assert "max_norm" in str(error.value)
    for constraint in [constraints.MaxNorm(3, axis=[0, 1]), constraints.NonNeg(),
                       constraints.UnitNorm(axis=1), constraints.MinMaxNorm(0.5, 2.0, 0.9, 1)]:
        restored = constraints.deserialize(constraints.serialize(constraint))
        assert type(restored) is type(constraint)
        assert restored.get_config() == constraint.get_config()


def test_serialized_configs_match_keras():
    keras = keras_reference()
    for name in ["MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"]:
        ours = constraints.serialize(constraints.get(name))
        theirs = keras.constraints.serialize(keras.constraints.get(name))
        assert ours == theirs, name
