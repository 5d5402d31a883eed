"""Attention: dot-product (Luong-style) attention over a list ``[query, value, key]``."""

from kerasette import ops
from kerasette.backends.seed import SeedGenerator
from kerasette.layers.argument_validation import describe
from kerasette.layers.attention.multi_head_attention import causal_mask
from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.layer import Layer


class Attention(Layer):
    """Dot-product attention: ``softmax(scores(query, key)) @ value`` for inputs
    ``[query (B, Tq, dim), value (B, Tv, dim)]`` or ``[query, value, key]`` (key defaults to
    value).

    Args:
        use_scale: learn a scalar ``scale`` that multiplies the scores.
        score_mode: ``"dot"`` (``query @ key^T``) or ``"concat"``
            (``sum(tanh(query + key))``, times a learned scalar).
        dropout: dropout rate on the attention probabilities while training.
        seed: the dropout's seed.

    Call arguments:
        inputs: ``[query, value]`` or ``[query, value, key]``.
        mask: ``[query_mask (B, Tq), value_mask (B, Tv)]`` booleans (default: the inputs'
            own masks): masked values get no attention; masked query steps output zeros.
        training, return_attention_scores (also return the ``(B, Tq, Tv)``
        probabilities), use_causal_mask (query step ``i`` sees values ``j <= i``).

    Example:
        >>> layer = kerasette.layers.Attention()
        >>> layer([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{describe(self)}: score_mode must be 'dot' or 'concat', got "
                             f"{score_mode!r}.")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if dropout > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True
        self.scale = self.concat_score_weight = None

    def build(self, input_shape):
        self._check_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")

    def _calculate_scores(self, query, key):
        """``(B, Tq, Tv)`` scores of each query step against each key step."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.moveaxis(key, -1, -2))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        # concat: every pair (query step, key step) added, through tanh, summed
        pairs = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(pairs), axis=-1))

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """``(softmax(scores) @ value, softmax(scores))``, masked keys pushed far down (by
        1e9, as Keras: a row masked throughout keeps its relative scores) and dropout on
        the probabilities while training."""
        if scores_mask is not None:
            if len(scores_mask.shape) == 2:
                scores_mask = ops.expand_dims(scores_mask, -2)
            penalty = 65504.0 if ops.dtype(scores) == "float16" else 1.0e9
            scores = ops.where(scores_mask, scores, ops.subtract(scores, penalty))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = ops.dropout(weights, self.dropout, seed=self.seed_generator)
        return ops.matmul(weights, value), weights

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._check_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = None if value_mask is None else ops.cast(value_mask, "bool")
        if use_causal_mask:
            shape = ops.shape(scores)
            causal = causal_mask(shape[-2], shape[-1])
            scores_mask = causal if scores_mask is None else ops.logical_and(
                ops.expand_dims(scores_mask, -2), causal)
        output, weights = self._apply_scores(scores, value, scores_mask, training)
        if query_mask is not None:
            output = ops.where(ops.expand_dims(ops.cast(query_mask, "bool"), -1), output, 0.0)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, previous_mask):
        # the output has the query's steps: it keeps the query's mask
        if not previous_mask or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        return (*tuple(input_shape[0])[:-1], input_shape[1][-1])

    def compute_output_spec(self, inputs, mask=None, training=None,
                            return_attention_scores=False, use_causal_mask=False):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        output = KerasTensor(self.compute_output_shape([query.shape, value.shape]),
                             self.compute_dtype)
        if not return_attention_scores:
            return output
        return output, KerasTensor((*query.shape[:-1], key.shape[-2]), self.compute_dtype)

    def _check_inputs(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{describe(self)} must be called on a list [query, value] or "
                             f"[query, value, key], got {inputs!r}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or
                                 not 2 <= len(mask) <= 3):
            raise ValueError(f"{describe(self)}: mask must be a list [query_mask, value_mask], "
                             f"got {mask!r}.")

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode,
                       "dropout": self.dropout, "seed": self.seed})
        return config
