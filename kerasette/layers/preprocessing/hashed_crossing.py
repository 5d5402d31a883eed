"""HashedCrossing: crosses categorical features into hashed bins (Keras 3's bins)."""

import numpy as np

from kerasette import ops
from kerasette.layers.preprocessing.category_encoding import (
    _refuse_sparse,
    encode_categorical_inputs,
)
from kerasette.layers.preprocessing.farmhash import (
    CROSS_HASH_KEY,
    fingerprint64,
    fingerprint_cat64,
)
from kerasette.layers.preprocessing.host_layer import HostPreprocessingLayer

_MASK = (1 << 64) - 1


class HashedCrossing(HostPreprocessingLayer):
    """Crosses two or more scalar features (strings or integers) and hashes each combination
    into ``num_bins`` bins, as Keras 3 (TensorFlow's ``sparse.cross_hashed``): a string is
    fingerprinted with FarmHash, an integer used as it is, and the fingerprints are chained
    with ``FingerprintCat64``. Runs on the host (numpy): apply it to the data.

    Args:
        num_bins: the number of bins.
        output_mode: ``"int"`` (default: the bin, int64) or ``"one_hot"``.
        sparse: only False.

    Example:
        >>> layer = kerasette.layers.HashedCrossing(num_bins=5)
        >>> layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])))
        [1, 4, 1, 1, 3]
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f'HashedCrossing "{self.name}": unknown output_mode '
                             f'{output_mode!r}; expected "int" or "one_hot".')
        _refuse_sparse(self, sparse)
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    def _check(self, features):
        if not isinstance(features, (list, tuple)) or len(features) < 2:
            raise ValueError(f'HashedCrossing "{self.name}" crosses two or more features: call '
                             f"it on a list or tuple of them, got {type(features).__name__}.")
        shape = features[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f'HashedCrossing "{self.name}": each feature must have shape (), '
                             f"(batch_size,) or (batch_size, 1), got {shape}.")
        for feature in features[1:]:
            if feature.shape != shape:
                raise ValueError(f'HashedCrossing "{self.name}": the features must have equal '
                                 f"shapes, got {[f.shape for f in features]}.")
        for feature in features:
            if feature.dtype.kind not in "iuUSO":
                raise ValueError(f'HashedCrossing "{self.name}": features must be integers or '
                                 f"strings, got dtype {feature.dtype}.")

    def call(self, inputs):
        features = [self.host_array(x) for x in inputs] if isinstance(inputs, (list, tuple)) \
            else inputs
        self._check(features)
        shape = features[0].shape
        columns = [f.reshape(-1) for f in features]
        bins = []
        for row in zip(*columns):
            crossed = CROSS_HASH_KEY
            for value in row:
                if isinstance(value, (str, bytes)):
                    value = fingerprint64(value.encode("utf-8") if isinstance(value, str)
                                          else value)
                crossed = fingerprint_cat64(crossed, int(value) & _MASK)
            bins.append(crossed % self.num_bins)
        bins = np.asarray(bins, dtype="int64").reshape(shape)
        if self.output_mode == "int":
            return ops.convert_to_tensor(bins.astype(self.dtype))
        return encode_categorical_inputs(ops.convert_to_tensor(bins), self.output_mode,
                                         self.num_bins, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] == 1:
            return shape[:-1] + (self.num_bins,)
        return shape + (self.num_bins,)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
