"""MultiHeadAttention (Vaswani et al. 2017), and the masking and scoring it shares with
GroupedQueryAttention."""

import math
import string

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.activations import Softmax
from kerasette.layers.argument_validation import describe
from kerasette.layers.core.dropout import Dropout
from kerasette.layers.core.einsum_dense import EinsumDense
from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.layer import Layer
from kerasette.layers.tracking import untracked


# ---------------------------------------------------------------------------- masks
def causal_mask(query_length, value_length):
    """``(1, T, S)`` booleans: query ``t`` may attend to keys ``s <= t``."""
    rows = ops.reshape(ops.arange(query_length, dtype="int32"), (1, query_length, 1))
    columns = ops.reshape(ops.arange(value_length, dtype="int32"), (1, 1, value_length))
    return ops.greater_equal(rows, columns)


def sliding_window_mask(query_length, value_length, window):
    """``(1, T, S)`` booleans: query ``t`` may attend to keys with ``|t - s| < window``."""
    rows = ops.reshape(ops.arange(query_length, dtype="int32"), (1, query_length, 1))
    columns = ops.reshape(ops.arange(value_length, dtype="int32"), (1, 1, value_length))
    return ops.less(ops.abs(ops.subtract(rows, columns)), window)


def combined_attention_mask(query, value, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, use_causal_mask=False, sliding_window=None):
    """The boolean ``(B, T, S)`` mask of which query step attends to which key step (None:
    all): the explicit ``attention_mask`` and'ed with what the inputs' own masks (query
    ``(B, T)``, value and key ``(B, S)``), causality and a sliding window allow."""
    masks = []
    if query_mask is not None:
        masks.append(ops.expand_dims(ops.cast(query_mask, "bool"), -1))
    for mask in (value_mask, key_mask):
        if mask is not None:
            masks.append(ops.expand_dims(ops.cast(mask, "bool"), -2))
    query_length, value_length = ops.shape(query)[1], ops.shape(value)[1]
    if use_causal_mask:
        masks.append(causal_mask(query_length, value_length))
    if sliding_window is not None:
        masks.append(sliding_window_mask(query_length, value_length, sliding_window))
    if attention_mask is not None:
        masks.insert(0, ops.cast(attention_mask, "bool"))
    if not masks:
        return None
    combined = masks[0]
    for mask in masks[1:]:
        combined = ops.logical_and(combined, mask)
    return combined


def only_causal(use_causal_mask, sliding_window, *masks):
    """Whether causality is the only masking (then the fused attention op applies it)."""
    return use_causal_mask and sliding_window is None and all(m is None for m in masks)


# ---------------------------------------------------------------------------- einsum equations
def projection_equation(free_dims, bound_dims, output_dims):
    """``(equation, bias_axes, output_rank)`` of an EinsumDense that keeps ``free_dims``
    leading axes, contracts ``bound_dims`` and produces ``output_dims`` new ones."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    produced = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{produced}->{free}{produced}", produced, free_dims + output_dims


def attention_equations(rank, attention_axes):
    """``(scores equation, combine equation, scores rank)`` for projected tensors of
    ``rank`` (batch, attended axes..., heads, head size): the scores are ``(batch dims,
    heads, query attended axes, key attended axes)``."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    spare = iter(letters[rank:])
    source = "".join(target[i] if i in batch_dims or i == rank - 1 else next(spare)
                     for i in range(rank))
    product = ("".join(target[i] for i in batch_dims)
               + "".join(target[i] for i in attention_axes)
               + "".join(source[i] for i in attention_axes))
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


# ---------------------------------------------------------------------------- the layer
_PUBLIC_PROJECTIONS = ("_query_dense", "_key_dense", "_value_dense", "_output_dense")


class HeadsAttention(Layer):
    """What the multi-head layers (MultiHeadAttention, GroupedQueryAttention) share: they
    build on their first call, from the shapes of query, value and key (the base class
    would build with the query's alone); a file's ``build_config`` holds those shapes
    (``shapes_dict``, as Keras writes it); and a call's masks combine the same way."""

    _query_dense = None

    def _build_on_first_call(self, query, value, key):
        if self._query_dense is None:
            self.build(tuple(query.shape), tuple(value.shape),
                       None if key is None else tuple(key.shape))

    def _remember_build_shapes(self, query_shape, value_shape, key_shape):
        """Keeps the shapes the layer was built for (a file's ``shapes_dict``); marks it built."""
        with untracked(self):
            self._build_shapes = {"query_shape": tuple(query_shape),
                                  "value_shape": tuple(value_shape)}
            if key_shape is not value_shape:
                self._build_shapes["key_shape"] = tuple(key_shape)
        self.built = True

    def build_from_config(self, config):
        """Builds from a file's ``build_config``: Keras writes ``shapes_dict`` (the shapes of
        query, value and key)."""
        shapes = config.get("shapes_dict") if isinstance(config, dict) else None
        if shapes:
            self.build(**{name: tuple(shape) for name, shape in shapes.items()})
        else:
            super().build_from_config(config)

    def _call_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                   use_causal_mask, sliding_window):
        """``(attention_mask, causal_only)`` for a call: the combined mask, or None and
        True when causality is the only mask (the fused op applies it itself)."""
        if only_causal(use_causal_mask, sliding_window, query_mask, value_mask, key_mask,
                       attention_mask):
            return None, True
        return combined_attention_mask(query, value, query_mask, value_mask, key_mask,
                                       attention_mask, use_causal_mask, sliding_window), False

    def _scores_spec(self, query, value, heads):
        """The symbolic ``(B, heads, T, S)`` attention scores."""
        return KerasTensor((query.shape[0], heads, query.shape[1], value.shape[1]),
                           self.compute_dtype)


class MultiHeadAttention(HeadsAttention):
    """Multi-head attention: ``query``, ``key`` and ``value`` are projected into
    ``num_heads`` heads, each attends with scaled dot products, and the heads are projected
    back (``output_shape``, default the query's last dimension).

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention probabilities while training.
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (default: the query's last dimension).
        attention_axes: the axes attention runs over (default: all but batch, heads and
            features, i.e. the sequence axis of ``(B, T, dim)`` inputs).
        sliding_window: when given, each query step sees only keys less than this many
            steps away.
        flash_attention: accepted for Keras compatibility; True raises (no flash kernel).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: multiply the heads by a sigmoid gate projected from the query.
        seed: the dropout's seed.

    Call arguments:
        query ``(B, T, dim)``, value ``(B, S, dim)``, key (default: value); query/value/key
        masks (default: the inputs' own Keras masks, e.g. from ``Embedding(mask_zero=True)``);
        attention_mask ``(B, T, S)`` booleans (True: attend); return_attention_scores;
        training; use_causal_mask.

    Example:
        >>> layer = kerasette.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        >>> x = np.random.rand(3, 5, 8).astype("float32")
        >>> layer(x, x).shape
        (3, 5, 8)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        for argument, value in (("num_heads", num_heads), ("key_dim", key_dim),
                                ("value_dim", value_dim), ("sliding_window", sliding_window)):
            if value is None and argument in ("value_dim", "sliding_window"):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{describe(self)}: {argument} must be a positive integer, "
                                 f"got {value!r}.")
        if flash_attention:
            raise ValueError(f"{describe(self)}: flash_attention=True is not supported by "
                             "kerasette (no flash kernel); pass None or False.")
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            output_shape = ((output_shape,) if isinstance(output_shape, int)
                            else tuple(output_shape))
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"{describe(self)}: attention_axes must be an int, a list or a "
                             f"tuple, got {attention_axes!r}.")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._sliding_window = sliding_window
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads, doc="The number of heads.")
    key_dim = property(lambda self: self._key_dim, doc="The query/key head size.")
    value_dim = property(lambda self: self._value_dim, doc="The value head size.")
    dropout = property(lambda self: self._dropout, doc="The attention dropout rate.")
    use_bias = property(lambda self: self._use_bias, doc="Whether projections have biases.")
    attention_axes = property(lambda self: self._attention_axes,
                              doc="The axes attention runs over.")

    query_dense = property(lambda self: self._query_dense, doc="The query projection.")
    key_dense = property(lambda self: self._key_dense, doc="The key projection.")
    value_dense = property(lambda self: self._value_dense, doc="The value projection.")
    output_dense = property(lambda self: self._output_dense, doc="The output projection.")

    def _saveable_children(self):
        # a Keras weights file reaches the projections through the public properties above
        # (it walks public names first), so their paths say "query_dense", not "_query_dense"
        return [(name.lstrip("_") if name in _PUBLIC_PROJECTIONS else name, value)
                for name, value in super()._saveable_children()]

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config

    # ------------------------------------------------------------------ build
    def _sublayer_arguments(self):
        """What every projection gets: the layer's initializers (fresh copies, so the
        projections draw different values), penalties, constraints and dtype policy."""
        return dict(kernel_initializer=fresh_initializer(self._kernel_initializer),
                    bias_initializer=fresh_initializer(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype_policy)

    def _projection(self, input_rank, bound_dims, output_shape, name, activation=None):
        equation, bias_axes, output_rank = projection_equation(input_rank - 1, bound_dims,
                                                               len(output_shape))
        projection = EinsumDense(equation,
                                 output_shape=[None] * (output_rank - 1 - len(output_shape))
                                 + list(output_shape),
                                 bias_axes=bias_axes if self._use_bias else None,
                                 activation=activation, name=name, **self._sublayer_arguments())
        return quiet_about_masks(projection)

    def build(self, query_shape, value_shape, key_shape=None):
        """Creates the projections for inputs of these shapes (batch included)."""
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"{describe(self)}: value and key must agree on every axis but "
                             f"the last, got value shape {tuple(value_shape)} and key shape "
                             f"{tuple(key_shape)}.")
        heads = [self._num_heads, self._key_dim]
        self._query_dense = self._projection(len(query_shape), 1, heads, "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(len(key_shape), 1, heads, "key")
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(len(query_shape), 1,
                                                [self._num_heads, self._value_dim], "gate",
                                                activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection(len(value_shape), 1,
                                             [self._num_heads, self._value_dim], "value")
        self._value_dense.build(value_shape)
        rank = len(value_shape) + 1  # the projected rank: heads added
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else rank - 1 + a
                                         for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = attention_equations(
            rank, self._attention_axes)
        self._softmax = Softmax(axis=tuple(range(scores_rank - len(self._attention_axes),
                                                 scores_rank)), dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy,
                                      seed=self.seed)
        output_shape = self._output_shape or [query_shape[-1]]
        self._output_dense = self._projection(len(query_shape), 2, output_shape,
                                              "attention_output")
        heads_shape = list(self._query_dense.compute_output_shape(query_shape))
        heads_shape[-1] = self._value_dim
        self._output_dense.build(tuple(heads_shape))
        self._remember_build_shapes(query_shape, value_shape, key_shape)

    build._builds_by_calling = True  # on the first call (HeadsAttention)

    # ------------------------------------------------------------------ call
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        self._build_on_first_call(query, value, key)
        key = value if key is None else key
        attention_mask, causal_only = self._call_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            self._sliding_window)
        gate = self._gate_dense(query) if self._use_gate else None
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        output, scores = self._compute_attention(
            query, key, value, attention_mask, training, return_attention_scores,
            use_causal_mask=causal_only)
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """``(output, scores)`` from the projected ``(B, ..., heads, size)`` tensors."""
        return scaled_attention(self, query, key, value, attention_mask, training,
                                return_attention_scores, use_causal_mask,
                                self._inverse_sqrt_key_dim, self._dropout,
                                len(self._attention_axes))

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None and key_shape is not None and (
                tuple(value_shape[1:-1]) != tuple(key_shape[1:-1])):
            raise ValueError(f"{describe(self)}: value and key must agree on every axis but "
                             f"the last, got value shape {tuple(value_shape)} and key shape "
                             f"{tuple(key_shape)}.")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False):
        self._build_on_first_call(query, value, key)
        output = KerasTensor(self.compute_output_shape(
            query.shape, value.shape, None if key is None else key.shape), self.compute_dtype)
        if not return_attention_scores:
            return output
        return output, self._scores_spec(query, value, self._num_heads)


def scaled_attention(layer, query, key, value, attention_mask, training,
                     return_attention_scores, use_causal_mask, scale, dropout, attended_axes):
    """``(output, scores)`` of attention heads, shared by the multi-head layers: ``query``,
    ``key``, ``value`` are projected ``(B, ..., heads, size)`` tensors and ``layer`` holds
    the equations, softmax and dropout its build made (``_dot_product_equation`` (key,
    query -> scores), ``_combine_equation``, ``_softmax``, ``_dropout_layer``).

    As in Keras: the fused ``dot_product_attention`` when it can serve (rank-4 heads, no
    dropout, no scores asked; then scores is None, and a query step masked throughout
    attends uniformly), else an einsum and a masked softmax (that step gets all-zero
    probabilities). ``use_causal_mask`` here means causality is the only mask."""
    if dropout == 0.0 and not return_attention_scores and len(ops.shape(query)) == 4:
        if attention_mask is not None:
            attention_mask = ops.cast(expand_mask(attention_mask, 4, attended_axes), "bool")
        return ops.dot_product_attention(query, key, value, mask=attention_mask, scale=scale,
                                         is_causal=use_causal_mask), None
    if use_causal_mask:
        attention_mask = causal_mask(ops.shape(query)[1], ops.shape(value)[1])
    query = ops.multiply(query, ops.cast(scale, ops.dtype(query)))
    scores = ops.einsum(layer._dot_product_equation, key, query)
    if attention_mask is not None:
        attention_mask = expand_mask(attention_mask, len(ops.shape(scores)), attended_axes)
    scores = layer._softmax(scores, mask=attention_mask)
    dropped = layer._dropout_layer(scores, training=training) if dropout > 0 else scores
    return ops.einsum(layer._combine_equation, dropped, value), scores


def expand_mask(mask, scores_rank, attended_axes):
    """``mask`` (batch dims, query steps, key steps) with unit axes inserted before its
    query/key axes until it has ``scores_rank`` dims (the heads axis, for one)."""
    for _ in range(scores_rank - len(mask.shape)):
        mask = ops.expand_dims(mask, -2 * attended_axes - 1)
    return mask


def quiet_about_masks(projection):
    """``projection`` (a sublayer applied to an input that may carry a mask) passing the
    mask on to its output instead of warning that it drops it: the attention layer reads
    the inputs' masks itself. (Keras removes the masks from the inputs instead, so calling
    its layer twice on the same tensors masks only the first time; kerasette leaves the
    inputs as they are.)"""
    projection.supports_masking = True
    return projection


def fresh_initializer(initializer):
    """A new initializer of the same configuration (a shared one would draw again from the
    same seed)."""
    return type(initializer).from_config(initializer.get_config())
