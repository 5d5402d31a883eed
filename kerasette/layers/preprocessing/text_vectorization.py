"""TextVectorization: text to token indices or vectors, Keras 3's rules, on the host."""

import re

import numpy as np

from kerasette.layers.preprocessing.host_layer import HostPreprocessingLayer, adapt_batches
from kerasette.layers.preprocessing.string_lookup import StringLookup
from kerasette.serialization.serialization_lib import deserialize_keras_object

STANDARDIZE_MODES = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT_MODES = ("whitespace", "character")
# TensorFlow's ``strings.lower`` (what Keras 3 uses) lowercases ASCII letters only
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# the characters Keras 3 strips (its regex class)
_PUNCTUATION = re.compile(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~']")
# tf.strings.split's whitespace (ASCII)
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")


class TextVectorization(HostPreprocessingLayer):
    """Turns strings into sequences of token indices, or into one vector per string.

    Each string is standardized, split into tokens, optionally turned into n-grams, and
    looked up in a vocabulary given or learned by ``adapt`` (index 0 is padding, 1 the OOV
    token ``"[UNK]"``). The work happens on the host (numpy), as Keras 3 does it with
    TensorFlow outside the compiled model: apply the layer to the data
    (``dataset.map(layer)``, or ``layer(x)`` before ``fit``).

    Args:
        max_tokens: the largest vocabulary ``adapt`` keeps, padding and OOV included.
        standardize: ``"lower_and_strip_punctuation"`` (default), ``"lower"`` (ASCII
            letters, as TensorFlow), ``"strip_punctuation"``, None, or a callable taking a
            numpy array of strings and returning one.
        split: ``"whitespace"`` (default), ``"character"``, None (each string is one token),
            or a callable taking a 1D numpy array of strings and returning one list of tokens
            per string.
        ngrams: None, an integer ``n`` (the 1- to n-grams) or a tuple of n-gram widths.
        output_mode: ``"int"`` (default: token indices, padded with 0 to the longest
            string, or to ``output_sequence_length``), ``"one_hot"``, ``"multi_hot"``,
            ``"count"`` or ``"tf_idf"`` (one vector per string).
        output_sequence_length: with ``"int"``, pad or cut every sequence to this length.
        pad_to_max_tokens: encode to ``max_tokens`` entries instead of the vocabulary size.
        vocabulary: a list of strings or the path of a text file (one a line).
        idf_weights: for ``"tf_idf"``, a weight per vocabulary entry.
        sparse, ragged: only False.
        encoding: the text encoding of byte strings (default ``"utf-8"``).

    Example:
        >>> layer = kerasette.layers.TextVectorization(output_sequence_length=4,
        ...                                            vocabulary=["earth", "wind", "and", "fire"])
        >>> layer(["Earth, wind and fire!", "the fire"])
        [[2, 3, 4, 5], [1, 5, 0, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        where = f'TextVectorization "{name}"' if name else "TextVectorization"
        if not (standardize is None or callable(standardize)
                or standardize in STANDARDIZE_MODES):
            raise ValueError(f"{where}: standardize must be None, a callable or one of "
                             f"{STANDARDIZE_MODES}, got {standardize!r}.")
        if not (split is None or callable(split) or split in SPLIT_MODES):
            raise ValueError(f"{where}: split must be None, a callable or one of "
                             f"{SPLIT_MODES}, got {split!r}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int)
                or (isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError(f"{where}: ngrams must be None, an integer or a tuple of integers, "
                             f"got {ngrams!r}.")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"{where}: output_sequence_length is only used with "
                             f'output_mode="int", not {output_mode!r}.')
        if output_mode == "int" and not (output_sequence_length is None
                                         or isinstance(output_sequence_length, int)):
            raise ValueError(f"{where}: output_sequence_length must be None or an integer, "
                             f"got {output_sequence_length!r}.")
        if ragged:
            raise ValueError(f"{where}: ragged=True is not supported (kerasette has no ragged "
                             "tensors); sequences are padded with 0.")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._ragged = ragged
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, has_input_vocabulary=has_input_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size)

    # ------------------------------------------------------------------ text to tokens
    def _standardized(self, texts):
        if callable(self._standardize):
            return np.asarray(self._standardize(texts.astype(str)), dtype=object)
        def standardize(text):
            if self._standardize in ("lower", "lower_and_strip_punctuation"):
                text = text.translate(_ASCII_LOWER)
            if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
                text = _PUNCTUATION.sub("", text)
            return text
        if self._standardize is None:
            return texts
        return np.vectorize(standardize, otypes=[object])(texts) if texts.size else texts

    def _split_texts(self, texts):
        """One list of tokens per string of ``texts`` (1D)."""
        if callable(self._split):
            return [[str(t) for t in tokens] for tokens in self._split(texts.astype(str))]
        if self._split == "whitespace":
            return [[t for t in _WHITESPACE.split(text) if t] for text in texts]
        return [list(text) for text in texts]  # "character": Unicode code points

    def _with_ngrams(self, tokens):
        grams = []
        for width in self._ngrams:
            grams.extend(" ".join(tokens[i:i + width]) for i in range(len(tokens) - width + 1))
        return grams

    def _preprocess(self, inputs):
        """The token matrix of ``inputs``: one row per string, padded with the mask token
        "" (index 0), or the standardized strings themselves when ``split`` is None."""
        texts = self.host_array(inputs)
        texts = np.asarray(texts, dtype=object)
        texts = self._standardized(texts)
        if self._split is None:
            if self._ngrams is not None:
                texts = np.asarray([self._with_ngrams(list(row)) for row in
                                    np.atleast_2d(texts)], dtype=object)
            return texts
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError(
                    f'TextVectorization "{self.name}": to split strings into tokens the input '
                    f"must have rank 1 or a last dimension of 1, got shape {texts.shape}.")
            texts = texts[..., 0]
        texts = np.atleast_1d(texts)
        rows = self._split_texts(texts)
        if self._ngrams is not None:
            rows = [self._with_ngrams(row) for row in rows]
        width = max((len(row) for row in rows), default=0)
        matrix = np.full((len(rows), width), "", dtype=object)
        for i, row in enumerate(rows):
            matrix[i, :len(row)] = row
        return matrix

    # ------------------------------------------------------------------ call
    def call(self, inputs):
        tokens = self._preprocess(inputs)
        if self._output_mode == "int" and self._output_sequence_length is not None \
                and tokens.ndim >= 1:
            length = self._output_sequence_length
            tokens = tokens[..., :length]
            padding = [(0, 0)] * (tokens.ndim - 1) + [(0, length - tokens.shape[-1])]
            tokens = np.pad(tokens, padding, constant_values="")
        return self._lookup_layer(tokens)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    # ------------------------------------------------------------------ vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from ``data`` (strings: an array or list, or an iterable of
        batches), after standardizing, splitting and n-grams: tokens by decreasing count,
        ties broken by the larger token first, cut to ``max_tokens``."""
        self.reset_state()
        for batch in adapt_batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with ``include_special_tokens`` (default) it starts with the
        padding token "" and the OOV token, and a token's position is its index."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The size of the vocabulary, padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and for ``"tf_idf"`` the IDF weights), as ``StringLookup``."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------------ config and saving
    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer
        config.update({
            "max_tokens": lookup.max_tokens, "standardize": self._standardize,
            "split": self._split, "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": lookup.sparse,
            "ragged": self._ragged, "vocabulary": lookup.get_config()["vocabulary"],
            "idf_weights": lookup.get_config()["idf_weights"], "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str) \
                    and not callable(config[key]):
                config[key] = deserialize_keras_object(config[key])
        return cls(**config)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        """Writes an adapted vocabulary to ``dir_path/vocabulary.txt``, as Keras 3."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        """Reads the vocabulary :meth:`save_assets` wrote."""
        self._lookup_layer.load_assets(dir_path)
