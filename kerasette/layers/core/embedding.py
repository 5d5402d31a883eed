"""Embedding: turns integer ids into dense vectors (rows of a learned table)."""

import warnings

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.layer import Layer


class Embedding(Layer):
    """Looks up row ``i`` of an ``(input_dim, output_dim)`` table for each integer ``i`` of the
    input: ``(batch, ...) -> (batch, ..., output_dim)``. The gradient of the table
    scatter-adds: a row used twice gets both gradients.

    Args:
        input_dim: the number of ids (ids run from 0 to ``input_dim - 1``).
        output_dim: the size of each vector.
        embeddings_initializer: initializer of the table (default "uniform", in
            ``[-0.05, 0.05]``).
        embeddings_regularizer: a penalty on the table added to the loss.
        embeddings_constraint: a projection applied to the table after each update.
        mask_zero: id 0 is padding: :meth:`compute_mask` returns ``inputs != 0``, the
            output carries that mask, and the layers after it that support masking leave
            the padding out (``input_dim`` should count the padding id).
        weights: an initial table (a list holding one array, or the array), as Keras allows.

    Example:
        >>> layer = kerasette.layers.Embedding(1000, 64)
        >>> layer(np.array([[4, 20, 7]])).shape
        (1, 3, 64)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Embedding: the argument `input_length` is deprecated and ignored in "
                          "Keras 3; remove it.", stacklevel=2)
        super().__init__(**kwargs)
        for argument, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f'Embedding "{self.name}": {argument} must be a positive integer, got '
                    f"{value!r}."
                )
        if lora_rank is not None or quantization_config is not None:
            raise NotImplementedError(
                f'Embedding "{self.name}": LoRA (lora_rank) and quantization '
                "(quantization_config) are not supported by kerasette."
            )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(name="embeddings",
                                          shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def call(self, inputs):
        if ops.dtype(inputs) not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        return ops.cast(ops.take(self.embeddings, inputs, axis=0), self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` when ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        })
        return config
