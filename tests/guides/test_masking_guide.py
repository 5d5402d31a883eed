"""Keras's guide "Understanding masking & padding" (keras-io
``guides/understanding_masking_and_padding.py``), its parts without recurrent layers, run on
kerasette and on the real Keras 3 (JAX backend): the masks that Embedding and Masking make,
their propagation through Functional and Sequential models, and custom layers that make a
mask (``compute_mask``), change it (a split along time), pass it on
(``supports_masking = True``) or consume it (``call(inputs, mask=None)``).

The guide reads masks as ``tensor._keras_mask``; a numpy array cannot carry an attribute,
so the comparisons read them with each library's ``get_keras_mask``.
"""

import warnings

import numpy as np
import pytest

import kerasette
from kerasette.backend import get_keras_mask

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

RAW_INPUTS = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]


def padded_inputs():
    """What ``pad_sequences(RAW_INPUTS, padding="post")`` gives: zeros after each sequence."""
    padded = np.zeros((len(RAW_INPUTS), max(map(len, RAW_INPUTS))), "int32")
    for row, sequence in enumerate(RAW_INPUTS):
        padded[row, :len(sequence)] = sequence
    return padded


def guide(K, mask_of):
    """The guide's steps, written against ``K``; returns what a reader would look at."""
    ops, layers = K.ops, K.layers
    seen = {}
    padded = padded_inputs()

    # Mask-generating layers: Embedding and Masking
    embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
    seen["embedding_mask"] = mask_of(embedding(padded))
    unmasked_embedding = ops.cast(ops.tile(ops.expand_dims(padded, -1), [1, 1, 10]), "float32")
    masked_embedding = layers.Masking()(unmasked_embedding)
    seen["masking_mask"] = mask_of(masked_embedding)

    # Propagation in the Functional and Sequential APIs (a consumer in place of the LSTM)
    inputs = K.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    pooled = layers.GlobalAveragePooling1D()(x)
    seen["functional_mask_spec"] = (x._keras_mask.shape, str(x._keras_mask.dtype))
    seen["functional_pooled_mask"] = getattr(pooled, "_keras_mask", None)

    # A layer that modifies the mask: TemporalSplit
    class TemporalSplit(layers.Layer):
        """Splits the input in two along time; the mask too."""

        def call(self, inputs):
            return ops.split(inputs, 2, axis=1)

        def compute_mask(self, inputs, mask=None):
            if mask is None:
                return None
            return ops.split(mask, 2, axis=1)

    first_half, second_half = TemporalSplit()(masked_embedding)
    seen["split_masks"] = [mask_of(first_half), mask_of(second_half)]
    seen["split_supports_masking"] = TemporalSplit().supports_masking

    # A layer that makes a mask: CustomEmbedding
    class CustomEmbedding(layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                              initializer="random_normal", dtype="float32")

        def call(self, inputs):
            return ops.take(self.embeddings, inputs, axis=0)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    ids = (np.random.default_rng(0).random((3, 10)) * 9).astype("int32")
    custom = CustomEmbedding(10, 32, mask_zero=True)
    y = custom(ids)
    seen["custom_embedding_mask"] = custom.compute_mask(ids)
    seen["custom_embedding_output_mask"] = mask_of(y)

    # Opting in to mask propagation: MyActivation
    class MyActivation(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True  # safe to pass the mask on

        def call(self, inputs):
            return ops.relu(inputs)

    class Plain(layers.Layer):  # not opted in: drops the mask, with a warning
        def call(self, inputs):
            return ops.relu(inputs)

    inputs = K.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
    activated = MyActivation()(x)
    seen["opted_in_mask_spec"] = (activated._keras_mask.shape, str(activated._keras_mask.dtype))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plain = Plain(name="plain")(x)
    seen["plain_mask"] = getattr(plain, "_keras_mask", None)
    seen["plain_warned"] = any("'plain'" in str(w.message) for w in caught)

    # Layers that need the mask: TemporalSoftmax, given it automatically
    class TemporalSoftmax(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True  # (the guide's omits it, and then warns)

        def call(self, inputs, mask=None):
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(inputs_exp, axis=1, keepdims=True)
            return inputs_exp / inputs_sum

    inputs = K.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=10, output_dim=32, mask_zero=True, name="embed")(inputs)
    x = layers.Dense(1, name="score")(x)
    outputs = TemporalSoftmax()(x)
    model = K.Model(inputs, outputs)
    model.set_weights([np.linspace(-1, 1, 320, dtype="float32").reshape(10, 32),
                       np.linspace(-0.5, 0.5, 32, dtype="float32").reshape(32, 1),
                       np.array([0.1], "float32")])
    tokens = np.random.default_rng(1).integers(0, 10, size=(4, 7))
    tokens[:, -2:] = 0  # padding
    probabilities = model(tokens)
    seen["temporal_softmax"] = probabilities
    seen["temporal_softmax_output_mask"] = mask_of(probabilities)
    return {key: value if isinstance(value, (bool, tuple, type(None))) else (
        [np.asarray(v) for v in value] if isinstance(value, list) else np.asarray(value))
        for key, value in seen.items()}


@pytest.fixture(scope="module")
def keras_guide(keras):
    from keras.src.backend import get_keras_mask as keras_get_mask
    return guide(keras, keras_get_mask)


def test_the_masking_guide_runs_as_on_keras(keras_guide):
    # one backend: the guide is about the API; tests/layers/test_masking.py runs every one
    with kerasette.backend.use("numpy"):
        ours = guide(kerasette, get_keras_mask)
    assert sorted(ours) == sorted(keras_guide)
    for key, expected in keras_guide.items():
        got = ours[key]
        if isinstance(expected, list):
            assert len(got) == len(expected), key
            for a, b in zip(got, expected):
                np.testing.assert_array_equal(a, b, err_msg=key)
        elif isinstance(expected, np.ndarray):
            assert got is not None and got.shape == expected.shape, key
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=key)
        else:
            assert got == expected, key
    # what the guide says: padding is masked, and the softmax runs over real tokens only
    np.testing.assert_array_equal(ours["embedding_mask"], padded_inputs() != 0)
    np.testing.assert_allclose(ours["temporal_softmax"][:, -2:], 0.0)
    np.testing.assert_allclose(ours["temporal_softmax"].sum(axis=1), 1.0, rtol=1e-5)
    assert ours["plain_warned"] and ours["plain_mask"] is None
