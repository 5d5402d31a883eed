"""Differential tests: the same script run on kerasette and on the real Keras 3 (JAX backend).

Each case below is one short Keras script, written once against a module ``K`` (``keras``
or ``kerasette``). It runs on Keras once, and on kerasette once per backend, starting from
Keras's initial weights (copied with ``set_weights``); what a Keras user would look at is
recorded along the way: ``model.layers``, parameter counts, the summary, ``metrics_names``
before and after ``fit``, ``output_names``, History keys and values, the return types
and values of ``evaluate``/``train_on_batch``/``test_on_batch``/``predict_on_batch``,
``predict`` shapes (the last partial batch included) and the weights after training
(SGD, no shuffling). The tests compare the records one aspect at a time.

Keras 3 is the specification: where kerasette differs, kerasette is wrong. (Running each
script once per library keeps JAX's compile time, several seconds per model here, out of
the way of the many comparisons.)
"""

import os
import re

import numpy as np
import pytest

import kerasette

# Keras 3.15's Variable.__array__ predates numpy 2's copy keyword: its warning, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

# float32 on both sides: the same arithmetic in another order (the numpy engine, XLA on
# CPU) leaves differences of a few ulps, which a few SGD steps do not amplify beyond these
RTOL, ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------------------- data
def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 6)).astype("float32"), rng.normal(size=(n, 4)).astype("float32"),
            rng.integers(0, 3, size=n), rng.normal(size=(n, 1)).astype("float32"))


X, XB, LABELS, VALUES = _data(40)
IMAGES = np.random.default_rng(1).normal(size=(16, 8, 8, 1)).astype("float32")
IMAGE_LABELS = np.random.default_rng(2).integers(0, 3, size=16)


# ---------------------------------------------------------------------------- models
def mlp(K):
    return K.Sequential([
        K.Input((6,), name="features"),
        K.layers.Dense(8, activation="relu", name="hidden"),
        K.layers.Dense(3, activation="softmax", name="probs"),
    ], name="mlp")


def two_in_two_out(K, dict_outputs=False):
    """in_a (6) and in_b (4) -> concatenate -> hidden -> out_a (3 classes), out_b (1 value)."""
    a = K.Input((6,), name="in_a")
    b = K.Input((4,), name="in_b")
    x = K.layers.Concatenate(name="merge")([a, b])
    h = K.layers.Dense(8, activation="tanh", name="hidden")(x)
    out_a = K.layers.Dense(3, activation="softmax", name="out_a")(h)
    out_b = K.layers.Dense(1, name="out_b")(h)
    outputs = {"zeta": out_a, "alpha": out_b} if dict_outputs else [out_a, out_b]
    return K.Model([a, b], outputs, name="two_in_two_out")


def branching(K):
    """A shared layer, a nested model and an input that joins late: Keras's layer order and
    the "Connected to" column are not a simple chain here."""
    a = K.Input((6,), name="in_a")
    b = K.Input((4,), name="in_b")
    shared = K.layers.Dense(5, name="shared")
    inner_input = K.Input((6,), name="inner_in")
    inner = K.Model(inner_input, K.layers.Dense(3, name="inner_dense")(inner_input), name="inner")
    x = K.layers.Concatenate(name="merge")([shared(a), inner(a), b])
    return K.Model([a, b], [K.layers.Dense(3, name="out_a")(x),
                            K.layers.Dense(1, name="out_b")(shared(a))], name="branching")


def lazy_sequential(K):
    """No Input: the model is built by its first call."""
    model = K.Sequential([K.layers.Dense(4, activation="relu", name="first"),
                          K.layers.Dropout(0.5, name="drop"), K.layers.Dense(2, name="last")],
                         name="lazy")
    model(X[:2])
    return model


def subclassed(K):
    """The hand-made Sequential of Keras's guide, built by its first call."""
    class MySequential(K.Model):
        def __init__(self, layer_list, **kwargs):
            super().__init__(**kwargs)
            self.layer_list = layer_list

        def call(self, inputs):
            x = inputs
            for layer in self.layer_list:
                x = layer(x)
            return x

    model = MySequential([K.layers.Dense(4, activation="relu", name="first"),
                          K.layers.Dense(3, activation="softmax", name="last")], name="hand_made")
    model(X[:2])
    return model


def with_batch_norm(K):
    return K.Sequential([
        K.Input((6,)),
        K.layers.Dense(5, name="dense_in"),
        K.layers.BatchNormalization(name="norm"),
        K.layers.Activation("relu", name="act"),
        K.layers.Dense(2, name="dense_out"),
    ], name="bn_model")


def small_cnn(K):
    return K.Sequential([
        K.Input((8, 8, 1)),
        K.layers.Conv2D(4, 3, activation="relu", name="conv"),
        K.layers.BatchNormalization(name="norm"),
        K.layers.MaxPooling2D(name="pool"),
        K.layers.Flatten(name="flat"),
        K.layers.Dense(3, activation="softmax", name="probs"),
    ], name="cnn")


# ---------------------------------------------------------------------------- the scripts
# Batches of 8 throughout, with a few partial ones: every new batch shape is one more
# JAX compilation, on both sides.
def _structure(model, record):
    record["layer_names"] = [layer.name for layer in model.layers]
    record["layer_types"] = [type(layer).__name__ for layer in model.layers]
    record["count_params"] = model.count_params()
    record["layer_params"] = [layer.count_params() for layer in model.layers]
    record["weight_shapes"] = [tuple(w.shape) for w in model.get_weights()]
    record["weight_dtypes"] = [str(w.dtype) for w in model.get_weights()]
    record["trainable_shapes"] = [tuple(v.shape) for v in model.trainable_weights]
    record["non_trainable_shapes"] = [tuple(v.shape) for v in model.non_trainable_weights]


def _summary_lines(model):
    """The summary's lines, 80 wide, on a terminal made 120 columns wide for both libraries
    (Keras also fits its table to the terminal)."""
    lines = []
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "120"
    try:
        model.summary(line_length=80,
                      print_fn=lambda text, **_: lines.extend(text.rstrip("\n").split("\n")))
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return lines


def script_mlp(K, model, record):
    """One output, two metrics, validation_split, a partial last batch."""
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", K.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    record["metrics_names_before_fit"] = model.metrics_names
    # 30 training samples in batches of 8 (the last has 6), 10 for validation
    history = model.fit(X, LABELS, batch_size=8, epochs=2, validation_split=0.25, shuffle=False,
                        verbose=0)
    record["history"] = history.history
    record["history_epoch"] = history.epoch
    record["metrics_names"] = model.metrics_names
    record["weights_after_fit"] = model.get_weights()
    record["summary"] = _summary_lines(model)
    record["evaluate"] = model.evaluate(X, LABELS, batch_size=8, verbose=0)
    record["evaluate_dict"] = model.evaluate(X, LABELS, batch_size=8, verbose=0, return_dict=True)
    record["predict"] = model.predict(X[:37], batch_size=8, verbose=0)
    record["predict_on_batch"] = model.predict_on_batch(X[:8])
    record["test_on_batch"] = model.test_on_batch(X[:8], LABELS[:8])
    record["train_on_batch"] = model.train_on_batch(X[:8], LABELS[:8])
    record["train_on_batch_dict"] = model.train_on_batch(X[8:16], LABELS[8:16], return_dict=True)
    record["weights_after_train_on_batch"] = model.get_weights()


def script_loss_only(K, model, record):
    """Only a loss: evaluate and the batch methods return a float."""
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    record["metrics_names_before_fit"] = model.metrics_names
    record["evaluate"] = model.evaluate(X, LABELS, batch_size=8, verbose=0)
    record["evaluate_dict"] = model.evaluate(X, LABELS, batch_size=8, verbose=0, return_dict=True)
    record["train_on_batch"] = model.train_on_batch(X[:8], LABELS[:8])
    record["test_on_batch"] = model.test_on_batch(X[:8], LABELS[:8])
    record["metrics_names"] = model.metrics_names


def script_weighted(K, model, record):
    """sample_weight in evaluate, with plain and weighted metrics."""
    weights = np.linspace(0.0, 2.0, 40).astype("float32")
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    record["metrics_names_before_fit"] = model.metrics_names
    record["evaluate_dict"] = model.evaluate(X, LABELS, sample_weight=weights, batch_size=8,
                                             verbose=0, return_dict=True)
    record["evaluate"] = model.evaluate(X, LABELS, sample_weight=weights, batch_size=8, verbose=0)
    record["metrics_names"] = model.metrics_names


def script_two_outputs(K, model, record, dict_outputs=False):
    """Two inputs, two outputs: a loss and metrics per output, loss weights, validation_data."""
    if dict_outputs:
        loss = {"zeta": "sparse_categorical_crossentropy", "alpha": "mse"}
        loss_weights = {"zeta": 0.3, "alpha": 2.0}
        metrics = {"zeta": ["sparse_top_k_categorical_accuracy", "accuracy"], "alpha": ["mse", "mae"]}
        y = {"zeta": LABELS, "alpha": VALUES}
        y_val = {"zeta": LABELS[:8], "alpha": VALUES[:8]}
    else:
        loss = ["sparse_categorical_crossentropy", "mse"]
        loss_weights = [0.3, 2.0]
        metrics = [["sparse_top_k_categorical_accuracy", "accuracy"], ["mse", "mae"]]
        y, y_val = [LABELS, VALUES], [LABELS[:8], VALUES[:8]]
    record["output_names"] = model.output_names
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.1), loss=loss,
                  loss_weights=loss_weights, metrics=metrics)
    record["metrics_names_before_fit"] = model.metrics_names
    history = model.fit([X, XB], y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                        validation_data=([X[:8], XB[:8]], y_val))
    record["history"] = history.history
    record["metrics_names"] = model.metrics_names
    record["weights_after_fit"] = model.get_weights()
    record["evaluate"] = model.evaluate([X, XB], y, batch_size=8, verbose=0)
    record["evaluate_dict"] = model.evaluate([X, XB], y, batch_size=8, verbose=0,
                                             return_dict=True)
    record["predict"] = model.predict([X[:21], XB[:21]], batch_size=8, verbose=0)


def script_cnn(K, model, record):
    """Conv2D + BatchNormalization: fit updates the moving statistics as Keras does."""
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    history = model.fit(IMAGES, IMAGE_LABELS, batch_size=8, epochs=1, shuffle=False, verbose=0)
    record["history"] = history.history
    record["weights_after_fit"] = model.get_weights()
    record["predict"] = model.predict(IMAGES, batch_size=8, verbose=0)
    record["summary"] = _summary_lines(model)


def script_structure_only(K, model, record):
    record["output_names"] = getattr(model, "output_names", None)
    record["summary"] = _summary_lines(model)


CASES = {
    "mlp": (mlp, script_mlp),
    "loss_only": (mlp, script_loss_only),
    "weighted": (mlp, script_weighted),
    "two_outputs": (two_in_two_out, script_two_outputs),
    "two_outputs_dict": (lambda K: two_in_two_out(K, dict_outputs=True),
                         lambda K, m, r: script_two_outputs(K, m, r, dict_outputs=True)),
    "branching": (branching, script_structure_only),
    "lazy": (lazy_sequential, script_structure_only),
    "subclassed": (subclassed, script_structure_only),
    "batch_norm": (with_batch_norm, script_structure_only),
    "cnn": (small_cnn, script_cnn),
}


class Record(dict):
    """What one run of a script showed. When the script failed part-way, asking for something
    it did not get to re-raises its error (so structural checks still run)."""

    error = None

    def __missing__(self, key):
        if self.error is not None:
            raise self.error
        raise KeyError(key)


_records = {}


def record_of(keras, case, library):
    """The record of ``case`` run on ``library`` ("keras", or "kerasette" on the active
    backend), computed once per session."""
    key = (case, library if library == "keras" else kerasette.backend.backend())
    if key not in _records:
        build, script = CASES[case]
        record = _records[key] = Record()
        try:
            if library == "keras":
                keras.utils.set_random_seed(0)
                model = build(keras)
                record["initial_weights"] = model.get_weights()
            else:
                model = build(kerasette)
                model.set_weights(record_of(keras, case, "keras")["initial_weights"])
            _structure(model, record)
            script(keras if library == "keras" else kerasette, model, record)
        except Exception as error:  # noqa: BLE001 - raised again by the tests that need more
            record.error = error
    return _records[key]


def both(keras, case):
    """``(ours, theirs)``: the records of ``case`` on kerasette (active backend) and Keras."""
    return record_of(keras, case, "kerasette"), record_of(keras, case, "keras")


def assert_same_numbers(ours, theirs, rtol=RTOL, atol=ATOL):
    ours = ours if isinstance(ours, (list, tuple)) else [ours]
    theirs = theirs if isinstance(theirs, (list, tuple)) else [theirs]
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(reference), rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------- return types
@pytest.mark.parametrize("case, n_values", [("loss_only", 1), ("mlp", 3), ("two_outputs", 7)])
def test_evaluate_return_types(backend, keras, case, n_values):
    ours, theirs = both(keras, case)
    assert type(ours["evaluate"]) is type(theirs["evaluate"])
    if n_values == 1:
        assert type(ours["evaluate"]) is float
    else:
        assert type(ours["evaluate"]) is list and len(ours["evaluate"]) == n_values
        assert all(type(value) is float for value in ours["evaluate"])
    assert type(ours["evaluate_dict"]) is dict
    assert sorted(ours["evaluate_dict"]) == sorted(theirs["evaluate_dict"])


@pytest.mark.parametrize("case", ["loss_only", "mlp"])
def test_batch_methods_return_types(backend, keras, case):
    ours, theirs = both(keras, case)
    for key in ("train_on_batch", "test_on_batch", "train_on_batch_dict", "predict_on_batch"):
        if key not in theirs:
            continue
        assert type(ours[key]) is type(theirs[key]), key
        if isinstance(theirs[key], list):
            assert len(ours[key]) == len(theirs[key]), key
        if isinstance(theirs[key], dict):
            assert sorted(ours[key]) == sorted(theirs[key]), key
        if isinstance(theirs[key], np.ndarray):
            assert ours[key].shape == theirs[key].shape and ours[key].dtype == theirs[key].dtype


# ---------------------------------------------------------------------------- predict
def test_predict_shapes_include_the_last_partial_batch(backend, keras):
    ours, theirs = both(keras, "mlp")  # 37 samples in batches of 8: 4 of 8, then 5
    assert ours["predict"].shape == theirs["predict"].shape == (37, 3)
    assert ours["predict"].dtype == theirs["predict"].dtype
    assert_same_numbers(ours["predict"], theirs["predict"])


def test_predict_with_two_outputs_returns_a_list(backend, keras):
    ours, theirs = both(keras, "two_outputs")  # 21 samples in batches of 8
    assert isinstance(ours["predict"], list)
    assert [p.shape for p in ours["predict"]] == [p.shape for p in theirs["predict"]]
    assert [p.shape for p in ours["predict"]] == [(21, 3), (21, 1)]
    assert_same_numbers(ours["predict"], theirs["predict"])


def test_predict_with_dict_outputs_returns_a_dict(backend, keras):
    ours, theirs = both(keras, "two_outputs_dict")
    assert isinstance(ours["predict"], dict)
    assert sorted(ours["predict"]) == sorted(theirs["predict"]) == ["alpha", "zeta"]
    for key in theirs["predict"]:
        assert ours["predict"][key].shape == theirs["predict"][key].shape
        assert_same_numbers(ours["predict"][key], theirs["predict"][key])


# ---------------------------------------------------------------------------- structure
@pytest.mark.parametrize("case", ["mlp", "two_outputs", "branching", "lazy", "subclassed",
                                  "batch_norm", "cnn"])
def test_layers_names_types_and_parameter_counts(backend, keras, case):
    ours, theirs = both(keras, case)
    assert ours["layer_names"] == theirs["layer_names"]
    assert ours["layer_types"] == theirs["layer_types"]
    assert ours["count_params"] == theirs["count_params"]
    assert ours["layer_params"] == theirs["layer_params"]


@pytest.mark.parametrize("case", ["mlp", "two_outputs", "branching", "lazy", "subclassed",
                                  "batch_norm", "cnn"])
def test_get_weights_shapes_and_order(backend, keras, case):
    ours, theirs = both(keras, case)
    assert ours["weight_shapes"] == theirs["weight_shapes"]
    assert ours["weight_dtypes"] == theirs["weight_dtypes"]
    assert ours["trainable_shapes"] == theirs["trainable_shapes"]
    assert ours["non_trainable_shapes"] == theirs["non_trainable_shapes"]


@pytest.mark.parametrize("case", ["two_outputs", "two_outputs_dict", "branching"])
def test_output_names(backend, keras, case):
    ours, theirs = both(keras, case)
    assert ours["output_names"] == theirs["output_names"]


@pytest.mark.parametrize("case", ["mlp", "loss_only", "weighted", "two_outputs", "two_outputs_dict"])
def test_metrics_names_before_and_after_fit(backend, keras, case):
    ours, theirs = both(keras, case)
    assert ours["metrics_names_before_fit"] == theirs["metrics_names_before_fit"]
    assert ours["metrics_names"] == theirs["metrics_names"]


@pytest.mark.parametrize("case", ["mlp", "branching", "lazy", "subclassed", "batch_norm", "cnn"])
def test_summary_table_and_totals(backend, keras, case):
    ours, theirs = both(keras, case)
    expected = theirs["summary"]
    if case == "lazy":
        # Keras keeps the batch size of the first call in a Sequential built by it ("(2, 4)");
        # kerasette leaves it free ("(None, 4)"), as for a model given keras.Input
        expected = [re.sub(r"│ \(2, (\d+)\)   ", r"│ (None, \1)", line) for line in expected]
    totals = [line for line in expected if "params:" in line]
    assert len(totals) >= 3
    assert [line for line in ours["summary"] if "params:" in line] == totals
    assert ours["summary"] == expected


# ---------------------------------------------------------------------------- History
@pytest.mark.parametrize("case", ["mlp", "two_outputs", "two_outputs_dict", "cnn"])
def test_history_keys(backend, keras, case):
    ours, theirs = both(keras, case)
    assert sorted(ours["history"]) == sorted(theirs["history"])
    assert all(type(v) is list and len(v) == len(theirs["history"]["loss"])
               for v in ours["history"].values())
    if case.startswith("two_outputs"):
        prefix = ("zeta", "alpha") if case.endswith("dict") else ("out_a", "out_b")
        assert {f"{prefix[0]}_loss", f"{prefix[0]}_accuracy", f"{prefix[1]}_mae",
                f"val_{prefix[1]}_loss", f"val_{prefix[0]}_sparse_top_k_categorical_accuracy"
                } <= set(ours["history"])


# ---------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("case", ["mlp", "two_outputs", "two_outputs_dict", "cnn"])
def test_sgd_without_shuffle_matches_keras(backend, keras, case):
    """From Keras's initial weights, SGD over the same batches gives the same History and the
    same weights (BatchNormalization's moving statistics included)."""
    ours, theirs = both(keras, case)
    for key, values in theirs["history"].items():
        np.testing.assert_allclose(ours["history"][key], values, rtol=RTOL, atol=ATOL, err_msg=key)
    assert_same_numbers(ours["weights_after_fit"], theirs["weights_after_fit"])
    moved = max(np.abs(after - before).max() for after, before in
                zip(theirs["weights_after_fit"], theirs["initial_weights"]))
    assert moved > 1e-3  # training did change the weights being compared


def test_history_epochs_and_values(backend, keras):
    ours, theirs = both(keras, "mlp")
    assert ours["history_epoch"] == theirs["history_epoch"] == [0, 1]
    assert ours["history"]["accuracy"] == pytest.approx(theirs["history"]["accuracy"], abs=1e-6)
    assert ours["history"]["val_top2"] == pytest.approx(theirs["history"]["val_top2"], abs=1e-6)


@pytest.mark.parametrize("case", ["mlp", "two_outputs", "two_outputs_dict"])
def test_evaluate_values_and_order_match_keras(backend, keras, case):
    """Keras's order: the loss, each output's loss, then the metrics (by name when there are
    several outputs)."""
    ours, theirs = both(keras, case)
    assert_same_numbers(ours["evaluate"], theirs["evaluate"])
    for key, value in theirs["evaluate_dict"].items():
        assert ours["evaluate_dict"][key] == pytest.approx(value, rel=RTOL, abs=ATOL), key


def test_batch_methods_values_match_keras(backend, keras):
    ours, theirs = both(keras, "mlp")
    assert_same_numbers(ours["test_on_batch"], theirs["test_on_batch"])
    assert_same_numbers(ours["train_on_batch"], theirs["train_on_batch"])
    for key, value in theirs["train_on_batch_dict"].items():
        assert ours["train_on_batch_dict"][key] == pytest.approx(value, rel=RTOL, abs=ATOL), key
    assert_same_numbers(ours["predict_on_batch"], theirs["predict_on_batch"])
    assert_same_numbers(ours["weights_after_train_on_batch"], theirs["weights_after_train_on_batch"])


def test_sample_weight_in_evaluate_matches_keras(backend, keras):
    ours, theirs = both(keras, "weighted")
    assert sorted(ours["evaluate_dict"]) == sorted(theirs["evaluate_dict"])
    assert "weighted_accuracy" in ours["evaluate_dict"]
    for key, value in theirs["evaluate_dict"].items():
        assert ours["evaluate_dict"][key] == pytest.approx(value, rel=RTOL, abs=ATOL), key
    assert_same_numbers(ours["evaluate"], theirs["evaluate"])
