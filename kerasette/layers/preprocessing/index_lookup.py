"""IndexLookup: the vocabulary machinery shared by ``StringLookup`` and ``IntegerLookup``.

The rules are Keras 3's: indices start with the mask index (0, when ``mask_token`` is set
and ``output_mode="int"``), then ``num_oov_indices`` OOV indices, then the vocabulary;
``adapt`` orders the vocabulary by count, ties broken by the larger token first; an OOV
token goes to its OOV index by ``floormod`` (integers) or by its FarmHash / SipHash bucket
(strings); the vocabulary learned by ``adapt`` is saved as the asset ``vocabulary.txt`` and
TF-IDF weights as the variable ``idf_weights``, where Keras 3 saves them.
"""

import collections
import os

import numpy as np

from kerasette import ops
from kerasette.layers.preprocessing.category_encoding import (
    _refuse_sparse,
    encode_categorical_inputs,
    encoded_shape,
    int64_dtype,
)
from kerasette.layers.preprocessing.hashing import hash_to_bins
from kerasette.layers.preprocessing.host_layer import HostPreprocessingLayer, adapt_batches
from kerasette.serialization.serialization_lib import in_safe_mode

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
# where a masked token goes when the output is an encoding: past every index, so that its
# one-hot row is all zeros (Keras 3 uses the largest int64)
_MASKED_OUT = np.iinfo("int32").max


class IndexLookup(HostPreprocessingLayer):
    """Maps tokens to indices in a vocabulary (or back, with ``invert``).

    Subclassed by ``StringLookup`` and ``IntegerLookup``, which document the arguments.
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        where = f'{type(self).__name__} "{name}"' if name else type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{where}: max_tokens must be greater than 1, got {max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: pad_to_max_tokens=True needs max_tokens.")
        if num_oov_indices < 0:
            raise ValueError(f"{where}: num_oov_indices must be >= 0, got {num_oov_indices}.")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f'{where}: oov_method must be "floormod" or "farmhash", got '
                             f"{oov_method!r}.")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f'{where}: salt is only used with oov_method="farmhash".')
            if isinstance(salt, (list, tuple)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"{where}: salt must be an integer or two integers, got "
                                 f"{salt!r}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{where}: unknown output_mode {output_mode!r}; expected one of "
                             f"{OUTPUT_MODES}.")
        if invert and output_mode != "int":
            raise ValueError(f'{where}: invert=True needs output_mode="int", got '
                             f"{output_mode!r}.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f'{where}: idf_weights are only used with output_mode="tf_idf", '
                             f"not {output_mode!r}.")
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"{where}: unrecognized keyword argument(s) {sorted(kwargs)}.")
        super().__init__(name=name)
        _refuse_sparse(self, sparse)
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens = []         # the vocabulary, special tokens excluded
        self._index = {}          # token -> index
        self.idf_weights = None   # numpy (vocabulary_size,) for "tf_idf"
        self._reset_counts()
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError(f'{where}: with a vocabulary and output_mode="tf_idf", pass '
                             "idf_weights too.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------------ indices
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def vocabulary_size(self):
        """The size of the vocabulary, the mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with ``include_special_tokens`` (default) a token's position is
        its index (the mask token first, then the OOV token(s))."""
        vocabulary = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocabulary[0] = self.mask_token
        if not include_special_tokens:
            vocabulary = vocabulary[self._token_start_index():]
        return vocabulary

    def _token(self, value):
        """A vocabulary entry as the Python value the layer compares inputs with."""
        if self.vocabulary_dtype == "string":
            return value.decode("utf-8") if isinstance(value, bytes) else str(value)
        return int(value)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list or 1D array of tokens, or the path of a text file with
        one token a line), and for ``output_mode="tf_idf"`` the IDF weight of each token.
        The vocabulary may start with the special tokens, in order (mask, then OOV)."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f'{self._where()}: output_mode="tf_idf" needs idf_weights.')
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f'{self._where()}: idf_weights are only used with '
                             f'output_mode="tf_idf", not {self.output_mode!r}.')
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        if ops.is_tensor(vocabulary):
            vocabulary = ops.convert_to_numpy(vocabulary)
        vocabulary = [self._token(v) for v in np.asarray(vocabulary, dtype=object).reshape(-1)]
        if not vocabulary:
            raise ValueError(f"{self._where()}: cannot set an empty vocabulary.")
        token_start = self._token_start_index()
        special = ([self.mask_token] * self._oov_start_index()
                   + [self.oov_token] * self.num_oov_indices)
        found_special = vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{self._where()}: the vocabulary repeats the terms {repeated}; "
                             "each term may appear once.")
        for kind, token in (("mask", self.mask_token),
                            ("OOV", self.oov_token if self.invert else None)):
            if token is not None and token in tokens:
                raise ValueError(
                    f"{self._where()}: found the {kind} token {token!r} inside the vocabulary "
                    f"(at index {vocabulary.index(token)}). The vocabulary need not hold the "
                    "mask and OOV tokens; when it does, only at its start, in this order: "
                    f"{special}.")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(f"{self._where()}: the vocabulary has {token_start + len(tokens)} "
                             f"entries (special tokens included), more than max_tokens="
                             f"{self.max_tokens}.")
        self._set_tokens(tokens)
        if idf_weights is not None:
            idf_weights = np.asarray(ops.convert_to_numpy(idf_weights)
                                     if ops.is_tensor(idf_weights) else idf_weights,
                                     dtype="float32")
            if idf_weights.ndim != 1 or len(idf_weights) != len(vocabulary):
                raise ValueError(f"{self._where()}: idf_weights must be 1D and as long as the "
                                 f"vocabulary ({len(vocabulary)}), got shape "
                                 f"{idf_weights.shape}.")
            # the special tokens get the mean weight when the vocabulary left them out
            front = 0 if found_special else token_start
            self._set_idf(np.concatenate([np.full(front, idf_weights.mean(), "float32"),
                                          idf_weights]))

    def _read_vocabulary_file(self, path):
        if in_safe_mode():
            raise ValueError(
                f"{self._where()}: loading the vocabulary file {path!r}, outside the model "
                "file, is refused in safe mode (it could read any file). If you trust it, "
                "pass safe_mode=False or call enable_unsafe_deserialization().")
        if not os.path.isfile(path):
            raise ValueError(f"{self._where()}: the vocabulary file {path!r} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError(f'{self._where()}: output_mode="tf_idf" cannot load its '
                             "vocabulary from a file.")
        with open(path, encoding="utf-8") as handle:
            return handle.read().splitlines()

    def _set_tokens(self, tokens):
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._index = {token: start + i for i, token in enumerate(self._tokens)}
        self._record_vocabulary_size()

    def _set_idf(self, weights):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            weights = np.pad(weights, (0, self.max_tokens - len(weights)))
        self.idf_weights = weights.astype("float32")

    def _record_vocabulary_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            self._frozen_vocab_size = self.vocabulary_size()
            return
        size = self.vocabulary_size()
        if self._frozen_vocab_size is not None and self.built and size != self._frozen_vocab_size:
            raise RuntimeError(
                f"{self._where()}: with output_mode={self.output_mode!r} and "
                "pad_to_max_tokens=False the vocabulary size cannot change after the layer "
                f"was called (it was {self._frozen_vocab_size}, now {size}).")
        self._frozen_vocab_size = size

    def _where(self):
        return f'{type(self).__name__} "{self.name}"'

    # ------------------------------------------------------------------ adapt
    def _reset_counts(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, steps=None):
        """Learns the vocabulary from ``data`` (an array or nested list of tokens, one
        document a row, or an iterable of such batches): the tokens by decreasing count,
        ties broken by the larger token first, cut to ``max_tokens``; for
        ``output_mode="tf_idf"`` also each token's inverse document frequency
        ``log(1 + documents / (1 + documents holding it))``."""
        if self._has_input_vocabulary:
            raise ValueError(f"{self._where()} was given a vocabulary (argument or "
                             "set_vocabulary()); it cannot be adapted.")
        self._reset_counts()
        for batch in adapt_batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Counts the tokens of one batch (rows are documents)."""
        values = self._adapt_values(data)
        if values.ndim < 2:
            values = values.reshape(1, -1)
        rows = values.reshape(values.shape[0], -1)
        self._token_counts.update(self._token(v) for v in rows.reshape(-1))
        if self.output_mode == "tf_idf":
            for row in rows:
                self._document_counts.update({self._token(v) for v in row})
            self._num_documents += rows.shape[0]

    def _adapt_values(self, data):
        return self.host_array(data)

    def finalize_state(self):
        counts = dict(self._token_counts)
        if not counts:
            return
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        # by count, then by token, both decreasing (Keras's lexsort order)
        ordered = sorted(counts, key=lambda token: (counts[token], token), reverse=True)
        if self.max_tokens:
            ordered = ordered[:self.max_tokens - self._token_start_index()]
        self._set_tokens(ordered)
        if self.output_mode == "tf_idf":
            frequencies = np.array([self._document_counts[t] for t in ordered], dtype="float64")
            idf = np.log(1 + self._num_documents / (1 + frequencies)).astype("float32")
            self._set_idf(np.concatenate([np.full(self._token_start_index(), idf.mean(),
                                                  "float32"), idf]))
        self._reset_counts()

    def reset_state(self):
        """Forgets the counts of an adapt in progress."""
        self._reset_counts()

    # ------------------------------------------------------------------ call
    def _lookup(self, values):
        """The indices (int64 numpy) of the tokens ``values`` (a numpy array)."""
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        flat = values.reshape(-1)
        indices = np.fromiter((self._index.get(self._token(v), default) for v in flat),
                              dtype="int64", count=flat.size)
        if self.mask_token is not None:
            masked = np.fromiter((self._token(v) == self.mask_token for v in flat), dtype=bool,
                                 count=flat.size)
            indices[masked] = 0 if self.output_mode == "int" else _MASKED_OUT
        if self.num_oov_indices == 0 and (indices == -1).any():
            raise ValueError(
                f"{self._where()}: with num_oov_indices=0 every input must be in the "
                f"vocabulary; found the OOV values {sorted(set(flat[indices == -1].tolist()))}. "
                "Set num_oov_indices=1 to map them to an OOV index.")
        if self.num_oov_indices > 1:
            oov = indices == -1
            if oov.any():
                indices[oov] = self._oov_indices(flat[oov]) + self._oov_start_index()
        return indices.reshape(values.shape)

    def _oov_indices(self, values):
        """The OOV bucket in ``[0, num_oov_indices)`` of each out-of-vocabulary value."""
        if self.vocabulary_dtype != "string" and self.oov_method == "floormod":
            return np.mod(values.astype("int64"), self.num_oov_indices)
        return hash_to_bins(values, self.num_oov_indices, self.salt)

    def _invert(self, indices):
        """The tokens at ``indices`` (out of range: the OOV token)."""
        vocabulary = self.get_vocabulary()
        flat = [vocabulary[i] if 0 <= i < len(vocabulary) else self.oov_token
                for i in indices.reshape(-1).tolist()]
        return np.asarray(flat, dtype=object).reshape(indices.shape)

    def _check_vocabulary(self):
        if self.output_mode != "int" and not self.pad_to_max_tokens \
                and self._frozen_vocab_size is None:
            raise RuntimeError(
                f"{self._where()}: with output_mode={self.output_mode!r} and "
                "pad_to_max_tokens=False, set the vocabulary before calling the layer "
                "(the vocabulary argument, set_vocabulary() or adapt()).")

    def call(self, inputs):
        self._check_vocabulary()
        values = self.host_array(inputs)
        if self.invert:
            return self._invert_output(self._invert(values.astype("int64")))
        indices = self._lookup(values)
        return self._encode(ops.convert_to_tensor(indices))

    def _invert_output(self, tokens):
        """The result of ``invert``: the tokens as the subclass returns them."""
        return tokens

    def _encode(self, indices):
        """``indices`` (a tensor) in the layer's output mode."""
        if self.output_mode == "int":
            return ops.cast(indices, int64_dtype())
        if self.output_mode == "tf_idf":
            return encode_categorical_inputs(indices, "tf_idf", self._depth(), "float32",
                                             idf=ops.convert_to_tensor(self.idf_weights))
        return encode_categorical_inputs(indices, self.output_mode, self._depth(),
                                         int64_dtype())

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    # ------------------------------------------------------------------ config and saving
    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
            "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method, "salt": self.salt,
        })
        return config

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf":
            store["idf_weights"] = self.idf_weights

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf":
            self.idf_weights = np.asarray(store["idf_weights"], dtype="float32")

    def save_assets(self, dir_path):
        """Writes the vocabulary learned by ``adapt`` to ``dir_path/vocabulary.txt``, as
        Keras 3 (a vocabulary given as an argument is in the config instead)."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(str(token) for token in self.get_vocabulary()))

    def load_assets(self, dir_path):
        """Reads the vocabulary :meth:`save_assets` wrote."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        idf_weights = self.idf_weights if self.output_mode == "tf_idf" else None
        self.set_vocabulary([self._token(line) for line in lines], idf_weights=idf_weights)


def _listify(value):
    if value is None:
        return None
    if ops.is_tensor(value):
        value = ops.convert_to_numpy(value)
    return np.asarray(value).tolist()
