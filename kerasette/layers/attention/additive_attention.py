"""AdditiveAttention: Bahdanau-style attention over a list ``[query, value, key]``."""

from kerasette import ops
from kerasette.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention: the score of query step ``i`` and key step ``j`` is
    ``sum(scale * tanh(query[i] + key[j]))``, with a learned per-feature ``scale`` (Bahdanau
    et al. 2015); then ``softmax(scores) @ value`` as :class:`Attention`, with the same
    inputs, masks and call arguments.

    Args:
        use_scale: learn the ``(dim,)`` scale (default True; else the scores are unscaled).
        dropout: dropout rate on the attention probabilities while training.
        seed: the dropout's seed.

    Example:
        >>> layer = kerasette.layers.AdditiveAttention()
        >>> layer([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        pairs = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]  # always additive (Keras writes no score_mode either)
        return config
