"""StringLookup: strings to vocabulary indices (or back), Keras 3's rules, on the host."""

from kerasette.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to integer indices in a vocabulary, given or learned by ``adapt``.

    Index 0 is the mask token's (when ``mask_token`` is set and ``output_mode="int"``), the
    next ``num_oov_indices`` are for out-of-vocabulary strings (spread over them by their
    FarmHash, or SipHash with ``salt``), then come the vocabulary's strings. The lookup runs
    on the host (numpy): apply the layer to the data (``dataset.map(layer)``, or
    ``layer(x)`` before ``fit``); inside a compiled jax step it raises an error naming the
    layer.

    Args:
        max_tokens: the largest vocabulary ``adapt`` keeps, special tokens included.
        num_oov_indices: the number of OOV indices (default 1); 0 makes an OOV input an
            error.
        mask_token: a token mapped to index 0 (None, default: no mask index).
        oov_token: the token ``invert`` gives for an OOV index (default ``"[UNK]"``).
        vocabulary: a list or 1D array of strings, or the path of a text file (one a line).
        idf_weights: for ``output_mode="tf_idf"``, a weight per vocabulary entry.
        invert: map indices back to strings.
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"``, ``"count"`` or
            ``"tf_idf"`` (see ``CategoryEncoding``; the counts are int64 as in Keras 3,
            TF-IDF is float32).
        pad_to_max_tokens: encode to ``max_tokens`` entries instead of the vocabulary size.
        sparse: only False.
        encoding: the text encoding of byte strings (default ``"utf-8"``).
        salt: an integer or two integers: hash OOV strings with SipHash keyed by it.

    Example:
        >>> layer = kerasette.layers.StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer([["a", "c", "d"], ["d", "z", "b"]])
        [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def _token(self, value):
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def _invert_output(self, tokens):
        # strings stay a numpy array of str on the host (backends have no string tensors)
        return tokens.astype(str) if tokens.size else tokens

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
