"""Hashing: strings or integers to bins by a stable hash (Keras 3's FarmHash / SipHash bins)."""

import numpy as np

from kerasette import ops
from kerasette.layers.preprocessing.category_encoding import (
    _refuse_sparse,
    encode_categorical_inputs,
    encoded_shape,
)
from kerasette.layers.preprocessing.farmhash import fingerprint64, siphash64
from kerasette.layers.preprocessing.host_layer import HostPreprocessingLayer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def hash_to_bins(values, num_bins, salt=None):
    """The bin in ``[0, num_bins)`` of each item of ``values`` (a numpy array of strings,
    integers or floats), as TensorFlow's ``to_hash_bucket_fast`` (FarmHash Fingerprint64) or,
    with ``salt`` (two integers), ``to_hash_bucket_strong`` (SipHash-2-4): numbers are
    hashed as their decimal text, floats truncated to integers first, as Keras 3 does."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        values = values.astype("int64")

    def text(value):
        if isinstance(value, bytes):
            return value
        if isinstance(value, (int, np.integer)):
            return str(int(value)).encode()
        return str(value).encode("utf-8")

    if salt is None:
        bins = [fingerprint64(text(v)) % num_bins for v in values.reshape(-1)]
    else:
        bins = [siphash64(salt, text(v)) % num_bins for v in values.reshape(-1)]
    return np.asarray(bins, dtype="int64").reshape(values.shape)


class Hashing(HostPreprocessingLayer):
    """Hashes strings or integers into ``num_bins`` bins, stable across runs and platforms.

    The bins are Keras 3's: FarmHash ``Fingerprint64`` of the value (integers as their
    decimal text), or SipHash-2-4 keyed by ``salt``. The hashing runs on the host (numpy):
    apply the layer to the data, or call it eagerly; inside a compiled jax step it raises
    an error naming the layer.

    Args:
        num_bins: the number of bins, the mask bin included when ``mask_value`` is set.
        mask_value: a value mapped to bin 0 (the others then use bins 1 to
            ``num_bins - 1``); None (default) for no mask bin.
        salt: None (FarmHash), an integer (SipHash keyed by ``[salt, salt]``) or two
            integers (the SipHash key).
        output_mode: ``"int"`` (default: the bin, int64), ``"one_hot"``, ``"multi_hot"`` or
            ``"count"`` (see ``CategoryEncoding``).
        sparse: only False.

    Example:
        >>> layer = kerasette.layers.Hashing(num_bins=3)
        >>> layer([["A"], ["B"], ["C"], ["D"], ["E"]])
        [[1], [0], [1], [1], [2]]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f'Hashing "{self.name}": num_bins must be a positive integer, got '
                             f"{num_bins}.")
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f'Hashing "{self.name}": unknown output_mode {output_mode!r}; '
                             f"expected one of {OUTPUT_MODES}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f'Hashing "{self.name}": output_mode="int" needs an integer dtype '
                             f"(int32 or int64), got {self.dtype!r}.")
        _refuse_sparse(self, sparse)
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.output_mode = output_mode
        self.sparse = sparse
        if salt is None or (isinstance(salt, (list, tuple)) and len(salt) == 2):
            self.salt = None if salt is None else list(salt)
        elif isinstance(salt, int):
            self.salt = [salt, salt]
        else:
            raise ValueError(f'Hashing "{self.name}": salt must be an integer or two integers, '
                             f"got {salt!r}.")

    def bins(self, values):
        """The bins of ``values`` (a numpy array) as an int64 numpy array."""
        if self.mask_value is None or self.num_bins == 1:
            return hash_to_bins(values, self.num_bins, self.salt)
        masked = values == self.mask_value
        return np.where(masked, 0, hash_to_bins(values, self.num_bins - 1, self.salt) + 1)

    def call(self, inputs):
        values = self.host_array(inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self.bins(values)
        if self.output_mode == "int":
            return ops.convert_to_tensor(bins.astype(self.dtype))
        return encode_categorical_inputs(ops.convert_to_tensor(bins), self.output_mode,
                                         self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
