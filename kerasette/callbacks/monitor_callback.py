"""MonitorCallback: the base of callbacks that watch one logged quantity for improvement.

EarlyStopping, ModelCheckpoint and ReduceLROnPlateau share it: which way is better
(``mode``), how much better counts (``min_delta``), and the comparison itself.
"""

import math
import operator
import warnings

from kerasette.callbacks.callback import Callback

# Metrics whose larger values are better, by class name (a subclass inherits its base's
# direction). A metric may also say so itself with ``_direction = "up"`` or ``"down"``.
_HIGHER_IS_BETTER = {
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "Precision", "Recall",
    "AUC", "SensitivityAtSpecificity", "SpecificityAtSensitivity", "PrecisionAtRecall",
    "RecallAtPrecision", "FBetaScore", "F1Score", "CosineSimilarity", "R2Score", "IoU",
    "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation",
    "ConcordanceCorrelation",
}
_LOWER_IS_BETTER = {
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "RootMeanSquaredError", "LogCoshError", "Hinge",
    "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
}


def metric_direction(metric):
    """``"up"`` when larger values of ``metric`` are better, ``"down"`` when smaller, else None."""
    direction = getattr(metric, "_direction", None)
    if direction in ("up", "down"):
        return direction
    for cls in type(metric).__mro__:
        if cls.__name__ in _HIGHER_IS_BETTER:
            return "up"
        if cls.__name__ in _LOWER_IS_BETTER:
            return "down"
    return None


class MonitorCallback(Callback):
    """Base class of callbacks that monitor a quantity of the logs (Keras 3's MonitorCallback).

    Args:
        monitor: the log key to watch (default ``"val_loss"``).
        mode: ``"min"``, ``"max"`` or ``"auto"`` (the direction is inferred: a loss is
            minimized; a compiled metric's direction comes from its kind, e.g. accuracy is
            maximized). An unknown mode warns and falls back to ``"auto"``.
        baseline: the initial best value; None takes the first monitored value.
        min_delta: the smallest change that counts as an improvement (its sign is ignored).

    Raises:
        ValueError: in ``"auto"`` mode, when the direction of ``monitor`` cannot be inferred.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss" or name.endswith("_loss"):
                self.monitor_op = operator.lt
            for metric in self._compiled_metrics():
                if metric.name == name:
                    direction = metric_direction(metric)
                    if direction is not None:
                        self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but the "
                    "direction of that quantity cannot be inferred. Pass mode='max' to monitor "
                    "the highest value, or mode='min' for the lowest."
                )
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _compiled_metrics(self):
        result = []
        for metric in getattr(self.model, "metrics", None) or []:
            result.extend(getattr(metric, "metrics", None) or [metric])
        return result

    def _is_improvement(self, monitor_value, reference_value):
        """Whether ``monitor_value`` beats ``reference_value`` by more than ``min_delta``
        (anything beats None; NaN beats nothing)."""
        if self.monitor_op is None:
            self._set_monitor_op()
        if reference_value is None:
            return not _is_nan(monitor_value)
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _is_nan(value):
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False
