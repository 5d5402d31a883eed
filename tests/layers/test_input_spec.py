"""InputSpec: the checks a layer's inputs go through, ``allow_last_axis_squeeze`` included (a last
axis of size 1 may be dropped or added), and functional models, whose inputs use it as in
Keras 3."""

import numpy as np
import pytest

import kerasette
from kerasette import layers, ops
from kerasette.layers import InputSpec

# Keras 3.15's Variable.__array__ predates numpy 2's copy keyword: its warning, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


class ColumnSum(layers.Layer):
    """Sums a column of 4 values; takes ``(batch, 4, 1)`` or, squeezed, ``(batch, 4)``."""

    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return ops.sum(ops.reshape(inputs, (-1, 4)), axis=1)


COLUMN = np.arange(8, dtype="float32").reshape(2, 4)


@pytest.mark.parametrize("spec, refusal", [
    (InputSpec(shape=(None, 4, 1), allow_last_axis_squeeze=True),
     r'ColumnSum "columns" expected input shape \(None, 4, 1\), got \(2, 5\)\.'),
    (InputSpec(ndim=3, axes={-1: 1, 1: 4}, allow_last_axis_squeeze=True),
     r'ColumnSum "columns" expected axis 1 of size 4, got 5 \(input shape \(2, 5\)\)\.'),
], ids=["shape", "ndim-and-axes"])
def test_a_squeezable_last_axis_of_size_one_may_be_dropped(backend, spec, refusal):
    layer = ColumnSum(spec, name="columns")
    expected = COLUMN.sum(axis=1)
    for data in (COLUMN[:, :, None], COLUMN):
        np.testing.assert_allclose(ops.convert_to_numpy(layer(data)), expected)
    # the other checks still hold, on the shape as the spec sees it
    with pytest.raises(ValueError, match=refusal):
        layer(np.zeros((2, 5), "float32"))


def test_a_squeezable_last_axis_may_be_added_to_a_spec_without_one(backend):
    layer = ColumnSum(InputSpec(ndim=2, axes={1: 4}, allow_last_axis_squeeze=True), name="flat")
    np.testing.assert_allclose(ops.convert_to_numpy(layer(COLUMN[:, :, None])), [6.0, 22.0])
    np.testing.assert_allclose(ops.convert_to_numpy(layer(COLUMN)), [6.0, 22.0])


def test_only_a_last_axis_of_size_one_squeezes(backend):
    squeezing = ColumnSum(InputSpec(ndim=2, axes={1: 4}, allow_last_axis_squeeze=True),
                          name="squeezing")
    # one more axis, of size 2: refused, and the message says what would pass
    with pytest.raises(ValueError, match=r'ColumnSum "squeezing" expected an input of rank 2 '
                                         r'\(or 3 with a last axis of size 1\), got rank 3 '
                                         r'\(input shape \(2, 2, 2\)\)'):
        squeezing(np.zeros((2, 2, 2), "float32"))
    # one axis fewer: only when the spec's last axis has size 1 (this one's is 4)
    with pytest.raises(ValueError, match=r"got rank 1 \(input shape \(4,\)\)"):
        squeezing(np.zeros((4,), "float32"))
    # without the flag, the rank must match exactly
    strict = ColumnSum(InputSpec(ndim=2, axes={1: 4}), name="strict")
    with pytest.raises(ValueError, match=r'ColumnSum "strict" expected an input of rank 2, got '
                                         r'rank 3 \(input shape \(2, 4, 1\)\)'):
        strict(COLUMN[:, :, None])


def test_aligned_shape():
    spec = InputSpec(shape=(None, 28, 28, 1), allow_last_axis_squeeze=True)
    assert spec.aligned_shape((5, 28, 28)) == (5, 28, 28, 1)
    assert spec.aligned_shape((5, 28, 28, 1)) == (5, 28, 28, 1)
    assert spec.aligned_shape((5, 28, 28, 1, 1)) == (5, 28, 28, 1)
    assert spec.aligned_shape((5, 28)) == (5, 28)  # two axes short: left for the check to refuse
    assert InputSpec(shape=(None, 28, 28, 1)).aligned_shape((5, 28, 28)) == (5, 28, 28)
    assert InputSpec(ndim=2, allow_last_axis_squeeze=True).aligned_shape((5,)) == (5,)


# ---------------------------------------------------------------------------- functional models
def _image_model(K):
    inputs = K.Input((5, 5, 1), name="image")
    x = K.layers.Conv2D(2, 3, name="conv")(inputs)
    return K.Model(inputs, K.layers.Flatten(name="flat")(x), name="images")


def _vector_model(K):
    inputs = K.Input((6,), name="vector")
    return K.Model(inputs, K.layers.Dense(2, name="dense")(inputs), name="vectors")


@pytest.mark.parametrize("make, data", [
    (_image_model, np.random.default_rng(0).normal(size=(3, 5, 5)).astype("float32")),
    (_vector_model, np.random.default_rng(1).normal(size=(3, 6, 1)).astype("float32")),
], ids=["last-axis-added", "last-axis-squeezed"])
def test_a_model_adjusts_the_last_axis_as_keras_does(backend, keras, make, data):
    reference = make(keras)
    model = make(kerasette)
    model.set_weights([np.asarray(w) for w in reference.get_weights()])
    expected = np.asarray(reference(data))
    np.testing.assert_allclose(ops.convert_to_numpy(model(data)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # symbolic calls accept the same shapes
    symbolic = model(kerasette.Input(data.shape[1:]))
    assert tuple(symbolic.shape) == (None,) + expected.shape[1:]


def test_a_model_input_spec_is_its_input_shape_with_any_batch(backend):
    inputs = kerasette.Input(batch_shape=(8, 6), name="fixed")
    model = kerasette.Model(inputs, layers.Dense(2)(inputs))
    assert model.input_spec.shape == (None, 6)
    assert model.input_spec.name == "fixed"
    assert model.input_spec.allow_last_axis_squeeze
    assert ops.convert_to_numpy(model(np.zeros((3, 6), "float32"))).shape == (3, 2)
