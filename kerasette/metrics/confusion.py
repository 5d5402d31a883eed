"""Metrics from confusion-matrix counts: TP/FP/TN/FN, Precision, Recall, AUC, and
sensitivity/specificity/precision/recall at a fixed value of the other.

Each keeps weighted counts per threshold in its state variables (see
:mod:`kerasette.metrics.confusion_matrix`) and computes its value from them
with Keras 3's formulas.
"""

import numpy as np

from kerasette import ops
from kerasette.backends import config
from kerasette.losses.loss import divide_no_nan
from kerasette.metrics import confusion_matrix as cm
from kerasette.metrics.metric import Metric


class _ConfusionMatrixConditionCount(Metric):
    """The weighted count of one confusion-matrix cell at each threshold."""

    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = cm.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = cm.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's count (weighted by ``sample_weight``) at each threshold."""
        cm.update_confusion_matrix_variables(
            {self._condition: self.accumulator}, y_true, y_pred, self.thresholds,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        value = ops.convert_to_tensor(self.accumulator)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives: label 1, prediction above the threshold.

    Args:
        thresholds: a float or a list of floats in [0, 1] (default 0.5); the
            result has one count per threshold (a scalar for one).
        name: the metric's name.
        dtype: the dtype of the state and the result.
    """

    _condition = cm.TRUE_POSITIVES


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives. Arguments as :class:`TruePositives`."""

    _condition = cm.FALSE_POSITIVES


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives. Arguments as :class:`TruePositives`."""

    _condition = cm.TRUE_NEGATIVES


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives. Arguments as :class:`TruePositives`."""

    _condition = cm.FALSE_NEGATIVES


class _PrecisionRecall(Metric):
    """Shared by Precision and Recall: true positives and one error count per threshold."""

    _errors = None       # the confusion-matrix cell counted with the true positives
    _error_name = None   # its variable's name

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else cm.NEG_INF
        self.thresholds = cm.parse_init_thresholds(thresholds, default_threshold=default_threshold)
        self._thresholds_distributed_evenly = cm.is_evenly_distributed_thresholds(self.thresholds)
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self._error_count = self.add_variable(shape, "zeros", name=self._error_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's counts.

        Args:
            y_true: 0/1 labels, the shape of ``y_pred``.
            y_pred: scores in [0, 1].
            sample_weight: weights, broadcast against ``y_pred``.
        """
        cm.update_confusion_matrix_variables(
            {cm.TRUE_POSITIVES: self.true_positives, self._errors: self._error_count},
            y_true, y_pred, self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def result(self):
        true_positives = ops.convert_to_tensor(self.true_positives)
        value = divide_no_nan(true_positives, ops.add(true_positives, self._error_count))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision ``tp / (tp + fp)``: the fraction of predicted positives that are positive.

    Args:
        thresholds: a float or a list of floats in [0, 1]; a prediction above
            a threshold counts as positive. Default 0.5 (or, with ``top_k``,
            every top-k prediction counts). The result has one value per threshold.
        top_k: only the ``top_k`` largest predictions of each sample count.
        class_id: compute the precision of this class only.
        name: the metric's name.
        dtype: the dtype of the state and the result.

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> m.result()   # 0.6667
    """

    _errors = cm.FALSE_POSITIVES
    _error_name = "false_positives"

    @property
    def false_positives(self):
        """The Variable of (weighted) false-positive counts, one per threshold."""
        return self._error_count


class Recall(_PrecisionRecall):
    """Recall ``tp / (tp + fn)``: the fraction of positives that are predicted positive.

    Arguments as :class:`Precision`.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> m.result()   # 0.6667
    """

    _errors = cm.FALSE_NEGATIVES
    _error_name = "false_negatives"

    @property
    def false_negatives(self):
        """The Variable of (weighted) false-negative counts, one per threshold."""
        return self._error_count


class _AllCounts(Metric):
    """Keeps all four confusion-matrix counts at each threshold."""

    def _add_count_variables(self, shape):
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")

    def _count_variables(self):
        return {cm.TRUE_POSITIVES: self.true_positives, cm.FALSE_POSITIVES: self.false_positives,
                cm.TRUE_NEGATIVES: self.true_negatives, cm.FALSE_NEGATIVES: self.false_negatives}

    def _counts(self):
        return tuple(ops.convert_to_tensor(v) for v in (
            self.true_positives, self.false_positives, self.true_negatives, self.false_negatives))


class _ValueAtFixedValue(_AllCounts):
    """Shared by the "X at fixed Y" metrics: the best X among thresholds where Y >= value."""

    _value_name = None   # the constructor argument holding the fixed value

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError(f"num_thresholds must be an integer > 0, got {num_thresholds}.")
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        self._add_count_variables((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's counts (0/1 labels, scores in [0, 1])."""
        cm.update_confusion_matrix_variables(
            self._count_variables(), y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def _max_under_constraint(self, constrained, dependent):
        feasible = ops.greater_equal(constrained, self.value)
        best = ops.max(ops.where(feasible, dependent, ops.zeros_like(dependent)))
        return ops.maximum(best, 0.0)

    def _rates(self):
        tp, fp, tn, fn = self._counts()
        return {"sensitivity": divide_no_nan(tp, ops.add(tp, fn)),
                "specificity": divide_no_nan(tn, ops.add(tn, fp)),
                "precision": divide_no_nan(tp, ops.add(tp, fp))}

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


def _check_unit_interval(name, value):
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{name}` must be in the range [0, 1], got {name}={value}.")


class SensitivityAtSpecificity(_ValueAtFixedValue):
    """The best sensitivity (recall) among thresholds whose specificity is at least ``specificity``.

    Args:
        specificity: the required specificity, in [0, 1].
        num_thresholds: how many evenly spaced thresholds to try (default 200).
        class_id: compute it for this class only.
        name: the metric's name.
        dtype: the dtype of the state and the result.
    """

    _value_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval("specificity", specificity)
        self.specificity = specificity
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["specificity"], rates["sensitivity"])


class SpecificityAtSensitivity(_ValueAtFixedValue):
    """The best specificity among thresholds whose sensitivity is at least ``sensitivity``.

    Arguments as :class:`SensitivityAtSpecificity`, with ``sensitivity`` in [0, 1].
    """

    _value_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval("sensitivity", sensitivity)
        self.sensitivity = sensitivity
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["specificity"])


class PrecisionAtRecall(_ValueAtFixedValue):
    """The best precision among thresholds whose recall is at least ``recall``.

    Arguments as :class:`SensitivityAtSpecificity`, with ``recall`` in [0, 1].
    """

    _value_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval("recall", recall)
        self.recall = recall
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["sensitivity"], rates["precision"])


class RecallAtPrecision(_ValueAtFixedValue):
    """The best recall among thresholds whose precision is at least ``precision``.

    Arguments as :class:`SensitivityAtSpecificity`, with ``precision`` in [0, 1].
    """

    _value_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_unit_interval("precision", precision)
        self.precision = precision
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        rates = self._rates()
        return self._max_under_constraint(rates["precision"], rates["sensitivity"])


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(_AllCounts):
    """Area under the ROC or precision-recall curve, by a Riemann sum over thresholds.

    Args:
        num_thresholds: how many thresholds discretize the curve (default 200;
            more is more accurate). Ignored when ``thresholds`` is given.
        curve: ``"ROC"`` (default), ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"`` (default; trapezoids for ROC,
            the interpolation of Davis & Goadrich 2006 for PR), ``"majoring"``
            or ``"minoring"``.
        name: the metric's name.
        dtype: the dtype of the state and the result.
        thresholds: explicit thresholds in [0, 1]; ``-epsilon`` and
            ``1 + epsilon`` are added at the ends.
        multi_label: whether labels are independent (one curve per label,
            then averaged) rather than flattened into one curve.
        num_labels: the number of labels with ``multi_label``, to make the
            state at construction (otherwise it is made on the first update).
        label_weights: one weight per label: for the flattened curve, weights of
            the predictions; with ``multi_label``, weights of the per-label AUCs.
        from_logits: whether predictions are logits (a sigmoid is applied).

    Example:
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> m.result()   # 0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._init_from_thresholds = thresholds is not None
        epsilon = config.epsilon()
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(float(t) for t in thresholds)
            self._thresholds_distributed_evenly = cm.is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(f"num_thresholds must be an integer > 1, got {num_thresholds}.")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - epsilon] + thresholds + [1.0 + epsilon])
        curve_key = str(getattr(curve, "value", curve)).lower()
        if curve_key not in _CURVES:
            raise ValueError(f'Invalid AUC curve "{curve}": expected one of "ROC", "PR", "PRGAIN".')
        self.curve = _CURVES[curve_key]
        summation = str(getattr(summation_method, "value", summation_method)).lower()
        if summation not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation_method "{summation_method}": expected one of '
                             + ", ".join(f'"{s}"' for s in _SUMMATIONS) + ".")
        self.summation_method = summation
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype=self.dtype))
        self._label_weights_config = (None if label_weights is None
                                      else [float(w) for w in np.ravel(label_weights)])
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self.build(None, (None, num_labels))
        else:
            if num_labels:
                raise ValueError("num_labels is needed only when multi_label is True.")
            self.build(None, None)

    @property
    def thresholds(self):
        """The thresholds, ``-epsilon`` and ``1 + epsilon`` included."""
        return [float(t) for t in self._thresholds]

    def build(self, y_true_shape, y_pred_shape):
        """Makes the state: ``(num_thresholds,)`` counts, or ``(num_thresholds, num_labels)``
        with ``multi_label`` (``y_pred_shape`` must then be ``(batch, num_labels)``)."""
        if self._built:
            return
        if self.multi_label:
            if y_pred_shape is None or len(y_pred_shape) != 2:
                raise ValueError("AUC(multi_label=True) needs y_pred of rank 2 (batch, num_labels); "
                                 f"got shape {y_pred_shape}.")
            self._num_labels = int(y_pred_shape[1])
            shape = (self.num_thresholds, self._num_labels)
        else:
            shape = (self.num_thresholds,)
        self._add_count_variables(shape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch's counts.

        Args:
            y_true: 0/1 labels, the shape of ``y_pred``.
            y_pred: scores in [0, 1] (logits with ``from_logits``).
            sample_weight: weights, broadcast against ``y_pred``.
        """
        y_true = ops.convert_to_tensor(y_true)
        y_pred = ops.convert_to_tensor(y_pred)
        self.build(ops.shape(y_true), ops.shape(y_pred))
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        label_weights = None if self.multi_label else self.label_weights
        cm.update_confusion_matrix_variables(
            self._count_variables(), y_true, y_pred, self._thresholds,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=label_weights,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)

    def _average_over_labels(self, by_label):
        if self.label_weights is None:
            return ops.mean(by_label)
        label_weights = ops.convert_to_tensor(self.label_weights)
        return divide_no_nan(ops.sum(ops.multiply(by_label, label_weights)),
                             ops.sum(label_weights))

    def _total(self, terms):
        if self.multi_label:
            return self._average_over_labels(ops.sum(terms, axis=0))
        return ops.sum(terms)

    def interpolate_pr_auc(self):
        """The PR AUC by Davis & Goadrich's interpolation between thresholds.

        Between two thresholds precision is interpolated as a function of the
        number of positive predictions ``p``: ``tp = slope * p + intercept``;
        the area of each piece is integrated in closed form.
        """
        tp, fp, _, fn = self._counts()
        n = self.num_thresholds
        dtp = ops.subtract(tp[:n - 1], tp[1:])
        p = ops.add(tp, fp)
        dp = ops.subtract(p[:n - 1], p[1:])
        prec_slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = ops.subtract(tp[1:], ops.multiply(prec_slope, p[1:]))
        safe_p_ratio = ops.where(
            ops.logical_and(ops.greater(p[:n - 1], 0.0), ops.greater(p[1:], 0.0)),
            divide_no_nan(p[:n - 1], ops.maximum(p[1:], 0.0)),
            ops.ones_like(p[1:]))
        increments = divide_no_nan(
            ops.multiply(prec_slope, ops.add(dtp, ops.multiply(intercept, ops.log(safe_p_ratio)))),
            ops.maximum(ops.add(tp[1:], fn[1:]), 0.0))
        return self._total(increments)

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self._counts()
        recall = divide_no_nan(tp, ops.add(tp, fn))
        if self.curve == "ROC":
            x = divide_no_nan(fp, ops.add(fp, tn))
            y = recall
        elif self.curve == "PR":
            x = recall
            y = divide_no_nan(tp, ops.add(tp, fp))
        else:   # PRGAIN
            scaling = divide_no_nan(ops.add(tp, fn), ops.add(tn, fp))
            no_tp = ops.equal(tp, 0.0)
            recall_gain = ops.subtract(1.0, ops.multiply(scaling, divide_no_nan(fn, tp)))
            precision_gain = ops.subtract(1.0, ops.multiply(scaling, divide_no_nan(fp, tp)))
            recall_gain = ops.maximum(ops.where(no_tp, ops.zeros_like(tp), recall_gain), 0.0)
            precision_gain = ops.where(no_tp, ops.ones_like(tp), precision_gain)
            x, y = recall_gain, precision_gain
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = ops.divide(ops.add(y[:n - 1], y[1:]), 2.0)
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[:n - 1], y[1:])
        else:
            heights = ops.maximum(y[:n - 1], y[1:])
        return self._total(ops.multiply(ops.subtract(x[:n - 1], x[1:]), heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        weights = config.get("label_weights")
        if isinstance(weights, dict):   # Keras writes its tensor as {"class_name": "__tensor__", ...}
            config["label_weights"] = weights["config"]["value"]
        return cls(**config)

    def get_config(self):
        config_ = {**super().get_config(), "num_thresholds": self.num_thresholds,
                   "curve": self.curve, "summation_method": self.summation_method,
                   "multi_label": self.multi_label, "num_labels": self.num_labels,
                   "label_weights": self._label_weights_config, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config_["thresholds"] = self.thresholds[1:-1]
        return config_
