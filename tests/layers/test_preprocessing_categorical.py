"""The categorical and text preprocessing layers: CategoryEncoding, Discretization, Hashing,
HashedCrossing, StringLookup, IntegerLookup, TextVectorization, and Normalization's statistics.

Where the real Keras 3 runs without TensorFlow (CategoryEncoding, Discretization, Normalization) the
outputs are compared with it; the hashing layers need TensorFlow in Keras, so their bins are
compared with the exact outputs of Keras 3's and TensorFlow's documented examples, and the
hashes with their published test vectors. The tests run on the default backend: the host
work is the same on every backend, and the shared layer test (test_all_layers.py) compares
each layer's outputs across backends; the jax tests here check compiled steps.
"""

import numpy as np
import pytest

import kerasette
from kerasette.layers.preprocessing.farmhash import fingerprint64, siphash64


def _require_jax():
    try:
        kerasette.backend.get_backend("jax")
    except ImportError as error:
        pytest.skip(f"the jax backend is not available: {error}")


# ---------------------------------------------------------------------------- the hashes
def test_siphash_matches_the_reference_vectors():
    # SipHash-2-4's paper: key 00..0f, messages 00..(n-1)
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little"))
    assert siphash64(key, b"") == 0x726FDB47DD0E0E31
    assert siphash64(key, bytes(range(15))) == 0xA129CA6149BE45E5


def test_fingerprint64_matches_tensorflow_buckets():
    # tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2]
    assert [fingerprint64(s.encode()) % 3 for s in ("Hello", "TensorFlow", "2.x")] == [0, 2, 2]
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F  # FarmHash's k2 for the empty string


# ---------------------------------------------------------------------------- Hashing
LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


@pytest.mark.parametrize("arguments,inputs,expected", [
    ({"num_bins": 3}, LETTERS, [1, 0, 1, 1, 2]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [1, 1, 0, 2, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [1, 2, 1, 0, 2]),
    ({"num_bins": 3, "salt": 133}, LETTERS, [0, 0, 2, 1, 0]),
], ids=["farmhash", "mask", "siphash", "siphash-one-salt"])
def test_hashing_gives_the_bins_of_keras_documented_examples(arguments, inputs, expected):
    output = kerasette.layers.Hashing(**arguments)(inputs)
    assert np.asarray(output).tolist() == [[b] for b in expected]
    assert str(output.dtype).endswith("int64") or str(output.dtype).endswith("int32")


def test_hashing_gives_the_bins_of_keras_tests():
    # the expected bins of Keras 3's own hashing_test.py (computed there by TensorFlow)
    ints = np.asarray([[0], [1], [2], [3], [4]])
    words = np.asarray([["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]])
    cases = [({"num_bins": 3}, ints, [1, 0, 1, 0, 2]),
             ({"num_bins": 3, "salt": [133, 137]}, ints, [1, 1, 2, 0, 1]),
             ({"num_bins": 2}, words, [0, 0, 1, 0, 0]),
             ({"num_bins": 3, "mask_value": "omar"}, words, [0, 1, 2, 1, 1]),
             ({"num_bins": 2, "salt": [211, 137]}, words, [1, 0, 1, 0, 1]),
             # floats are truncated to integers first, as Keras 3
             ({"num_bins": 3}, ints + 0.5, [1, 0, 1, 0, 2])]
    for arguments, inputs, expected in cases:
        output = kerasette.layers.Hashing(**arguments)(inputs)
        assert np.asarray(output)[:, 0].tolist() == expected, arguments


def test_hashing_output_modes():
    hashed = [b[0] for b in np.asarray(kerasette.layers.Hashing(num_bins=3)(LETTERS)).tolist()]
    one_hot = kerasette.layers.Hashing(num_bins=3, output_mode="one_hot")(LETTERS)
    np.testing.assert_array_equal(np.asarray(one_hot), np.eye(3)[hashed])
    count = kerasette.layers.Hashing(num_bins=3, output_mode="count")([["A", "C", "E", "B"]])
    np.testing.assert_array_equal(np.asarray(count), [[1.0, 2.0, 1.0]])


def test_hashed_crossing_gives_the_bins_of_keras_documented_example():
    features = (np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102]))
    out = kerasette.layers.HashedCrossing(num_bins=5)(features)
    assert np.asarray(out).tolist() == [1, 4, 1, 1, 3]
    one_hot = kerasette.layers.HashedCrossing(num_bins=5, output_mode="one_hot")(features)
    np.testing.assert_array_equal(np.asarray(one_hot), np.eye(5)[[1, 4, 1, 1, 3]])
    with pytest.raises(ValueError, match='HashedCrossing "hashed_crossing.*equal shapes'):
        kerasette.layers.HashedCrossing(num_bins=5)((np.array(["A"]), np.array([1, 2])))


def test_hashing_in_a_compiled_step_names_the_layer():
    _require_jax()
    import jax
    with kerasette.backend.use("jax"):
        layer = kerasette.layers.Hashing(num_bins=4, name="bins")
        with pytest.raises(Exception) as raised:
            jax.jit(lambda x: layer(x))(np.array([[1], [2]]))
    assert any('Hashing "bins" works on the host' in note and "data pipeline" in note
               for note in raised.value.__notes__)


# ---------------------------------------------------------------------------- vs the real Keras
NUMERIC_CASES = [
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, [3, 2, 0, 1]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, [[3], [2], [0], [1]]),
    ("CategoryEncoding", {"num_tokens": 4}, [[0, 1], [0, 0], [1, 2], [3, 1]]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, [[0, 1], [0, 0], [1, 2]]),
    ("CategoryEncoding", {"num_tokens": 5, "output_mode": "multi_hot"}, [[[0, 1], [4, 4]]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0]}, [[-1.5, 1.0, 3.4, 0.5]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"},
     [[-1.5], [1.0], [0.5]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "count"},
     [[-1.5, 1.0, 3.0, 0.5]]),
]


@pytest.mark.parametrize("name,arguments,inputs", NUMERIC_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(NUMERIC_CASES)])
def test_numeric_layers_match_keras(keras, name, arguments, inputs):
    ours = getattr(kerasette.layers, name)(**arguments)
    theirs = getattr(keras.layers, name)(**arguments)
    x = np.asarray(inputs, dtype="float32" if name == "Discretization" else "int32")
    expected = np.asarray(theirs(x))
    output = ours(x)
    np.testing.assert_array_equal(np.asarray(output), expected)
    assert tuple(ours.compute_output_shape(x.shape)) == expected.shape
    assert np.dtype(str(np.asarray(output).dtype)) == expected.dtype
    assert set(ours.get_config()) == set(theirs.get_config())


def test_category_encoding_count_weights_match_keras(keras):
    x = np.array([[0, 1], [0, 0], [1, 2]])
    weights = np.array([[0.5, 2.0], [1.0, 3.0], [0.25, 1.0]], dtype="float32")
    ours = kerasette.layers.CategoryEncoding(num_tokens=3, output_mode="count")
    theirs = keras.layers.CategoryEncoding(num_tokens=3, output_mode="count")
    np.testing.assert_allclose(np.asarray(ours(x, count_weights=weights)),
                               np.asarray(theirs(x, count_weights=weights)))


@pytest.mark.parametrize("batches", ["array", "batches", "nested-list"])
def test_discretization_adapt_matches_keras(keras, batches):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(300, 2)).astype("float32")
    # a list is a list of batches, as in Keras: a nested list's rows are summarized one by one
    adapt_data = {"array": data, "batches": [data[:100], data[100:]],
                  "nested-list": data[:40].tolist()}[batches]
    ours = kerasette.layers.Discretization(num_bins=5, epsilon=0.05)
    theirs = keras.layers.Discretization(num_bins=5, epsilon=0.05)
    ours.adapt(adapt_data)
    # Keras's adapt() asks TensorFlow whether the data is a tf.data.Dataset; its two steps
    # (what adapt runs for arrays and lists of batches) do not need TensorFlow
    for batch in (adapt_data if batches != "array" else [adapt_data]):
        theirs.update_state(batch)
    theirs.finalize_state()
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(ours(data[:7])), np.asarray(theirs(data[:7])))
    # the adapted boundaries travel in the config, as in Keras
    clone = kerasette.layers.Discretization.from_config(ours.get_config())
    assert clone.bin_boundaries == ours.bin_boundaries and clone.num_bins == 5


def test_integer_layers_train_in_a_compiled_step():
    """Discretization, IntegerLookup and CategoryEncoding are ops only: a model holding them
    fits on jax, where the whole step is compiled."""
    _require_jax()
    with kerasette.backend.use("jax"):
        kerasette.utils.set_random_seed(0)
        inputs = kerasette.Input((3,))
        x = kerasette.layers.Discretization(bin_boundaries=[-0.5, 0.0, 0.5])(inputs)
        x = kerasette.layers.IntegerLookup(vocabulary=[2, 0, 3], num_oov_indices=1)(x)
        x = kerasette.layers.CategoryEncoding(num_tokens=4, output_mode="count")(x)
        model = kerasette.Model(inputs, kerasette.layers.Dense(1)(x))
        model.compile(optimizer="adam", loss="mse")
        rng = np.random.default_rng(0)
        data, target = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1))
        losses = model.fit(data, target, epochs=4, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


# ---------------------------------------------------------------------------- the lookups
VOCAB = ["a", "b", "c", "d"]
DOCS = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]


def _values(x):
    return np.asarray(x).tolist()


@pytest.mark.parametrize("arguments,inputs,expected", [
    ({"vocabulary": VOCAB}, [["a", "c", "d"], ["d", "z", "b"]], [[1, 3, 4], [4, 0, 2]]),
    ({"vocabulary": VOCAB, "num_oov_indices": 2}, [["a", "c", "d"], ["m", "z", "b"]],
     [[2, 4, 5], [0, 1, 3]]),
    ({"vocabulary": VOCAB, "output_mode": "one_hot"}, ["a", "b", "c", "d", "z"],
     np.eye(5)[[1, 2, 3, 4, 0]].tolist()),
    ({"vocabulary": VOCAB, "output_mode": "multi_hot"}, DOCS, [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ({"vocabulary": VOCAB, "output_mode": "count"}, DOCS, [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
    ({"vocabulary": VOCAB, "invert": True}, [[1, 3, 4], [4, 0, 2]],
     [["a", "c", "d"], ["d", "[UNK]", "b"]]),
    ({"vocabulary": VOCAB, "mask_token": ""}, [["a", ""], ["", "q"]], [[2, 0], [0, 1]]),
], ids=["int", "two-oov", "one_hot", "multi_hot", "count", "invert", "mask"])
def test_string_lookup_gives_keras_documented_outputs(arguments, inputs, expected):
    assert _values(kerasette.layers.StringLookup(**arguments)(inputs)) == expected


def test_string_lookup_adapt_orders_by_count_then_token():
    layer = kerasette.layers.StringLookup()
    layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]
    assert _values(layer([["a", "c", "d"], ["d", "z", "b"]])) == [[5, 3, 1], [1, 2, 4]]
    capped = kerasette.layers.StringLookup(max_tokens=3)
    capped.adapt(np.array(["x", "y", "y", "w", "w"]))
    assert capped.get_vocabulary() == ["[UNK]", "y", "w"]


def test_string_lookup_tf_idf():
    layer = kerasette.layers.StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(np.asarray(layer(DOCS)), [[0, 0.25, 0, 0.6, 0.8],
                                                         [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    layer.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(np.asarray(layer(DOCS)), [[0, 0.25, 0, 0.6, 0.8],
                                                         [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    # adapt: idf = log(1 + documents / (1 + documents holding the token))
    adapted = kerasette.layers.StringLookup(output_mode="tf_idf")
    adapted.adapt(DOCS)
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    idf = np.log(1 + 2 / (1 + np.array([2, 1, 1, 1, 1])))
    np.testing.assert_allclose(adapted.idf_weights, np.concatenate([[idf.mean()], idf]),
                               rtol=1e-6)


def test_lookup_errors_name_the_layer():
    with pytest.raises(ValueError, match='StringLookup "words".*OOV values'):
        kerasette.layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0, name="words")(["q"])
    with pytest.raises(ValueError, match="repeats the terms"):
        kerasette.layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(RuntimeError, match='StringLookup "empty".*set the vocabulary'):
        kerasette.layers.StringLookup(output_mode="one_hot", name="empty")(["a"])


@pytest.mark.parametrize("arguments,inputs,expected", [
    ({"vocabulary": [12, 36, 1138, 42]}, [[12, 1138, 42], [42, 1000, 36]],
     [[1, 3, 4], [4, 0, 2]]),
    ({"vocabulary": [12, 36, 1138, 42], "num_oov_indices": 2}, [[12, 1138, 42], [37, 1000, 36]],
     [[2, 4, 5], [1, 0, 3]]),
    ({"vocabulary": [12, 36, 1138, 42], "mask_token": 0}, [[12, 0, 42], [37, 1000, 36]],
     [[2, 0, 5], [1, 1, 3]]),
    ({"vocabulary": [12, 36, 1138, 42], "invert": True}, [[1, 3, 4], [4, 0, 2]],
     [[12, 1138, 42], [42, -1, 36]]),
    ({"vocabulary": [12, 36], "output_mode": "count"}, [[12, 12, 5]], [[1, 2, 0]]),
], ids=["int", "two-oov", "mask", "invert", "count"])
def test_integer_lookup_gives_keras_documented_outputs(arguments, inputs, expected):
    assert _values(kerasette.layers.IntegerLookup(**arguments)(np.array(inputs))) == expected


def test_integer_lookup_adapt():
    layer = kerasette.layers.IntegerLookup()
    layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]


def test_lookup_saving_follows_keras(tmp_path):
    """A given vocabulary lives in the config; an adapted one in the asset vocabulary.txt;
    TF-IDF weights in the variable "idf_weights" (Keras 3's layout)."""
    given = kerasette.layers.StringLookup(vocabulary=VOCAB, mask_token="")
    clone = kerasette.layers.StringLookup.from_config(given.get_config())
    assert clone.get_vocabulary() == given.get_vocabulary() == ["", "[UNK]"] + VOCAB
    adapted = kerasette.layers.StringLookup(output_mode="tf_idf")
    adapted.adapt(DOCS)
    config = adapted.get_config()
    assert config["vocabulary"] is None and config["vocabulary_size"] == 6
    from kerasette.saving.weights_store import WriteStore
    store = WriteStore("string_lookup")
    adapted.save_own_variables(store)
    assert store.keys() == ["idf_weights"]
    adapted.save_assets(str(tmp_path))
    assert (tmp_path / "vocabulary.txt").read_text() == "[UNK]\nd\nz\nc\nb\na"
    restored = kerasette.layers.StringLookup.from_config(config)
    restored.load_own_variables({"idf_weights": store["idf_weights"]})
    restored.load_assets(str(tmp_path))
    np.testing.assert_allclose(np.asarray(restored(DOCS)), np.asarray(adapted(DOCS)))


def test_string_lookup_in_a_compiled_step_names_the_layer():
    _require_jax()
    import jax
    with kerasette.backend.use("jax"):
        layer = kerasette.layers.StringLookup(vocabulary=VOCAB, invert=True, name="words")
        with pytest.raises(Exception) as raised:
            jax.jit(lambda x: layer(x))(np.array([[1], [2]]))
    assert any('StringLookup "words" works on the host' in note
               for note in raised.value.__notes__)


# ---------------------------------------------------------------------------- TextVectorization
def test_text_vectorization_gives_keras_documented_outputs():
    layer = kerasette.layers.TextVectorization(max_tokens=5000, output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    assert _values(layer([["foo qux bar"], ["qux baz"]])) == [[4, 1, 3, 0], [1, 2, 0, 0]]
    given = kerasette.layers.TextVectorization(output_sequence_length=4,
                                               vocabulary=["earth", "wind", "and", "fire"])
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    # ASCII lowercasing and Keras's punctuation class; padded and cut to the length
    assert _values(given(["Earth, wind and fire!", "the FIRE", "a b c d e fire"])) == [
        [2, 3, 4, 5], [1, 5, 0, 0], [1, 1, 1, 1]]


def test_text_vectorization_splits_ngrams_and_encodings():
    vocabulary = ["a", "b", "a b"]
    # without output_sequence_length, int sequences are padded to the longest string
    assert _values(kerasette.layers.TextVectorization(vocabulary=vocabulary)(
        ["a B c", "b"])) == [[2, 3, 1], [3, 0, 0]]
    # bigrams follow the unigrams of each string; index 0 is the OOV count here
    counts = kerasette.layers.TextVectorization(vocabulary=vocabulary, ngrams=2,
                                                output_mode="count")(["a B c", "b a b"])
    assert _values(counts) == [[2, 1, 1, 1], [1, 1, 2, 1]]
    chars = kerasette.layers.TextVectorization(vocabulary=["a", "b"], split="character",
                                               output_mode="multi_hot")(["abc", "b"])
    assert _values(chars) == [[1, 1, 1], [0, 0, 1]]
    custom = kerasette.layers.TextVectorization(
        vocabulary=["x", "y"], standardize=None,
        split=lambda texts: [text.split("-") for text in texts])(["x-y-Z", "y"])
    assert _values(custom) == [[2, 3, 1], [3, 0, 0]]


def test_text_vectorization_tf_idf_and_saving(tmp_path):
    layer = kerasette.layers.TextVectorization(output_mode="tf_idf")
    layer.adapt(["the cat", "the dog the"])
    assert layer.get_vocabulary() == ["[UNK]", "the", "dog", "cat"]
    np.testing.assert_allclose(np.asarray(layer(["the cat"])),
                               [[0, np.log(1 + 2 / 3), 0, np.log(2)]], rtol=1e-6)
    config = layer.get_config()
    assert config["vocabulary_size"] == 4
    layer.save_assets(str(tmp_path))
    store = {}
    layer.save_own_variables(store)
    restored = kerasette.layers.TextVectorization.from_config(config)
    restored.load_own_variables(store)
    restored.load_assets(str(tmp_path))
    np.testing.assert_allclose(np.asarray(restored(["the dog"])), np.asarray(layer(["the dog"])))


# ---------------------------------------------------------------------------- Normalization
@pytest.mark.parametrize("arguments,batched", [({}, False), ({}, True), ({"axis": None}, False),
                                               ({"invert": True}, True)],
                         ids=["array", "batches", "axis-None", "invert"])
def test_normalization_public_statistics_match_keras(keras, arguments, batched):
    x = (np.arange(24.0).reshape(8, 3) ** 1.5).astype("float32")
    ours = kerasette.layers.Normalization(**arguments)
    assert ours.mean is None and ours.variance is None
    ours.adapt([x[:3], x[3:]] if batched else x)
    theirs = keras.layers.Normalization(**arguments)
    theirs.adapt(x)  # Keras's adapt on batches asks TensorFlow what they are
    for attribute in ("mean", "variance"):
        ours_value = np.asarray(getattr(ours, attribute))
        np.testing.assert_allclose(ours_value, np.asarray(getattr(theirs, attribute)),
                                   rtol=1e-5)
        assert ours_value.dtype == np.float32
    np.testing.assert_allclose(np.asarray(ours(x[:2])), np.asarray(theirs(x[:2])), rtol=1e-5)


def test_normalization_statistics_before_adapt_match_keras(keras):
    for arguments in ({"mean": 2.0, "variance": 4.0}, {}):
        ours = kerasette.layers.Normalization(**arguments)
        theirs = keras.layers.Normalization(**arguments)
        ours.build((None, 3))
        theirs.build((None, 3))
        for attribute in ("mean", "variance"):
            np.testing.assert_array_equal(np.asarray(getattr(ours, attribute)),
                                          np.asarray(getattr(theirs, attribute)))


# ---------------------------------------------------------------------------- .keras files
def test_adapted_vocabularies_travel_in_keras_files_as_keras_saves_them(tmp_path):
    import zipfile
    lookup = kerasette.layers.IntegerLookup(output_mode="multi_hot")
    lookup.adapt(np.array([[5, 7, 7, 9]]))
    inputs = kerasette.Input((3,), dtype="int32")
    model = kerasette.Model(inputs, kerasette.layers.Dense(2)(lookup(inputs)))
    path = str(tmp_path / "lookup.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("assets/layers/integer_lookup/vocabulary.txt") == b"-1\n7\n9\n5"
    restored = kerasette.saving.load_model(path)
    ids = np.array([[5, 9, 1], [7, 7, 7]])
    np.testing.assert_allclose(np.asarray(restored(ids)), np.asarray(model(ids)))

    vectorizer = kerasette.layers.TextVectorization(output_mode="tf_idf")
    vectorizer.adapt(["the cat", "the dog the"])
    texts = kerasette.Input((1,), dtype="string")
    model = kerasette.Model(texts, kerasette.layers.Dense(2)(vectorizer(texts)))
    model.save(path)
    restored = kerasette.saving.load_model(path)
    batch = np.array([["the dog"], ["a cat"]])
    np.testing.assert_allclose(np.asarray(restored(batch)), np.asarray(model(batch)))
    assert restored.layers[1].get_vocabulary() == ["[UNK]", "the", "dog", "cat"]


def test_an_asset_no_layer_loads_is_refused(tmp_path):
    import zipfile
    from kerasette.utils.file_io import FileFormatError
    inputs = kerasette.Input((3,))
    model = kerasette.Model(inputs, kerasette.layers.Dense(2)(inputs))
    path, crafted = tmp_path / "plain.keras", tmp_path / "crafted.keras"
    model.save(str(path))
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(crafted, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("assets/layers/dense/vocabulary.txt", b"a\nb")
    with pytest.raises(FileFormatError, match="assets that no layer of the model loads"):
        kerasette.saving.load_model(str(crafted))
