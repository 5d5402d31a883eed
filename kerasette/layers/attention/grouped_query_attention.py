"""GroupedQueryAttention (Ainslie et al. 2023): query heads share fewer key/value heads."""

import math

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.activations import Softmax
from kerasette.layers.argument_validation import describe
from kerasette.layers.attention.multi_head_attention import (
    HeadsAttention,
    fresh_initializer,
    quiet_about_masks,
    scaled_attention,
)
from kerasette.layers.core.dropout import Dropout
from kerasette.layers.core.einsum_dense import EinsumDense
from kerasette.layers.keras_tensor import KerasTensor


class GroupedQueryAttention(HeadsAttention):
    """Grouped-query attention: ``num_query_heads`` query heads in groups, each group
    sharing one of ``num_key_value_heads`` key/value heads (one: multi-query attention;
    as many as query heads: multi-head attention). Inputs are ``(B, T, dim)`` query and
    ``(B, S, dim)`` value (and key); the output has the query's shape.

    Args:
        head_dim: the size of each head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key/value heads, dividing ``num_query_heads``.
        dropout: dropout rate on the attention probabilities while training.
        use_bias: whether the projections have biases.
        sliding_window: when given, each query step sees only keys less than this many
            steps away.
        flash_attention: accepted for Keras compatibility; True raises (no flash kernel).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: multiply the heads by a sigmoid gate projected from the query.
        seed: the dropout's seed.

    Exported as ``kerasette.layers.GroupQueryAttention``, Keras 3's name, which its files
    also use (``_keras_class_name``); the class keeps Keras's own class name, whence the
    default layer name ``"grouped_query_attention"`` that weight paths in files use.

    Call arguments: as :class:`MultiHeadAttention` (query, value, key, the three masks,
    attention_mask, return_attention_scores, training, use_causal_mask).

    Example:
        >>> layer = kerasette.layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
        ...                                              num_key_value_heads=2)
        >>> x = np.random.rand(3, 5, 8).astype("float32")
        >>> layer(x, x).shape
        (3, 5, 8)
    """

    #: the class name Keras 3's files give this layer (its export name)
    _keras_class_name = "GroupQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if num_query_heads % num_key_value_heads:
            raise ValueError(f"{describe(self)}: num_query_heads ({num_query_heads}) must be a "
                             f"multiple of num_key_value_heads ({num_key_value_heads}).")
        if sliding_window is not None and (isinstance(sliding_window, bool) or
                                           not isinstance(sliding_window, int) or
                                           sliding_window <= 0):
            raise ValueError(f"{describe(self)}: sliding_window must be None or a positive "
                             f"integer, got {sliding_window!r}.")
        if flash_attention:
            raise ValueError(f"{describe(self)}: flash_attention=True is not supported by "
                             "kerasette (no flash kernel); pass None or False.")
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    def _projection(self, equation, output_shape, bias_axes, name, activation=None):
        projection = EinsumDense(equation, output_shape=output_shape,
                                 bias_axes=bias_axes if self.use_bias else None,
                                 activation=activation, name=name,
                                 kernel_initializer=fresh_initializer(self.kernel_initializer),
                                 bias_initializer=fresh_initializer(self.bias_initializer),
                                 kernel_regularizer=self.kernel_regularizer,
                                 bias_regularizer=self.bias_regularizer,
                                 activity_regularizer=self.activity_regularizer,
                                 kernel_constraint=self.kernel_constraint,
                                 bias_constraint=self.bias_constraint, dtype=self.dtype_policy)
        return quiet_about_masks(projection)

    def build(self, query_shape, value_shape, key_shape=None):
        """Creates the projections for inputs of these shapes (batch included)."""
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        query_heads = (None, self.num_query_heads, self.head_dim)
        value_heads = (None, self.num_key_value_heads, self.head_dim)
        self._query_dense = self._projection("bqm,muh->bquh", query_heads, "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", value_heads, "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("bqm,muh->bquh", query_heads, "uh", "gate",
                                                activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection("bkm,mvh->bkvh", value_heads, "vh", "value")
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, dtype=self.dtype_policy, seed=self.seed)
        self._dot_product_equation = "bkuh,bquh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"
        self._output_dense = self._projection("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                              "attention_output")
        self._output_dense.build((None, None, self.num_query_heads, self.head_dim))
        self._remember_build_shapes(query_shape, value_shape, key_shape)

    build._builds_by_calling = True  # on the first call (HeadsAttention)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        self._build_on_first_call(query, value, key)
        key = value if key is None else key
        attention_mask, causal_only = self._call_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            self.sliding_window)
        gate = self._gate_dense(query) if self.use_gate else None
        query = self._query_dense(query)
        # each key/value head serves num_repeats consecutive query heads
        key = ops.repeat(self._key_dense(key), self.num_repeats, axis=2)
        value = ops.repeat(self._value_dense(value), self.num_repeats, axis=2)
        output, scores = scaled_attention(self, query, key, value, attention_mask, training,
                                          return_attention_scores, causal_only,
                                          self._inverse_sqrt_head_dim, self.dropout, 1)
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        return (output, scores) if return_attention_scores else output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape)

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        self._build_on_first_call(query, value, key)
        output = KerasTensor(tuple(query.shape), self.compute_dtype)
        if not return_attention_scores:
            return output
        return output, self._scores_spec(query, value, self.num_query_heads)

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "dropout": self.dropout,
            "sliding_window": self.sliding_window,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config
