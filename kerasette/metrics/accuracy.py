"""Accuracy metrics: exact match, binary (thresholded), categorical, sparse, and top-k.

Each is a function giving 1.0 or 0.0 per sample (``categorical_accuracy(y_true,
y_pred)``) and a class averaging it over every sample seen. Which of
binary/categorical/sparse accuracy ``"accuracy"`` means is decided by the
trainer from the shapes, as in Keras 3.
"""

from kerasette import ops
from kerasette.backends import config
from kerasette.losses.loss import squeeze_or_expand_to_same_rank
from kerasette.metrics.reduction import MeanMetricWrapper


def _is_float(x):
    return ops.dtype(x).startswith(("float", "bfloat"))


def in_top_k(targets, predictions, k):
    """True where the prediction for class ``targets`` is among the ``k`` largest of its row.

    ``targets``: integer class ids of shape ``(batch,)``; ``predictions``:
    ``(batch, num_classes)``. A class tied with the k-th largest counts as in
    the top k (Keras 3's JAX rule: rank = 1 + number of strictly larger
    predictions); a NaN prediction is never in the top k.
    """
    predictions = ops.convert_to_tensor(predictions)
    targets = ops.cast(targets, "int32")
    at_label = ops.take_along_axis(predictions, ops.expand_dims(targets, -1), axis=-1)
    at_label = ops.where(ops.isnan(at_label), float("-inf"), at_label)
    rank = ops.add(ops.sum(ops.cast(ops.greater(predictions, at_label), "int32"), axis=-1), 1)
    return ops.less_equal(rank, k)


def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly, else 0.0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=ops.dtype(y_pred))
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.cast(ops.equal(y_true, y_pred), config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` agrees with the 0/1 label ``y_true``, else 0.0.

    Example:
        >>> binary_accuracy([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])   # [1, 1, 1, 0]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = ops.cast(ops.greater(y_pred, threshold), ops.dtype(y_true))
    return ops.cast(ops.equal(y_true, y_pred), config.floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction is at the one-hot label's class, else 0.0.

    Example:
        >>> categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])   # [0, 1]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    float_dtype = ops.dtype(y_pred) if _is_float(y_pred) else config.floatx()
    y_true = ops.cast(y_true, float_dtype)
    original_shape = ops.shape(y_true)
    reshape_matches = ops.ndim(y_true) == ops.ndim(y_pred)
    if reshape_matches:
        y_true = ops.squeeze(y_true, -1)
    y_pred = ops.cast(ops.argmax(y_pred, axis=-1), ops.dtype(y_true))
    matches = ops.cast(ops.equal(y_true, y_pred), config.floatx())
    if reshape_matches:
        matches = ops.reshape(matches, original_shape)
    return matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the largest prediction is at the integer label's class, else 0.0.

    Example:
        >>> sparse_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])   # [0, 1]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    float_dtype = ops.dtype(y_pred) if _is_float(y_pred) else config.floatx()
    y_true = ops.cast(ops.convert_to_tensor(y_true), float_dtype)
    original_shape = ops.shape(y_true)
    reshape_matches = (ops.ndim(y_true) == ops.ndim(y_pred) and ops.shape(y_true)[-1] == 1)
    if reshape_matches:
        y_true = ops.squeeze(y_true, -1)
    y_pred = ops.cast(ops.argmax(y_pred, axis=-1), ops.dtype(y_true))
    matches = ops.cast(ops.equal(y_true, y_pred), config.floatx())
    if reshape_matches:
        matches = ops.reshape(matches, original_shape)
    if ops.ndim(matches) > 1 and ops.shape(matches)[-1] == 1:
        matches = ops.squeeze(matches, -1)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the ``k`` largest predictions, else 0.0."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
    return _top_k_matches(y_true, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` largest predictions, else 0.0.

    With ``from_sorted_ids=True``, ``y_pred`` holds class ids sorted by score
    (best first), and the label is looked for among the first ``k``.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if not from_sorted_ids:
        return _top_k_matches(ops.cast(y_true, "int32"), y_pred, k)
    y_true = ops.cast(y_true, ops.dtype(y_pred))
    original_shape = ops.shape(y_true)
    y_pred = ops.reshape(y_pred, (-1, ops.shape(y_pred)[-1]))
    y_true = ops.reshape(y_true, (-1,))
    matches = ops.any(ops.equal(ops.expand_dims(y_true, 1), y_pred[:, :k]), axis=1)
    return ops.reshape(ops.cast(matches, config.floatx()), original_shape)


def _top_k_matches(labels, y_pred, k):
    original_shape = ops.shape(labels)
    if ops.ndim(y_pred) > 2:
        y_pred = ops.reshape(y_pred, (-1, ops.shape(y_pred)[-1]))
    if ops.ndim(labels) > 1:
        labels = ops.reshape(labels, (-1,))
    matches = ops.cast(in_top_k(labels, y_pred, k), config.floatx())
    return ops.reshape(matches, original_shape)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Args:
        name: the metric's name (default ``"accuracy"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)



class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 labels.

    Args:
        name: the metric's name (default ``"binary_accuracy"``).
        dtype: the dtype of the state and the result.
        threshold: predictions above it count as 1 (default 0.5).
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold



class CategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction is at the one-hot label's class.

    Args:
        name: the metric's name (default ``"categorical_accuracy"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)



class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the largest prediction is at the integer label's class.

    Args:
        name: the metric's name (default ``"sparse_categorical_accuracy"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)



class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` largest predictions.

    Args:
        k: how many of the largest predictions count (default 5).
        name: the metric's name (default ``"top_k_categorical_accuracy"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k



class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` largest predictions.

    Args:
        k: how many of the largest predictions count (default 5).
        name: the metric's name (default ``"sparse_top_k_categorical_accuracy"``).
        dtype: the dtype of the state and the result.
        from_sorted_ids: whether ``y_pred`` holds class ids sorted by score
            rather than scores.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
