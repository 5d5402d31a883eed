"""A Transformer as Keras users write it: keras-io's "Text classification with Transformer"
(a ``TransformerBlock`` of MultiHeadAttention, LayerNormalization, Dropout and a
feed-forward network; a ``TokenAndPositionEmbedding`` adding ``ops.arange`` positions),
written as in the guide, on a small synthetic task: whether token 1 occurs in the first
half of a sequence.

It trains on numpy and on jax (the loss falls), and with the same seed the two backends
start from the same weights and agree on the forward pass and every weight's gradient.
"""

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers, ops

pytest.importorskip("jax")

MAXLEN, VOCAB, EMBED, HEADS, FF = 8, 12, 8, 2, 16


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"),
                                     layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


def transformer_classifier():
    inputs = layers.Input(shape=(MAXLEN,))
    x = TokenAndPositionEmbedding(MAXLEN, VOCAB, EMBED)(inputs)
    x = TransformerBlock(EMBED, HEADS, FF)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    x = layers.Dropout(0.1)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def token_data(n=96, seed=0):
    """Sequences of ids in [2, VOCAB) with token 1 planted in the first half of half of them;
    the label says which."""
    rng = np.random.default_rng(seed)
    x = rng.integers(2, VOCAB, size=(n, MAXLEN))
    y = rng.integers(0, 2, size=n)
    x[y == 1, rng.integers(0, MAXLEN // 2, size=int(y.sum()))] = 1
    return x.astype("float32"), y.astype("int32")


# on numpy: the jax backend's forward and gradients of the same model are checked against
# the engine's below (a jax fit here would mostly time XLA compiling the step)
@pytest.mark.parametrize("backend_name", ["numpy"])
def test_transformer_trains(backend_name):
    x, y = token_data()
    with keras.backend.use(backend_name):
        keras.utils.set_random_seed(0)
        model = transformer_classifier()
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        before = model.evaluate(x, y, verbose=0)[0]
        history = model.fit(x, y, batch_size=32, epochs=8, verbose=0)
        after, accuracy = model.evaluate(x, y, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    # dropout makes the training loss noisy: judge the inference loss (chance: log 2)
    assert after < 0.7 * before and accuracy > 0.75, (before, after, accuracy)


def _forward_and_gradients(backend_name, x, y):
    with keras.backend.use(backend_name):
        keras.utils.set_random_seed(0)
        model = transformer_classifier()
        loss_fn = keras.losses.SparseCategoricalCrossentropy()
        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]  # dropout seeds

        def loss_of(values):
            probabilities, _ = model.stateless_call(values, non_trainable, x)
            return loss_fn(y, probabilities), probabilities

        # compiled on jax: one compilation instead of one per op of the eager gradient
        step = ops.jit(ops.value_and_grad(loss_of, has_aux=True))
        (_, probabilities), gradients = step(trainable)
        return (ops.convert_to_numpy(probabilities),
                [(v.path.split("/")[-1], tuple(v.shape)) for v in model.trainable_variables],
                [ops.convert_to_numpy(v) for v in trainable],
                [ops.convert_to_numpy(g) for g in gradients])


def test_numpy_and_jax_agree_on_forward_and_gradients():
    x, y = token_data(n=8, seed=1)
    numpy_result = _forward_and_gradients("numpy", x, y)
    jax_result = _forward_and_gradients("jax", x, y)
    np.testing.assert_allclose(numpy_result[0], jax_result[0], rtol=1e-5, atol=1e-6)
    assert numpy_result[1] == jax_result[1]
    for path, ours, theirs in zip(numpy_result[1], numpy_result[2], jax_result[2]):
        # the same seed draws the same initial weights on both
        np.testing.assert_array_equal(ours, theirs, err_msg=f"initial {path[0]}")
    # 2 embeddings, 4 projections (kernel, bias), the FFN's 2 Dense, 2 LayerNormalization,
    # the head's 2 Dense
    assert len(numpy_result[3]) == 2 + 8 + 4 + 4 + 4 == len(jax_result[3])
    for path, ours, theirs in zip(numpy_result[1], numpy_result[3], jax_result[3]):
        scale = max(np.abs(theirs).max(), 1e-3)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4 * scale,
                                   err_msg=f"gradient of {path[0]}")
