"""Attention: ``ops.dot_product_attention`` and the attention layers against Keras 3.

The shared layer test (test_all_layers.py) checks each layer's weights, forward, gradients
and config in its default call; here the call options (masks from the inputs, causal and
sliding-window masks, attention scores, dropout, attention axes) are compared with the real
Keras given the same weights, and ``.keras`` files move both ways.
"""

import numpy as np
import pytest

import kerasette
from kerasette import ops
from kerasette.backends.masking import get_keras_mask, set_keras_mask
from layer_test_case import assert_close

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    # Keras's GroupQueryAttention leaves the masks on its inputs and its projections warn
    pytest.mark.filterwarnings("ignore:Layer '.*' \\(of type EinsumDense\\) was passed"),
]

RNG = np.random.default_rng(0)
QUERY_MASK = np.array([[True, True, True, False], [True, True, False, False]])
VALUE_MASK = np.array([[True, True, False], [True, False, False]])


def _normal(*shape):
    return RNG.normal(size=shape).astype("float32")


# ---------------------------------------------------------------------------- the op
@pytest.mark.parametrize("label,kwargs,kv_heads", [
    ("plain", {}, 4),
    ("bias_scale", {"bias": _normal(1, 4, 3, 5), "scale": 0.3}, 4),
    ("mask_causal", {"mask": RNG.random((2, 1, 3, 5)) > 0.3, "is_causal": True}, 4),
    ("grouped_query", {"mask": RNG.random((2, 1, 3, 5)) > 0.3}, 2),
])
def test_dot_product_attention_matches_keras(backend, keras, label, kwargs, kv_heads):
    query, key, value = _normal(2, 3, 4, 6), _normal(2, 5, kv_heads, 6), _normal(2, 5, kv_heads, 6)
    expected = keras.ops.dot_product_attention(query, key, value, **kwargs)
    actual = ops.dot_product_attention(query, key, value, **kwargs)
    assert_close(ops.convert_to_numpy(actual), np.asarray(expected), label)


def test_dot_product_attention_refuses_what_it_cannot_do(backend):
    query = _normal(2, 3, 4, 6)
    with pytest.raises(ValueError, match="4-D"):
        ops.dot_product_attention(query[0], query[0], query[0])
    with pytest.raises(ValueError, match="dividing the query's 4"):
        ops.dot_product_attention(query, _normal(2, 3, 3, 6), _normal(2, 3, 3, 6))
    with pytest.raises(ValueError, match="flash_attention"):
        ops.dot_product_attention(query, query, query, flash_attention=True)


# ---------------------------------------------------------------------------- the layers
def _compare_layer(keras, name, config, inputs, masks=(), call_kwargs=None, as_list=False):
    """Calls Keras's and kerasette's ``name`` layer (same weights) on ``inputs`` carrying
    ``masks``; asserts the outputs (and attention scores) and the output mask agree."""
    call_kwargs = call_kwargs or {}
    twin = getattr(keras.layers, name)(**config)

    def keras_inputs():
        # fresh tensors for each call: Keras's multi-head layers remove their inputs' masks
        tensors = [keras.ops.convert_to_tensor(x) for x in inputs]
        for tensor, mask in zip(tensors, masks):
            if mask is not None:
                tensor._keras_mask = keras.ops.convert_to_tensor(mask)
        return tensors

    def run(layer, tensors):
        return layer(tensors, **call_kwargs) if as_list else layer(*tensors, **call_kwargs)

    run(twin, keras_inputs())
    weights = [np.asarray(w) + 0.1 * RNG.normal(size=w.shape).astype("float32")
               for w in twin.get_weights()]
    twin.set_weights(weights)
    expected = run(twin, keras_inputs())
    layer = getattr(kerasette.layers, name)(**config)
    ours = [ops.convert_to_tensor(x) for x in inputs]
    for tensor, mask in zip(ours, masks):
        if mask is not None:
            set_keras_mask(tensor, ops.convert_to_tensor(mask))
    run(layer, ours)
    assert [(w.path.split("/")[-1], tuple(w.shape)) for w in layer.weights] == [
        (w.path.split("/")[-1], tuple(w.shape)) for w in twin.weights]
    layer.set_weights(weights)
    actual = run(layer, ours)  # the same tensors: kerasette leaves the inputs' masks alone
    expected = expected if isinstance(expected, tuple) else (expected,)
    actual = actual if isinstance(actual, tuple) else (actual,)
    assert len(actual) == len(expected)
    for what, a, b in zip(("output", "attention scores"), actual, expected):
        assert_close(ops.convert_to_numpy(a), np.asarray(b), what, rtol=1e-4)
    keras_mask = getattr(expected[0], "_keras_mask", None)
    our_mask = get_keras_mask(actual[0])
    assert (our_mask is None) == (keras_mask is None), "output mask on one side only"
    if keras_mask is not None:
        np.testing.assert_array_equal(ops.convert_to_numpy(our_mask), np.asarray(keras_mask))
    return layer


MHA_CALLS = [
    # the fused op serves: masks from the inputs (a query step masked throughout attends
    # uniformly there), causality alone
    ("input_masks", {}, {}, (QUERY_MASK, VALUE_MASK)),
    ("causal_only_gate", {"use_gate": True}, {"use_causal_mask": True}, ()),
    # the einsum path (a query step masked throughout gets zero probabilities): scores asked
    # for, with every mask at once; dropout (the identity at inference)
    ("scores_all_masks", {"sliding_window": 2, "value_dim": 3, "output_shape": (2, 3)},
     {"attention_mask": RNG.random((2, 4, 3)) > 0.3, "use_causal_mask": True,
      "return_attention_scores": True}, (QUERY_MASK, VALUE_MASK)),
    ("dropout_inference", {"dropout": 0.5, "seed": 1}, {}, (QUERY_MASK, VALUE_MASK)),
]


@pytest.mark.parametrize("label,config,call_kwargs,masks", MHA_CALLS,
                         ids=[call[0] for call in MHA_CALLS])
def test_multi_head_attention_matches_keras(keras, label, config, call_kwargs, masks):
    inputs = [_normal(2, 4, 5), _normal(2, 3, 5)]
    layer = _compare_layer(keras, "MultiHeadAttention", {"num_heads": 2, "key_dim": 3, **config},
                           inputs, masks, call_kwargs)
    assert layer.get_config()["num_heads"] == 2


def test_multi_head_attention_attention_axes_matches_keras(keras):
    # 2-D attention over (rows, columns) of a (B, 3, 2, dim) input: the einsum path
    _compare_layer(keras, "MultiHeadAttention",
                   {"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)},
                   [_normal(2, 3, 2, 5), _normal(2, 3, 2, 5)], (),
                   {"return_attention_scores": True})


def test_multi_head_attention_dropout_while_training(backend):
    layer = kerasette.layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=3)
    x = ops.convert_to_tensor(_normal(2, 4, 5))
    inference, scores = layer(x, x, return_attention_scores=True)
    training, training_scores = layer(x, x, return_attention_scores=True, training=True)
    # the scores are returned before dropout: the same probabilities, rows summing to 1
    assert_close(ops.convert_to_numpy(training_scores), ops.convert_to_numpy(scores), "scores")
    assert_close(ops.convert_to_numpy(ops.sum(scores, axis=-1)), np.ones((2, 2, 4)), "row sums")
    assert not np.allclose(ops.convert_to_numpy(training), ops.convert_to_numpy(inference))


def test_group_query_attention_matches_keras(keras):
    # multi-query attention (one key/value head), masks from the inputs: the fused op
    config = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 1}
    inputs = [_normal(2, 4, 5), _normal(2, 3, 5)]
    _compare_layer(keras, "GroupQueryAttention", config, inputs, (QUERY_MASK, VALUE_MASK))
    with pytest.raises(ValueError, match="multiple of num_key_value_heads"):
        kerasette.layers.GroupQueryAttention(head_dim=2, num_query_heads=3,
                                             num_key_value_heads=2)


@pytest.mark.parametrize("name,config,call_kwargs", [
    ("Attention", {"use_scale": True}, {"return_attention_scores": True}),
    ("Attention", {"score_mode": "concat"}, {"use_causal_mask": True}),
    ("AdditiveAttention", {}, {"return_attention_scores": True}),
])
def test_attention_layers_match_keras(keras, name, config, call_kwargs):
    # causal masks need as many value steps as query steps
    value_steps = 4 if call_kwargs.get("use_causal_mask") else 3
    value_mask = QUERY_MASK if value_steps == 4 else VALUE_MASK
    _compare_layer(keras, name, config, [_normal(2, 4, 5), _normal(2, value_steps, 5)],
                   (QUERY_MASK, value_mask), call_kwargs, as_list=True)


# ---------------------------------------------------------------------------- files
def _model(library):
    """Token ids -> Embedding(mask_zero) -> the multi-head layers, the padding's mask
    travelling through both."""
    inputs = library.Input((6,), dtype="int32")
    x = library.layers.Embedding(10, 8, mask_zero=True)(inputs)
    x = library.layers.MultiHeadAttention(2, 4)(x, x)
    x = library.layers.GroupQueryAttention(head_dim=2, num_query_heads=2,
                                           num_key_value_heads=1)(x, x)
    # (a Keras model whose later layers take this mask as an argument holds Keras's mask
    # ops, NotEqual..., as nodes of its graph: a file kerasette cannot load yet)
    return library.Model(inputs, x)


def test_keras_files_move_both_ways(keras, tmp_path):
    ids = np.random.default_rng(1).integers(1, 10, size=(3, 6))
    ids[:, 4:] = 0  # padding: masked from the Embedding on
    keras_model = _model(keras)
    keras_model.save(tmp_path / "keras.keras")
    loaded = kerasette.saving.load_model(tmp_path / "keras.keras")
    assert_close(loaded.predict(ids, verbose=0), keras_model.predict(ids, verbose=0),
                 "kerasette on Keras's file", rtol=1e-4)
    ours = _model(kerasette)
    ours.save(tmp_path / "ours.keras")
    assert_close(keras.saving.load_model(tmp_path / "ours.keras").predict(ids, verbose=0),
                 ours.predict(ids, verbose=0), "Keras on kerasette's file", rtol=1e-4)
