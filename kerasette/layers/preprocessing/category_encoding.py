"""CategoryEncoding: integer category ids to one-hot, multi-hot or count vectors.

:func:`encode_categorical_inputs` is the one encoder every categorical preprocessing layer
uses (``Discretization``, ``Hashing``, the lookups, ``TextVectorization``)."""

import numpy as np

from kerasette import ops
from kerasette.layers.layer import Layer

OUTPUT_MODES = ("one_hot", "multi_hot", "count")


def encode_categorical_inputs(inputs, output_mode, depth, dtype, count_weights=None, idf=None):
    """Encodes the integer ids ``inputs`` (in ``[0, depth)``) as Keras 3 does.

    Args:
        inputs: an integer tensor; a scalar counts as one sample.
        output_mode: ``"int"`` (a cast), ``"one_hot"`` (a new last axis of size ``depth``; a
            trailing axis of size 1 is replaced), ``"multi_hot"``, ``"count"`` or
            ``"tf_idf"`` (the ids of a sample, its axis 1 for rank >= 2, become one vector
            of size ``depth``: 1 where an id occurs, its number of occurrences, or that
            number times ``idf``).
        depth: the number of categories.
        dtype: the output dtype.
        count_weights: for ``"count"``, a weight per input id summed instead of 1.
        idf: for ``"tf_idf"``, the inverse document frequency of each id (``(depth,)``).
    """
    if output_mode == "int":
        return ops.cast(inputs, dtype)
    if ops.ndim(inputs) == 0:
        inputs = ops.expand_dims(inputs, -1)
    shape = ops.shape(inputs)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            inputs = ops.squeeze(inputs, -1)
        return ops.one_hot(ops.cast(inputs, "int32"), depth, dtype=dtype)
    # the ids of one sample lie along axis 1 (axis 0 for a single rank-1 sample), as Keras
    axis = 1 if len(shape) > 1 else 0
    if count_weights is not None:
        dtype = ops.dtype(count_weights)
    encoded = ops.one_hot(ops.cast(inputs, "int32"), depth, dtype=dtype)
    if output_mode == "multi_hot":
        return ops.max(encoded, axis=axis)
    if count_weights is not None:
        encoded = ops.multiply(encoded, ops.expand_dims(count_weights, -1))
    counts = ops.sum(encoded, axis=axis)
    if output_mode == "tf_idf":
        return ops.multiply(counts, ops.cast(idf, dtype))
    return counts


def int64_dtype():
    """The dtype the active backend gives 64-bit integer data: int64, or int32 on jax while
    ``jax_enable_x64`` is off (as Keras 3's int64 outputs on JAX). Asking for int64 there
    would only warn and truncate."""
    return ops.dtype(ops.convert_to_tensor(np.zeros((), dtype="int64")))


def encoded_shape(input_shape, output_mode, depth):
    """The shape :func:`encode_categorical_inputs` gives for inputs of ``input_shape``."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)


class CategoryEncoding(Layer):
    """Encodes integer category ids as one-hot, multi-hot or count vectors.

    Runs inside compiled train steps on every backend (it is ops only).

    Args:
        num_tokens: the number of categories; inputs lie in ``[0, num_tokens)`` (an id out
            of range gives an all-zero row).
        output_mode: ``"multi_hot"`` (default: 1 for each id present in a sample, a sample
            being a row of a 2D input), ``"one_hot"`` (one vector per id) or ``"count"``
            (how often each id occurs in a sample). ``"binary"`` is an old name of
            ``"multi_hot"``.
        sparse: only False (sparse outputs are not supported).

    Example:
        >>> layer = kerasette.layers.CategoryEncoding(num_tokens=4, output_mode="count")
        >>> layer([[0, 1], [0, 0], [1, 2], [3, 1]])
        [[1., 1., 0., 0.], [2., 0., 0., 0.], [0., 1., 1., 0.], [0., 1., 0., 1.]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f'CategoryEncoding "{self.name}": unknown output_mode '
                             f"{output_mode!r}; expected one of {OUTPUT_MODES}.")
        if num_tokens is None or num_tokens < 1:
            raise ValueError(
                f'CategoryEncoding "{self.name}" needs num_tokens >= 1, got {num_tokens}; when '
                "the number of categories is not known beforehand, use IntegerLookup.")
        _refuse_sparse(self, sparse)
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f'CategoryEncoding "{self.name}": count_weights is only used '
                                 f'with output_mode="count", not {self.output_mode!r}.')
            count_weights = ops.cast(count_weights, self.compute_dtype)
        return encode_categorical_inputs(inputs, self.output_mode, self.num_tokens,
                                         self.compute_dtype, count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config


def _refuse_sparse(layer, sparse):
    """kerasette has no sparse tensors: ``sparse=True`` is refused, naming the layer."""
    if sparse:
        raise ValueError(f'{type(layer).__name__} "{layer.name}": sparse=True is not supported '
                         "(kerasette has no sparse tensors); use sparse=False.")
