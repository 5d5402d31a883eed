"""Counting true/false positives/negatives at a list of thresholds (Keras 3's ``metrics_utils``).

:func:`update_confusion_matrix_variables` adds one batch's weighted counts to
the state variables of Precision, Recall, AUC and friends. Two routes, as in
Keras 3, which give the same counts:

- any thresholds: every prediction is compared with every threshold
  (a ``(num_thresholds, num_predictions)`` comparison);
- evenly spaced thresholds (AUC's default): each prediction falls in one
  bucket, the buckets are counted (a one-hot sum, where Keras uses a segment
  sum) and a reversed cumulative sum gives the count above each threshold.

Everything is written with :mod:`kerasette.ops`, shapes only decide Python
branches, so the update runs inside ``jax.jit``.
"""

import numpy as np

from kerasette import ops
from kerasette.backends import config
from kerasette.losses.loss import squeeze_or_expand_to_same_rank

#: the score given to entries outside the top k (Keras 3's value)
NEG_INF = -1e10

TRUE_POSITIVES = "tp"
FALSE_POSITIVES = "fp"
TRUE_NEGATIVES = "tn"
FALSE_NEGATIVES = "fn"
CONDITIONS = (TRUE_POSITIVES, FALSE_POSITIVES, TRUE_NEGATIVES, FALSE_NEGATIVES)


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """``thresholds`` as a list of floats in [0, 1] (``[default_threshold]`` when None)."""
    if thresholds is None:
        return [default_threshold]
    thresholds = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return [float(t) for t in thresholds]


def is_evenly_distributed_thresholds(thresholds):
    """True for 3 or more thresholds spaced evenly from 0 to 1 (up to ``epsilon``)."""
    count = len(thresholds)
    if count < 3:
        return False
    even = np.arange(count, dtype=np.float32) / (count - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def filter_top_k(x, k):
    """``x`` with every entry outside the ``k`` largest of its last axis set to :data:`NEG_INF`.

    The ``k`` largest are picked one at a time (``argmax``, then that entry is
    taken out), so ties go to the lower index, as ``top_k`` breaks them, and
    the cost is ``k`` passes over the classes.
    """
    num_classes = ops.shape(x)[-1]
    dtype = ops.dtype(x)
    available = ops.ones_like(x, dtype="bool")
    for _ in range(min(int(k), num_classes)):
        best = ops.argmax(ops.where(available, x, float("-inf")), axis=-1)
        # when every entry left is -inf, argmax may land on a taken one: take the first left
        best_is_available = ops.squeeze(
            ops.take_along_axis(available, ops.expand_dims(best, -1), axis=-1), -1)
        best = ops.where(best_is_available, best,
                         ops.argmax(ops.cast(available, "int32"), axis=-1))
        available = ops.logical_and(available, ops.logical_not(
            ops.cast(ops.one_hot(best, num_classes, dtype="int32"), "bool")))
    in_top_k = ops.cast(ops.logical_not(available), dtype)
    return ops.add(ops.multiply(x, in_top_k), ops.multiply(NEG_INF, ops.subtract(1.0, in_top_k)))


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds,
                                      top_k=None, class_id=None, sample_weight=None,
                                      multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False):
    """Adds the weighted confusion-matrix counts of one batch to the given variables.

    Args:
        variables_to_update: dict from :data:`CONDITIONS` (``"tp"``, ``"fp"``,
            ``"tn"``, ``"fn"``) to Variables of shape ``(num_thresholds,)``, or
            ``(num_thresholds, num_labels)`` with ``multi_label``.
        y_true: labels, 0/1 (any non-zero value counts as positive).
        y_pred: scores in [0, 1]; a score counts as positive above a threshold.
        thresholds: a list of floats.
        top_k: only the ``top_k`` largest scores of each sample may count as positive.
        class_id: count only this class (column of the last axis).
        sample_weight: weights, broadcast against ``y_pred``.
        multi_label: count each label (last axis) separately.
        label_weights: one weight per label (not with ``multi_label``).
        thresholds_distributed_evenly: take the bucket route (thresholds are
            evenly spaced from 0 to 1, possibly widened by epsilon at the ends).
    """
    if multi_label and label_weights is not None:
        raise ValueError("label_weights for multi-label data must be applied outside "
                         "update_confusion_matrix_variables when multi_label is True.")
    invalid = [key for key in variables_to_update if key not in CONDITIONS]
    if invalid or not variables_to_update:
        raise ValueError(f"Invalid confusion-matrix keys {invalid or list(variables_to_update)}: "
                         f"expected some of {CONDITIONS}.")
    dtype = next(iter(variables_to_update.values())).dtype
    y_true = ops.cast(ops.convert_to_tensor(y_true), dtype)
    y_pred = ops.cast(ops.convert_to_tensor(y_pred), dtype)
    thresholds = [float(t) for t in thresholds]
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = ops.expand_dims(ops.cast(ops.convert_to_tensor(sample_weight), dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if ops.ndim(y_pred) == 1:
            raise ValueError("When class_id is given, y_pred must be 2-D (num_samples, num_classes); "
                             f"got shape {ops.shape(y_pred)}.")
        column = [class_id % ops.shape(y_pred)[-1]]
        y_true = ops.take(y_true, column, axis=-1)
        y_pred = ops.take(y_pred, column, axis=-1)
    if label_weights is not None:
        label_weights = ops.convert_to_tensor(np.asarray(label_weights), dtype=dtype)
    if thresholds_distributed_evenly:
        counts = _bucketed_counts(y_true, y_pred, thresholds, multi_label, sample_weight,
                                  label_weights, variables_to_update)
    else:
        counts = _compared_counts(y_true, y_pred, thresholds, multi_label, sample_weight,
                                  label_weights, variables_to_update)
    for key, variable in variables_to_update.items():
        variable.assign(ops.add(variable, counts[key]))


def _weights(sample_weight, label_weights, y_pred, flatten):
    """The weight of each prediction (None when unweighted)."""
    weights = None
    if sample_weight is not None:
        weights = ops.broadcast_to(sample_weight, ops.shape(y_pred))
    if label_weights is not None:
        label_weights = ops.broadcast_to(ops.expand_dims(label_weights, 0), ops.shape(y_pred))
        weights = label_weights if weights is None else ops.multiply(weights, label_weights)
    if weights is not None and flatten:
        weights = ops.reshape(weights, (-1,))
    return weights


def _compared_counts(y_true, y_pred, thresholds, multi_label, sample_weight, label_weights,
                     wanted):
    """Counts by comparing every prediction with every threshold."""
    dtype = ops.dtype(y_pred)
    weights = _weights(sample_weight, label_weights, y_pred, flatten=not multi_label)
    if multi_label:   # [threshold, sample, label]
        thresholds = ops.convert_to_tensor(np.reshape(thresholds, (-1, 1, 1)), dtype=dtype)
        predictions = ops.expand_dims(y_pred, 0)
        labels = ops.expand_dims(ops.cast(y_true, "bool"), 0)
        if weights is not None:
            weights = ops.expand_dims(weights, 0)
    else:             # [threshold, prediction]
        thresholds = ops.convert_to_tensor(np.reshape(thresholds, (-1, 1)), dtype=dtype)
        predictions = ops.reshape(y_pred, (1, -1))
        labels = ops.reshape(ops.cast(y_true, "bool"), (1, -1))
        if weights is not None:
            weights = ops.reshape(weights, (1, -1))
    pred_is_pos = ops.greater(predictions, thresholds)
    pred_is_neg = ops.logical_not(pred_is_pos)
    label_is_neg = ops.logical_not(labels)
    cases = {TRUE_POSITIVES: (labels, pred_is_pos), FALSE_POSITIVES: (label_is_neg, pred_is_pos),
             TRUE_NEGATIVES: (label_is_neg, pred_is_neg), FALSE_NEGATIVES: (labels, pred_is_neg)}
    counts = {}
    for key in wanted:
        label, pred = cases[key]
        both = ops.logical_and(label, pred)
        if weights is None:
            hits = ops.cast(both, dtype)
        else:
            hits = ops.where(both, weights, ops.zeros_like(weights))
        counts[key] = ops.sum(hits, axis=1)
    return counts


def _bucketed_counts(y_true, y_pred, thresholds, multi_label, sample_weight, label_weights,
                     wanted):
    """Counts for evenly spaced thresholds: bucket the predictions, then a reversed cumulative sum."""
    dtype = ops.dtype(y_pred)
    num_thresholds = len(thresholds)
    widened = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    weights = _weights(sample_weight, label_weights, y_pred, flatten=not multi_label)
    y_pred = ops.clip(y_pred, 0.0, 1.0)
    y_true = ops.cast(ops.cast(y_true, "bool"), dtype)
    if not multi_label:
        y_true = ops.reshape(y_true, (-1,))
        y_pred = ops.reshape(y_pred, (-1,))
    true_labels = y_true if weights is None else ops.multiply(y_true, weights)
    false_labels = ops.subtract(1.0, y_true)
    if weights is not None:
        false_labels = ops.multiply(false_labels, weights)
    # a prediction p is above threshold i exactly when its bucket ceil(p * (n - 1)) - 1 >= i
    buckets = ops.subtract(ops.ceil(ops.multiply(y_pred, float(num_thresholds - 1))), 1.0)
    if widened:   # the first threshold is below 0: p = 0 is above it
        buckets = ops.maximum(buckets, 0.0)
    # bucket -1 (p = 0, not above the threshold 0) one-hot encodes to zeros: counted nowhere
    in_bucket = ops.one_hot(ops.cast(buckets, "int32"), num_thresholds, dtype=dtype)

    def above_each_threshold(labels):
        per_bucket = ops.sum(ops.multiply(ops.expand_dims(labels, -1), in_bucket), axis=0)
        counts = ops.flip(ops.cumsum(ops.flip(per_bucket, axis=-1), axis=-1), axis=-1)
        return ops.transpose(counts) if multi_label else counts

    counts = {}
    if TRUE_POSITIVES in wanted or FALSE_NEGATIVES in wanted:
        tp = above_each_threshold(true_labels)
        counts[TRUE_POSITIVES] = tp
        counts[FALSE_NEGATIVES] = ops.subtract(ops.sum(true_labels, axis=0), tp)
    if FALSE_POSITIVES in wanted or TRUE_NEGATIVES in wanted:
        fp = above_each_threshold(false_labels)
        counts[FALSE_POSITIVES] = fp
        counts[TRUE_NEGATIVES] = ops.subtract(ops.sum(false_labels, axis=0), fp)
    return counts
