"""F-scores: ``FBetaScore`` and ``F1Score``, the harmonic-style means of precision and recall.

State: per-class (or, with ``average="micro"``, total) weighted true
positives, false positives, false negatives and label counts; the score
follows Keras 3's formula, with ``epsilon`` in each denominator.
"""

from kerasette import ops
from kerasette.backends import config
from kerasette.metrics.metric import Metric

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """The F-beta score ``(1 + beta**2) * p * r / (beta**2 * p + r)`` of precision p and recall r.

    Inputs are 2-D: ``y_true`` one-hot or multi-hot ``(batch, num_classes)``,
    ``y_pred`` scores of the same shape.

    Args:
        average: ``None`` (one score per class, default), ``"micro"`` (counts
            pooled over classes), ``"macro"`` (mean of the per-class scores) or
            ``"weighted"`` (per-class scores weighted by label counts).
        beta: how much more recall counts than precision (a float > 0; default 1.0).
        threshold: a float in (0, 1]: scores above it are positive. None
            (default): the largest score of each row is positive.
        name: the metric's name (default ``"fbeta_score"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError(f"Invalid average {average!r}: expected one of None, 'micro', "
                             "'macro', 'weighted'.")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid beta {beta!r} of type {type(beta).__name__}: it should be "
                             "a Python float.")
        if beta <= 0.0:
            raise ValueError(f"Invalid beta {beta}: it should be > 0.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"Invalid threshold {threshold!r} of type "
                                 f"{type(threshold).__name__}: it should be a Python float.")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"Invalid threshold {threshold}: it should verify "
                                 "0 < threshold <= 1.")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def build(self, y_true_shape, y_pred_shape):
        """Makes the state for ``(batch, num_classes)`` inputs."""
        if self._built:
            return
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2-D inputs of shape (batch_size, num_classes); "
                f"got y_true {tuple(y_true_shape)} and y_pred {tuple(y_pred_shape)}.")
        shape = () if self.average == "micro" else (int(y_pred_shape[-1]),)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, "zeros", name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's counts, each sample weighted by ``sample_weight`` (shape ``(batch,)``)."""
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        self.build(ops.shape(y_true), ops.shape(y_pred))
        if self.threshold is None:
            row_max = ops.max(y_pred, axis=-1, keepdims=True)
            # the row's maximum is positive, unless it is (almost) zero
            y_pred = ops.logical_and(ops.greater_equal(y_pred, row_max),
                                     ops.greater(ops.abs(y_pred), 1e-9))
        else:
            y_pred = ops.greater(y_pred, self.threshold)
        y_pred = ops.cast(y_pred, self.dtype)
        if sample_weight is not None:
            sample_weight = ops.expand_dims(
                ops.convert_to_tensor(sample_weight, dtype=self.dtype), 1)

        def weighted_sum(values):
            if sample_weight is not None:
                values = ops.multiply(values, sample_weight)
            return ops.sum(values, axis=self.axis)

        not_pred = ops.subtract(1.0, y_pred)
        self.true_positives.assign_add(weighted_sum(ops.multiply(y_pred, y_true)))
        self.false_positives.assign_add(weighted_sum(ops.multiply(y_pred, ops.subtract(1.0, y_true))))
        self.false_negatives.assign_add(weighted_sum(ops.multiply(not_pred, y_true)))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        epsilon = config.epsilon()
        tp = ops.convert_to_tensor(self.true_positives)
        precision = ops.divide(tp, ops.add(ops.add(tp, self.false_positives), epsilon))
        recall = ops.divide(tp, ops.add(ops.add(tp, self.false_negatives), epsilon))
        beta_squared = self.beta ** 2
        mean = ops.divide(ops.multiply(precision, recall),
                          ops.add(ops.add(ops.multiply(beta_squared, precision), recall), epsilon))
        score = ops.multiply(mean, 1.0 + beta_squared)
        if self.average == "weighted":
            counts = ops.convert_to_tensor(self.intermediate_weights)
            weights = ops.divide(counts, ops.add(ops.sum(counts), epsilon))
            return ops.sum(ops.multiply(score, weights))
        if self.average is not None:   # "macro"; "micro" is already a scalar
            return ops.mean(score)
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score ``2 * p * r / (p + r)``: :class:`FBetaScore` with ``beta=1``.

    Args:
        average: ``None`` (per class), ``"micro"``, ``"macro"`` or ``"weighted"``.
        threshold: a float in (0, 1], or None (the row's largest score is positive).
        name: the metric's name (default ``"f1_score"``).
        dtype: the dtype of the state and the result.

    Example:
        >>> m = F1Score(threshold=0.5)
        >>> m.update_state([[1, 1, 1], [1, 0, 0], [1, 1, 0]],
        ...                [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]])
        >>> m.result()   # [0.5, 0.8, 0.6667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config_ = super().get_config()
        del config_["beta"]
        return config_
