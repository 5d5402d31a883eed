"""IntegerLookup: integer tokens to vocabulary indices (or back), Keras 3's rules.

The forward lookup is written with ops (a comparison against the vocabulary), so it runs
inside compiled train steps on every backend; ``adapt`` and ``invert`` work on the host.
"""

import numpy as np

from kerasette import ops
from kerasette.layers.preprocessing.index_lookup import _MASKED_OUT, IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integers to indices in a vocabulary, given or learned by ``adapt``.

    Index 0 is the mask token's (when ``mask_token`` is set and ``output_mode="int"``), the
    next ``num_oov_indices`` are for out-of-vocabulary integers (``value mod
    num_oov_indices``, or their FarmHash with ``oov_method="farmhash"``), then the
    vocabulary. With integer inputs and ``oov_method="floormod"`` the layer is ops only and
    runs inside compiled train steps.

    Args:
        max_tokens: the largest vocabulary ``adapt`` keeps, special tokens included.
        num_oov_indices: the number of OOV indices (default 1); 0 makes an OOV input an
            error (checked when the inputs can be read, i.e. outside a compiled step).
        mask_token: an integer mapped to index 0 (None, default: no mask index).
        oov_token: the integer ``invert`` gives for an OOV index (default -1).
        vocabulary: a list or 1D array of integers, or the path of a text file.
        vocabulary_dtype: only ``"int64"``.
        idf_weights: for ``output_mode="tf_idf"``, a weight per vocabulary entry.
        invert: map indices back to integers.
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"``, ``"count"`` or
            ``"tf_idf"``.
        sparse: only False.
        pad_to_max_tokens: encode to ``max_tokens`` entries instead of the vocabulary size.
        oov_method: ``"floormod"`` (default) or ``"farmhash"``.
        salt: with ``"farmhash"``, hash with SipHash keyed by it instead.

    Example:
        >>> layer = kerasette.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer([[12, 1138, 42], [42, 1000, 36]])
        [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f'IntegerLookup "{name}": only vocabulary_dtype="int64" is '
                             f"supported, got {vocabulary_dtype!r}.")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
                         salt=salt, name=name, **kwargs)

    def call(self, inputs):
        if self.invert or self.oov_method == "farmhash" or self.num_oov_indices == 0 \
                or isinstance(inputs, np.ndarray):
            return super().call(inputs)  # on the host
        self._check_vocabulary()
        return self._encode(self._lookup_with_ops(ops.convert_to_tensor(inputs)))

    def _lookup_with_ops(self, inputs):
        """The indices of ``inputs`` computed with ops: equal to the host lookup, and
        traceable (no host read)."""
        inputs = ops.cast(inputs, "int32")
        if self._tokens:
            vocabulary = ops.convert_to_tensor(np.asarray(self._tokens, dtype="int32"))
            matches = ops.equal(ops.expand_dims(inputs, -1), vocabulary)
            found = ops.any(matches, axis=-1)
            position = ops.argmax(ops.cast(matches, "int32"), axis=-1)
            known = ops.add(ops.cast(position, "int32"), self._token_start_index())
        else:
            found, known = ops.zeros_like(inputs, dtype="bool"), ops.zeros_like(inputs)
        oov = ops.add(ops.mod(inputs, self.num_oov_indices), self._oov_start_index())
        indices = ops.where(found, known, oov)
        if self.mask_token is not None:
            masked_index = 0 if self.output_mode == "int" else _MASKED_OUT
            indices = ops.where(ops.equal(inputs, int(self.mask_token)),
                                ops.full_like(indices, masked_index), indices)
        return indices

    def _invert_output(self, tokens):
        return ops.convert_to_tensor(tokens.astype("int64"))

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
