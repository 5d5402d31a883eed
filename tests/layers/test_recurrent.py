"""Recurrent layers against Keras 3 (its JAX backend): the same models with the same
weights give the same outputs, states and masks on every backend; what Keras cannot be
compared on numerically (dropout masks are random) is checked by its properties.

The shared layer test (``test_all_layers.py``, "# recurrent") checks each layer's weights,
config keys, forward and gradients across backends; here are the behaviours it cannot
express: masks, initial and returned states, stateful batches, user cells, ``.keras`` files
moving both ways, and that a step of the built-in cells is one engine op.
"""

import numpy as np
import pytest

import kerasette
from kerasette import ops
from kerasette.backends.masking import get_keras_mask

from layer_test_case import assert_close

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

RNG = np.random.default_rng(0)
# token ids with trailing (and, in the second row, inner) padding zeros
TOKENS = np.array([[3, 1, 4, 0, 0], [2, 0, 5, 6, 1], [7, 7, 0, 0, 0]], dtype="int32")
# float sequences whose padding timesteps (where TOKENS is 0) are all zeros, for Masking
SEQUENCES = (RNG.normal(size=(3, 5, 4)) * (TOKENS > 0)[..., None]).astype("float32")
STATES = [RNG.normal(size=(3, 3)).astype("float32") for _ in range(4)]

# the weights are set before every comparison; Keras's default initializers of recurrent
# layers (orthogonal: a QR decomposition compiled for each shape) cost seconds per layer
FAST = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros"}

# Keras runs each model once, compiled as one program by predict (its eager calls would
# compile each layer's scan on its own, about a second each)
_REFERENCES = {}


def _leaves(structure):
    """The tensors of a nested output structure, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [structure]


def _random_weights(model, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in model.get_weights()]


def _compare(keras, name, make, inputs):
    """``make(K)`` (a model) on Keras and on kerasette's active backend, with the same random
    weights: every output (flattened) must agree. Returns kerasette's model."""
    if name not in _REFERENCES:
        reference = make(keras)
        weights = _random_weights(reference)
        reference.set_weights(weights)
        _REFERENCES[name] = weights, [np.asarray(y) for y in
                                      _leaves(reference.predict(inputs, verbose=0))]
    weights, expected = _REFERENCES[name]
    ours = make(kerasette)
    ours.set_weights(weights)
    actual = _leaves(ours(inputs))
    assert len(actual) == len(expected)
    for index, (a, e) in enumerate(zip(actual, expected)):
        assert_close(np.asarray(a), e, f"{name}: output {index}", rtol=2e-5)
    return ours


# ---------------------------------------------------------------------------- forward vs Keras
def _minimal_cell(K):
    """A Keras-style user cell: ``state_size`` and ``call(inputs, states)``."""
    class MinimalRNNCell(K.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            output = K.ops.tanh(K.ops.matmul(inputs, self.kernel)
                                + K.ops.matmul(states[0], self.recurrent_kernel))
            return output, [output]
    return MinimalRNNCell


def _unmasked_model(K):
    """One model, one branch per configuration: the gates' orders and activations, the
    fused and composed steps, states in and out, directions, merges, stacks, user cells."""
    x = K.Input((5, 4))
    states = [K.Input((3,)) for _ in range(4)]
    L = K.layers
    outputs = [
        L.LSTM(3, **FAST, return_sequences=True, go_backwards=True)(x),
        L.LSTM(3, **FAST, return_state=True, recurrent_activation="hard_sigmoid",
               unit_forget_bias=False)(x),
        L.GRU(3, **FAST, reset_after=False, return_state=True)(x),
        L.GRU(3, **FAST, activation="relu", use_bias=False, unroll=True,
              return_sequences=True)(x),
        L.SimpleRNN(3, **FAST, activation="relu", return_sequences=True)(x),
        L.RNN([L.LSTMCell(3, **FAST), L.GRUCell(2, **FAST), L.SimpleRNNCell(2, **FAST)],
              return_state=True)(x),
        L.Bidirectional(L.GRU(2, **FAST, return_sequences=True), merge_mode="sum")(x),
        L.Bidirectional(L.LSTM(2, **FAST, return_state=True), merge_mode=None)(x),
        L.Bidirectional(L.LSTM(2, **FAST, return_sequences=True), merge_mode="mul",
                        backward_layer=L.SimpleRNN(2, **FAST, return_sequences=True,
                                                   go_backwards=True))(x),
        L.Bidirectional(L.LSTM(3, **FAST, return_sequences=True, return_state=True))(
            x, initial_state=states),
        L.LSTM(2, **FAST)(L.TimeDistributed(L.Dense(3, activation="tanh"))(x)),
        L.RNN(_minimal_cell(K)(3), return_sequences=True, go_backwards=True)(x),
    ]
    return K.Model([x] + states, outputs)


def test_forward_matches_keras(keras):
    with kerasette.backend.use("numpy"):  # jax: each layer in test_all_layers.py
        _compare(keras, "unmasked", _unmasked_model, [SEQUENCES] + STATES)


# ---------------------------------------------------------------------------- masks
def _masked_model(K):
    """Masks from Embedding(mask_zero=True) and from Masking: masked steps keep the states
    (the output repeats, or is zero with zero_output_for_mask); the mask passes on."""
    tokens, x = K.Input((5,), dtype="int32"), K.Input((5, 4))
    L = K.layers

    def embedded():
        return L.Embedding(8, 4, mask_zero=True)(tokens)
    outputs = [
        L.LSTM(3, **FAST, return_sequences=True)(embedded()),
        L.GRU(3, **FAST, go_backwards=True, return_state=True)(embedded()),
        L.SimpleRNN(3, **FAST, return_sequences=True, zero_output_for_mask=True)(embedded()),
        L.Bidirectional(L.LSTM(2, **FAST, return_sequences=True))(embedded()),
        L.RNN([L.GRUCell(3, **FAST), L.LSTMCell(2, **FAST)], return_sequences=True)(
            L.Masking(0.0)(x)),
    ]
    return K.Model([tokens, x], outputs)


def test_masked_forward_matches_keras(keras):
    with kerasette.backend.use("numpy"):  # jax: test_masks_and_dropout_compiled
        ours = _compare(keras, "masked", _masked_model, [TOKENS, SEQUENCES])
    # the output sequence carries the input's mask: padding stays padding downstream
    embedding = next(l for l in ours.layers if isinstance(l, kerasette.layers.Embedding))
    lstm = next(l for l in ours.layers if isinstance(l, kerasette.layers.LSTM))
    outputs = lstm(embedding(ops.convert_to_tensor(TOKENS)))
    np.testing.assert_array_equal(np.asarray(get_keras_mask(outputs)), TOKENS > 0)


def test_masked_steps_keep_the_state():
    """A masked timestep leaves the state as it was: padding at the end changes nothing."""
    layer = kerasette.layers.GRU(3, return_sequences=True, return_state=True)
    x = SEQUENCES[:, :3]
    padded = np.concatenate([x, np.zeros_like(SEQUENCES[:, :2])], axis=1)
    mask = np.array([[True] * 3 + [False] * 2] * 3)
    output, state = layer(x)
    padded_output, padded_state = layer(padded, mask=mask)
    assert_close(np.asarray(padded_state), np.asarray(state), "final state")
    assert_close(np.asarray(padded_output)[:, 3:], np.repeat(np.asarray(state)[:, None], 2, 1),
                 "outputs at masked steps (the previous output)")


# ---------------------------------------------------------------------------- stateful
def test_stateful_matches_keras_and_resets(keras):
    def make(K):
        return K.Sequential([K.Input(batch_shape=(3, 5, 4)),
                             K.layers.LSTM(3, **FAST, stateful=True, return_sequences=True)])
    reference, ours = make(keras), make(kerasette)
    weights = _random_weights(reference)
    reference.set_weights(weights)
    ours.set_weights(weights)
    assert len(ours.weights) == 3  # the states are not weights (as in Keras)
    first, second = SEQUENCES, SEQUENCES[::-1] * 0.5
    ours_first = np.asarray(ours(first))
    assert_close(ours_first, np.asarray(reference(first)), "first batch")
    # the second batch starts from the first one's final states
    assert_close(np.asarray(ours(second)), np.asarray(reference(second)), "second batch")
    ours.layers[0].reset_states()
    assert_close(np.asarray(ours(first)), ours_first, "after reset_states: a fresh start")
    with pytest.raises(ValueError, match="stateful"):
        ours(SEQUENCES[:2])


# ---------------------------------------------------------------------------- dropout
def test_dropout_masks_one_per_call():
    """Dropout applies only while training; one input mask serves every timestep (a
    sequence of equal timesteps through a linear cell shows it); each call draws anew."""
    layer = kerasette.layers.SimpleRNN(16, dropout=0.5, recurrent_dropout=0.3, seed=3,
                                       activation="linear", return_sequences=True)
    x = np.ones((4, 6, 8), "float32")
    reference = kerasette.layers.SimpleRNN(16, activation="linear", return_sequences=True)
    reference(x)
    layer(x)
    reference.set_weights(layer.get_weights())
    assert_close(np.asarray(layer(x)), np.asarray(reference(x)), "inference: no dropout")
    first = np.asarray(layer(x, training=True))
    second = np.asarray(layer(x, training=True))
    assert not np.allclose(first, second)
    # the first step sees only the input mask: dropped features are the same at every step
    # of a sequence, so with the recurrent kernel zeroed every step equals the first
    kernel, recurrent, bias = layer.get_weights()
    layer.set_weights([kernel, np.zeros_like(recurrent), bias])
    steps = np.asarray(layer(x, training=True))
    assert_close(steps, np.repeat(steps[:, :1], 6, axis=1), "the same mask at every step")
    assert not np.allclose(steps[0, 0], steps[1, 0])  # and a different one per sample


def test_masks_and_dropout_compiled():
    """On jax, in compiled steps, one model holding every recurrent layer (the short fit of
    test_all_layers.py leaves them to it): with a mask, its loss is the one on numpy; with
    recurrent dropout (one mask per gate, drawn before the loop, not inside the scan) it
    trains: the loss falls."""
    try:
        kerasette.backend.get_backend("jax")
    except ImportError as error:
        pytest.skip(f"the jax backend is not available: {error}")

    def make():
        kerasette.utils.set_random_seed(0)
        L = kerasette.layers
        tokens, frames = kerasette.Input((5,), dtype="int32"), kerasette.Input((3, 3, 3, 1))
        x = L.Embedding(8, 4, mask_zero=True)(tokens)
        x = L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="ave")(x)
        x = L.TimeDistributed(L.Dense(3))(x)
        x = L.RNN([L.LSTMCell(3, recurrent_dropout=0.3, seed=1),
                   L.GRUCell(3, reset_after=False, dropout=0.2, seed=2)],
                  return_sequences=True)(x)
        x = L.LSTM(3, dropout=0.2, recurrent_dropout=0.3, seed=3, return_sequences=True)(x)
        x = L.GRU(2, recurrent_dropout=0.3, go_backwards=True, seed=4)(x)
        images = L.ConvLSTM2D(2, 2, recurrent_dropout=0.3, seed=5)(frames)
        outputs = L.Dense(1)(L.Concatenate()([x, L.Flatten()(images)]))
        return kerasette.Model([tokens, frames], outputs)
    inputs = [TOKENS, np.random.default_rng(5).normal(size=(3, 3, 3, 3, 1)).astype("float32")]
    y = np.arange(3.0, dtype="float32")[:, None]
    losses = {}
    for backend_name in ("numpy", "jax"):
        with kerasette.backend.use(backend_name):
            model = make()  # the same initial weights on both backends
            model.compile(optimizer="adam", loss="mse")
            losses[backend_name] = model.evaluate(inputs, y, verbose=0)
    assert_close(losses["jax"], losses["numpy"], "the masked model's loss, jax vs numpy")
    with kerasette.backend.use("jax"):
        model.fit(inputs, y, epochs=4, verbose=0)
        assert model.evaluate(inputs, y, verbose=0) < losses["jax"]


# ---------------------------------------------------------------------------- files
def _recurrent_model(K):
    # (without a mask: Keras writes the mask's computation into the functional config as
    # an op layer, "NotEqual", which kerasette's loader does not know yet)
    inputs = K.Input((5,), dtype="int32")
    x = K.layers.Embedding(8, 4)(inputs)
    x = K.layers.Bidirectional(K.layers.LSTM(3, **FAST, return_sequences=True))(x)
    x = K.layers.GRU(2, **FAST, reset_after=False)(x)
    return K.Model(inputs, x)


def test_keras_files_move_both_ways(keras, tmp_path):
    ours = _recurrent_model(kerasette)
    reference = _recurrent_model(keras)
    weights = _random_weights(reference)
    ours.set_weights(weights)
    expected = np.asarray(ours(TOKENS))
    ours.save(tmp_path / "ours.keras")
    loaded = keras.saving.load_model(tmp_path / "ours.keras")
    assert_close(loaded.predict(TOKENS, verbose=0), expected, "Keras loads kerasette's file")
    loaded.save(tmp_path / "keras.keras")
    back = kerasette.saving.load_model(tmp_path / "keras.keras")
    assert_close(np.asarray(back(TOKENS)), expected, "kerasette loads Keras's file")


# ---------------------------------------------------------------------------- speed
def test_a_step_is_one_engine_op():
    """On the engine, a step of LSTM, GRU and SimpleRNN is one op (the recurrent matmul and
    the gates are inside ``lstm_cell``, ``gru_cell``, ``simple_rnn_cell``): eight more
    timesteps record eight more nodes on a tape, not one per gate."""
    cell_ops = {"LSTM": "lstm_cell", "GRU": "gru_cell", "SimpleRNN": "simple_rnn_cell"}
    with kerasette.backend.use("numpy"):
        for name, cell_op in cell_ops.items():
            recorded = {}
            for steps in (4, 12):
                layer = getattr(kerasette.layers, name)(3)
                x = ops.convert_to_tensor(np.ones((2, steps, 4), "float32"))
                layer(x)
                with kerasette.GradientTape() as tape:  # records every op of the weights
                    layer(x)
                recorded[steps] = [node.op.name for node in tape._nodes]
            assert recorded[12].count(cell_op) == 12, recorded[12]
            assert len(recorded[12]) - len(recorded[4]) == 8, (name, recorded[4])
