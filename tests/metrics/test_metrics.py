"""Metrics: Keras 3's numbers on every backend after several batches, state, jit, names, configs."""

import numpy as np
import pytest

import kerasette
from kerasette import metrics, ops

# weighted runs of the IoU metrics (int32 counts, as Keras 3's) truncate the float weights, and
# say so: test_iou_warns_when_it_truncates_weights checks the warning
pytestmark = pytest.mark.filterwarnings("ignore:.*float sample weights are truncated")

RNG = np.random.default_rng(4321)
BATCH, CLASSES = 16, 5


def _batch(kind):
    """One batch ``(y_true, y_pred)`` of the given kind of labels."""
    if kind == "binary":
        return (RNG.integers(0, 2, (BATCH, 4)).astype("float32"),
                RNG.random((BATCH, 4)).astype("float32"))
    if kind == "binary_1d":
        return RNG.integers(0, 2, (BATCH,)).astype("float32"), RNG.random((BATCH,)).astype("float32")
    if kind == "binary_logits":
        return (RNG.integers(0, 2, (BATCH, 4)).astype("float32"),
                RNG.normal(size=(BATCH, 4)).astype("float32") * 2)
    if kind == "onehot":
        return (np.eye(CLASSES, dtype="float32")[RNG.integers(0, CLASSES, BATCH)],
                RNG.random((BATCH, CLASSES)).astype("float32"))
    if kind == "multihot":
        return (RNG.integers(0, 2, (BATCH, CLASSES)).astype("float32"),
                RNG.random((BATCH, CLASSES)).astype("float32"))
    if kind == "sparse":
        return RNG.integers(0, CLASSES, (BATCH,)), RNG.random((BATCH, CLASSES)).astype("float32")
    if kind == "sparse_column":
        return RNG.integers(0, CLASSES, (BATCH, 1)), RNG.random((BATCH, CLASSES)).astype("float32")
    if kind == "exact":
        return RNG.integers(0, 3, (BATCH, 1)), RNG.integers(0, 3, (BATCH, 1)).astype("float32")
    if kind == "regression":
        return (RNG.normal(size=(BATCH, 3)).astype("float32"),
                RNG.normal(size=(BATCH, 3)).astype("float32"))
    if kind == "positive":
        return (RNG.random((BATCH, 3)).astype("float32") * 2,
                RNG.random((BATCH, 3)).astype("float32") * 2 + 0.1)
    if kind == "classes":  # class ids, some out of range (not counted by the IoU metrics)
        return RNG.integers(-1, CLASSES, (BATCH,)), RNG.integers(0, CLASSES + 1, (BATCH,))
    raise ValueError(kind)


KINDS = ("binary", "binary_1d", "binary_logits", "onehot", "multihot", "sparse", "sparse_column",
         "exact", "regression", "positive", "classes")
# three batches of each kind, each with per-sample weights
BATCHES = {kind: [(*_batch(kind), RNG.uniform(0.1, 2.0, BATCH).astype("float32"))
                  for _ in range(3)] for kind in KINDS}

# (class name, constructor arguments, data)
CASES = [
    ("Accuracy", {}, "exact"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "binary_1d"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_column"),
    ("TopKCategoricalAccuracy", {}, "onehot"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_column"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("RootMeanSquaredError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("KLDivergence", {}, "onehot"),
    ("Poisson", {}, "positive"),
    ("Hinge", {}, "binary_logits"),
    ("SquaredHinge", {}, "binary_logits"),
    ("CategoricalHinge", {}, "onehot"),
    ("TruePositives", {}, "binary"),
    ("FalsePositives", {"thresholds": [0.15, 0.5, 0.85]}, "binary"),
    ("TrueNegatives", {"thresholds": 0.3}, "binary_1d"),
    ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary_1d"),
    ("Precision", {"top_k": 2}, "multihot"),
    ("Precision", {"class_id": 2}, "multihot"),
    ("Precision", {"top_k": 2, "class_id": 1, "thresholds": [0.1, 0.6]}, "multihot"),
    ("Recall", {}, "binary"),
    ("Recall", {"thresholds": [0.3, 0.6]}, "binary_1d"),
    ("Recall", {"top_k": 3}, "multihot"),
    ("Recall", {"class_id": 4}, "onehot"),
    ("AUC", {}, "binary"),
    ("AUC", {}, "binary_1d"),
    ("AUC", {"num_thresholds": 13}, "binary"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"),
    ("AUC", {"summation_method": "minoring"}, "binary_1d"),
    ("AUC", {"curve": "PRGAIN"}, "binary"),
    ("AUC", {"thresholds": [0.1, 0.35, 0.5, 0.9]}, "binary"),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "binary"),
    ("AUC", {"multi_label": True}, "multihot"),
    ("AUC", {"multi_label": True, "num_labels": CLASSES, "curve": "PR"}, "multihot"),
    ("AUC", {"multi_label": True, "label_weights": [0.1, 0.2, 0.3, 0.2, 0.2]}, "multihot"),
    ("AUC", {"label_weights": [0.4, 0.3, 0.2, 0.1]}, "binary"),
    ("AUC", {"from_logits": True}, "binary_logits"),
    ("SensitivityAtSpecificity", {"specificity": 0.6}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4, "num_thresholds": 50}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.7}, "binary"),
    ("RecallAtPrecision", {"precision": 0.5, "class_id": 1}, "multihot"),
    ("F1Score", {}, "onehot"),
    ("F1Score", {"threshold": 0.5}, "multihot"),
    ("F1Score", {"average": "micro", "threshold": 0.4}, "multihot"),
    ("F1Score", {"average": "macro"}, "onehot"),
    ("F1Score", {"average": "weighted", "threshold": 0.6}, "multihot"),
    ("FBetaScore", {"beta": 2.0, "average": "macro", "threshold": 0.5}, "multihot"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2},
     "regression"),
    ("PearsonCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {}, "regression"),
    ("IoU", {"num_classes": CLASSES, "target_class_ids": [0, 2]}, "classes"),
    ("IoU", {"num_classes": CLASSES, "target_class_ids": [1], "sparse_y_pred": False}, "sparse"),
    ("MeanIoU", {"num_classes": CLASSES, "ignore_class": 1}, "classes"),
    ("MeanIoU", {"num_classes": CLASSES, "dtype": "float32", "sparse_y_pred": False}, "sparse"),
    ("BinaryIoU", {}, "binary_1d"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary_1d"),
    ("OneHotIoU", {"num_classes": CLASSES, "target_class_ids": [0, 3]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": CLASSES}, "onehot"),
]

CASE_IDS = [f"{name}-{','.join(f'{k}={v}' for k, v in kwargs.items()) or 'defaults'}-{data}"
            for name, kwargs, data in CASES]


def assert_close(actual, expected, rtol=2e-5, atol=1e-6):
    """Close up to float32 rounding; counts near zero get an absolute slack scaled to the totals
    (``total - count`` in a different summation order than Keras's)."""
    expected = np.asarray(expected)
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol + 1e-6 * scale)


def run_batches(metric, kind, weighted):
    for y_true, y_pred, weights in BATCHES[kind]:
        metric.update_state(y_true, y_pred, sample_weight=weights if weighted else None)
    return metric.result()


# ---------------------------------------------------------------------- against Keras 3
_KERAS_RESULTS = {}


def keras_results(keras, name, kwargs, data, weighted):
    """Keras 3's result after the case's batches, and its result on the first batch after a
    reset (numpy arrays): computed once per case, for every backend's test."""
    key = (name, repr(kwargs), data, weighted)
    if key not in _KERAS_RESULTS:
        theirs = getattr(keras.metrics, name)(**kwargs)
        expected = np.asarray(run_batches(theirs, data, weighted))
        theirs.reset_state()
        y_true, y_pred, weights = BATCHES[data][0]
        _KERAS_RESULTS[key] = expected, np.asarray(theirs(y_true, y_pred, sample_weight=weights))
    return _KERAS_RESULTS[key]


@pytest.mark.parametrize("name,kwargs,data", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_metrics_match_keras(backend, keras, name, kwargs, data, weighted):
    ours = getattr(metrics, name)(**kwargs)
    expected, expected_after_reset = keras_results(keras, name, kwargs, data, weighted)
    actual = run_batches(ours, data, weighted)
    assert ops.dtype(actual) == "float32"
    assert ops.shape(actual) == tuple(np.shape(expected))
    assert_close(actual, expected)
    # and again after a reset
    ours.reset_state()
    y_true, y_pred, weights = BATCHES[data][0]
    assert_close(ours(y_true, y_pred, sample_weight=weights), expected_after_reset)


@pytest.mark.parametrize("weights", [None, "per_sample", "per_value"])
def test_mean_and_sum_match_keras(backend, keras, weights):
    values = RNG.normal(size=(4, 3, 2)).astype("float32")
    sample_weight = {None: None, "per_sample": RNG.random(4).astype("float32"),
                     "per_value": RNG.random((4, 3)).astype("float32")}[weights]
    for name in ("Mean", "Sum"):
        ours, theirs = getattr(metrics, name)(), getattr(keras.metrics, name)()
        for scale in (1.0, -2.0):
            ours.update_state(values * scale, sample_weight=sample_weight)
            theirs.update_state(values * scale, sample_weight=sample_weight)
        assert_close(ours.result(), theirs.result())


@pytest.mark.parametrize("weighted", [False, True])
def test_ignore_class_metric_matches_keras(backend, keras, weighted):
    y_true = np.array([0, 1, -1, 2, -1, 1, 3, 0])
    logits = RNG.normal(size=(8, 4)).astype("float32")
    weights = RNG.random(8).astype("float32") if weighted else None
    kwargs = dict(from_logits=True, ignore_class=-1)
    ours = metrics.SparseCategoricalCrossentropy(**kwargs)
    theirs = keras.metrics.SparseCategoricalCrossentropy(**kwargs)
    ours.update_state(y_true, logits, sample_weight=weights)
    theirs.update_state(y_true, logits, sample_weight=weights)
    assert_close(ours.result(), theirs.result())


@pytest.mark.parametrize("name", ["binary_accuracy", "categorical_accuracy",
                                  "sparse_categorical_accuracy", "top_k_categorical_accuracy",
                                  "sparse_top_k_categorical_accuracy"])
def test_accuracy_functions_match_keras(backend, keras, name):
    kind = {"binary_accuracy": "binary", "categorical_accuracy": "onehot",
            "top_k_categorical_accuracy": "onehot"}.get(name, "sparse")
    y_true, y_pred, _ = BATCHES[kind][0]
    assert_close(getattr(metrics, name)(y_true, y_pred), getattr(keras.metrics, name)(y_true, y_pred))


# ---------------------------------------------------------------------- Keras's documented numbers
def test_documented_examples(backend):
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert_close(m.result(), 0.75)
    m.reset_state()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    assert_close(m.result(), 0.5)

    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert_close(m.result(), 0.5)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert_close(m.result(), 0.3)
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert_close(m.result(), 0.5)

    m = metrics.Precision()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert_close(m.result(), 2 / 3)
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert_close(m.result(), 0.0)
    m = metrics.Recall()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert_close(m.result(), 1.0)

    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert_close(m.result(), 0.75)

    m = metrics.F1Score(threshold=0.5)
    m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]], "float32"),
                   np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]], "float32"))
    assert_close(m.result(), [0.5, 0.8, 0.6666667])

    m = metrics.RootMeanSquaredError()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    assert_close(m.result(), 0.5)
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert_close(m.result(), 2.0)
    m = metrics.Sum()
    m.update_state([1, 3, 5, 7])
    assert_close(m.result(), 16.0)


def test_top_k_ties(backend):
    from kerasette.metrics.confusion_matrix import NEG_INF, filter_top_k

    scores = np.array([[1.0, 3.0, 3.0, 2.0], [2.0, 2.0, 2.0, 0.0]], "float32")
    # like top_k: the lower index wins a tie
    assert_close(filter_top_k(scores, 1), [[NEG_INF, 3.0, NEG_INF, NEG_INF],
                                           [2.0, NEG_INF, NEG_INF, NEG_INF]])
    assert_close(filter_top_k(scores, 2), [[NEG_INF, 3.0, 3.0, NEG_INF],
                                           [2.0, 2.0, NEG_INF, NEG_INF]])
    # in_top_k counts every class tied with the k-th largest (Keras 3's JAX rule)
    assert_close(metrics.sparse_top_k_categorical_accuracy([2, 1, 3], scores[[0, 1, 1]], k=1),
                 [1.0, 1.0, 0.0])


# ---------------------------------------------------------------------- state
def test_state_is_non_trainable_variables(backend):
    m = metrics.AUC(name="auc_test")
    assert [v.name for v in m.variables] == ["true_positives", "false_positives",
                                             "true_negatives", "false_negatives"]
    assert all(isinstance(v, kerasette.Variable) and not v.trainable for v in m.variables)
    assert all(v.backend == backend.name and v.shape == (200,) for v in m.variables)
    assert m.variables[0].path == "auc_test/true_positives"
    assert metrics.Precision().variables[0].dtype == "float32"


def test_metrics_held_by_a_metric_are_tracked(backend):
    class Pair(metrics.Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.first = metrics.Mean()
            self.second = metrics.Sum()

        def update_state(self, values):
            self.first.update_state(values)
            self.second.update_state(values)

        def result(self):
            return ops.add(self.first.result(), self.second.result())

    pair = Pair()
    assert len(pair.variables) == 3
    assert_close(pair([1.0, 2.0, 3.0]), 2.0 + 6.0)
    pair.reset_state()
    assert_close(pair.result(), 0.0)


_STATEFUL_RESULTS = {}


def stateful_result_on_numpy(name, kwargs, data):
    """The metric's result after the case's weighted batches through ``update_state`` on the
    numpy backend (the path test_metrics_match_keras checks against Keras), once per case:
    the reference of every backend's stateless run (eager JAX would compile every op)."""
    key = (name, repr(kwargs), data)
    if key not in _STATEFUL_RESULTS:
        with kerasette.backend.use("numpy"):
            _STATEFUL_RESULTS[key] = np.asarray(
                run_batches(getattr(metrics, name)(**kwargs), data, weighted=True))
    return _STATEFUL_RESULTS[key]


@pytest.mark.parametrize("name,kwargs,data", CASES, ids=CASE_IDS)
def test_stateless_update_inside_jit(backend, name, kwargs, data):
    metric = getattr(metrics, name)(**kwargs)
    first_true, first_pred, _ = BATCHES[data][0]
    metric.build(ops.shape(first_true), ops.shape(first_pred))   # shape-dependent state first

    def step(state, y_true, y_pred, weights):
        state = metric.stateless_update_state(state, y_true, y_pred, sample_weight=weights)
        return state, metric.stateless_result(state)

    step = ops.jit(step)
    state = [v.value for v in metric.variables]
    for y_true, y_pred, weights in BATCHES[data]:
        state, result = step(state, y_true, y_pred, weights)
    assert_close(result, stateful_result_on_numpy(name, kwargs, data))
    # the stateless calls left the variables themselves untouched
    assert all(np.all(np.asarray(v) == 0) for v in metric.variables)
    assert all(np.all(np.asarray(v) == 0) for v in metric.stateless_reset_state())


def test_stateless_scope_collects_assignments(backend):
    m = metrics.Mean()
    values = [ops.convert_to_tensor(3.0), ops.convert_to_tensor(1.0)]
    with kerasette.StatelessScope(zip(m.variables, values)) as scope:
        m.update_state([1.0, 5.0])
        assert_close(m.result(), (3.0 + 6.0) / 3.0)
    assert_close(scope.get_current_value(m.total), 9.0)
    assert_close(scope.get_current_value(m.count), 3.0)
    assert_close(m.total, 0.0)
    with pytest.raises(ValueError, match="2 state variables"):
        m.stateless_update_state([1.0], [1.0])


# ---------------------------------------------------------------------- names and configs
def test_get_resolves_names(backend):
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("MAE"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("f1_score"), metrics.F1Score)
    assert isinstance(metrics.get("bce"), metrics.BinaryCrossentropy)
    m = metrics.get({"class_name": "Precision", "config": {"thresholds": [0.3, 0.7]}})
    assert isinstance(m, metrics.Precision) and m.thresholds == [0.3, 0.7]
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert metrics.get(None) is None


def test_get_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError) as error:
        metrics.get("acuracy")
    message = str(error.value)
    assert "'acuracy'" in message
    for name in ("accuracy", "binary_accuracy", "AUC", "precision", "mse", "f1_score"):
        assert name in message
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get(3.5)


@pytest.mark.parametrize("name,kwargs,data", CASES, ids=CASE_IDS)
def test_config_round_trip(name, kwargs, data):
    metric = getattr(metrics, name)(name="custom", **kwargs)
    config = metric.get_config()
    # the IoU metrics count in int32 by default, as Keras 3's; every other metric in floatx
    assert config["name"] == "custom" and config["dtype"] == kwargs.get(
        "dtype", "int32" if "IoU" in name else "float32")
    for key, value in kwargs.items():
        assert config[key] == value
    clone = type(metric).from_config(config)
    assert type(clone) is type(metric) and clone.get_config() == config
    restored = metrics.deserialize(metrics.serialize(metric))
    assert type(restored) is type(metric) and restored.get_config() == config


def test_configs_move_between_kerasette_and_keras(keras):
    for name, kwargs, _ in CASES:
        ours = getattr(metrics, name)(**kwargs)
        theirs = getattr(keras.metrics, name)(**kwargs)
        loaded = keras.metrics.deserialize(metrics.serialize(ours))
        assert type(loaded).__name__ == name
        back = metrics.deserialize(keras.metrics.serialize(theirs))
        assert type(back).__name__ == name
        keras_config = theirs.get_config()
        for key, value in back.get_config().items():
            if key in keras_config and key != "name" and not hasattr(keras_config[key], "shape"):
                assert value == keras_config[key], (name, key)


def test_mean_metric_wrapper_config(backend):
    wrapper = metrics.MeanMetricWrapper(kerasette.losses.huber, name="h", delta=0.5)
    config = wrapper.get_config()
    assert config["fn"]["config"] == "huber" and config["delta"] == 0.5
    clone = metrics.MeanMetricWrapper.from_config(config)
    y_true, y_pred, _ = BATCHES["regression"][0]
    assert_close(clone(y_true, y_pred), np.mean(kerasette.losses.huber(y_true, y_pred, delta=0.5)))
    assert "fn" not in metrics.BinaryAccuracy(threshold=0.3).get_config()


# ---------------------------------------------------------------------- bad input
def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="threshold"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.2])
    with pytest.raises(ValueError, match="PRGAIN"):
        metrics.AUC(curve="LIFT")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)


def test_f1_needs_two_dimensional_inputs(backend):
    with pytest.raises(ValueError, match="2-D"):
        metrics.F1Score().update_state([1, 0, 1], [0.2, 0.3, 0.9])


def test_base_metric_needs_update_state():
    with pytest.raises(NotImplementedError):
        metrics.Metric().update_state()


def test_iou_warns_when_it_truncates_weights(backend):
    labels, predictions = [0, 1, 1, 2], [0, 1, 2, 2]
    counting = metrics.MeanIoU(num_classes=3)
    with pytest.warns(UserWarning, match="float sample weights are truncated"):
        counting.update_state(labels, predictions, sample_weight=np.full(4, 1.5, "float32"))
    # each weight truncated to 1: class 0 1/1, class 1 1/2, class 2 1/2
    assert_close(counting.result(), (1 + 0.5 + 0.5) / 3)
    fractional = metrics.MeanIoU(num_classes=3, dtype="float32")
    fractional.update_state(labels, predictions, sample_weight=[2.0, 0.5, 1.0, 1.0])
    # the weighted confusion matrix (rows: true class, columns: predicted)
    cm = np.array([[2.0, 0, 0], [0, 0.5, 1.0], [0, 0, 1.0]])
    tp = np.diag(cm)
    assert_close(fractional.result(), np.mean(tp / (cm.sum(0) + cm.sum(1) - tp)))
