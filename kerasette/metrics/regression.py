"""Regression metrics: mean squared/absolute/percentage/logarithmic error, RMSE, cosine, log-cosh,
R2.

Each averages the per-sample function of the same name in
:mod:`kerasette.losses` over every sample seen (one formula, shared with the
losses).
"""

from kerasette import ops
from kerasette.losses.loss import squeeze_or_expand_to_same_rank
from kerasette.losses.regression import (
    cosine_similarity as _negative_cosine_similarity,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from kerasette.metrics.metric import Metric
from kerasette.metrics.reduction import Mean, MeanMetricWrapper


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine similarity of ``y_true`` and ``y_pred`` along ``axis``: 1 for the same direction."""
    return ops.negative(_negative_cosine_similarity(y_true, y_pred, axis=axis))


class MeanSquaredError(MeanMetricWrapper):
    """The mean of ``square(y_true - y_pred)`` over every value seen.

    Args:
        name: the metric's name (default ``"mean_squared_error"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean of ``abs(y_true - y_pred)``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean of ``100 * abs((y_true - y_pred) / y_true)``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean of ``square(log(y_true + 1) - log(y_pred + 1))``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """The mean of ``log(cosh(y_pred - y_true))``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine similarity of ``y_true`` and ``y_pred`` (1: same direction).

    Args:
        name: the metric's name (default ``"cosine_similarity"``).
        dtype: the dtype of the state and the result.
        axis: the features axis (default -1).
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis  # in the config too (Keras 3 leaves it out; it reads it back)


class RootMeanSquaredError(Mean):
    """``sqrt(mean(square(y_true - y_pred)))`` over every value seen (weighted by ``sample_weight``).

    Args:
        name: the metric's name (default ``"root_mean_squared_error"``).
        dtype: the dtype of the state and the result.

    Example:
        >>> m = RootMeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> m.result()   # 0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(ops.square(ops.subtract(y_pred, y_true)), sample_weight=sample_weight)

    def result(self):
        return ops.sqrt(super().result())


class R2Score(Metric):
    """The coefficient of determination ``1 - SS_res / SS_tot`` of each output, over every
    sample seen.

    Inputs are 2-D ``(batch, outputs)``. The state is per output: the weighted sums of
    ``y_true``, of its square and of the squared residuals, and the weights' sum, so the
    score over many batches is the score over their union.

    Args:
        class_aggregation: how the per-output scores combine: ``"uniform_average"`` (default,
            their mean), ``"variance_weighted_average"`` (weighted by each output's variance)
            or None (one score per output).
        num_regressors: the number of independent variables for the adjusted R2
            ``1 - (1 - R2) (n - 1) / (n - p - 1)`` (0, default: the plain R2). As in Keras 3,
            ``n`` counts every value seen (samples times outputs).
        name: the metric's name (default ``"r2_score"``).
        dtype: the dtype of the state and the result.

    Example:
        >>> m = R2Score()
        >>> m.update_state([[1.0], [2.0], [3.0]], [[1.1], [1.9], [3.2]])
        >>> float(m.result())    # 1 - 0.06 / 2
        0.97
    """

    _AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(f"R2Score: class_aggregation must be one of {self._AGGREGATIONS}, "
                             f"got {class_aggregation!r}.")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, got {num_regressors}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def build(self, y_true_shape, y_pred_shape):
        """Makes the per-output state for ``(batch, outputs)`` inputs."""
        if self._built:
            return
        if len(y_true_shape) != 2 or len(y_pred_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(f"R2Score expects 2-D inputs of shape (batch, outputs) with a known "
                             f"number of outputs; got y_true {tuple(y_true_shape)} and y_pred "
                             f"{tuple(y_pred_shape)}.")
        outputs = (int(y_pred_shape[-1]),)
        self.squared_sum = self.add_variable(outputs, "zeros", name="squared_sum")
        self.sum = self.add_variable(outputs, "zeros", name="sum")
        self.total_mse = self.add_variable(outputs, "zeros", name="residual")
        self.count = self.add_variable(outputs, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch; ``sample_weight`` is a scalar, one weight per sample, or one per
        value (broadcast to ``y_true``'s shape)."""
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        self.build(ops.shape(y_true), ops.shape(y_pred))
        weights = ops.convert_to_tensor(1.0 if sample_weight is None else sample_weight,
                                        dtype=self.dtype)
        if ops.ndim(weights) == 1:
            weights = ops.expand_dims(weights, 1)
        weights = ops.broadcast_to(weights, ops.shape(y_true))
        weighted_true = ops.multiply(y_true, weights)
        self.sum.assign_add(ops.sum(weighted_true, axis=0))
        self.squared_sum.assign_add(ops.sum(ops.multiply(y_true, weighted_true), axis=0))
        self.total_mse.assign_add(
            ops.sum(ops.multiply(ops.square(ops.subtract(y_true, y_pred)), weights), axis=0))
        self.count.assign_add(ops.sum(weights, axis=0))
        self.num_samples.assign_add(ops.cast(ops.size(y_true), self.dtype))

    def result(self):
        mean = ops.divide(self.sum, self.count)
        total = ops.subtract(self.squared_sum, ops.multiply(self.sum, mean))
        scores = ops.subtract(1.0, ops.divide(self.total_mse, total))
        # an output that never varies has no defined score: 0, as Keras 3 gives
        scores = ops.where(ops.isinf(scores), ops.zeros_like(scores), scores)
        if self.class_aggregation == "uniform_average":
            score = ops.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = ops.divide(ops.sum(ops.multiply(total, scores)), ops.sum(total))
        else:
            score = scores
        if self.num_regressors == 0:
            return score
        # the adjusted score needs n - p - 1 > 0; below that it is the plain score (Keras 3
        # warns there, which would read n back from the device at every result)
        n = ops.convert_to_tensor(self.num_samples)
        denominator = ops.subtract(ops.subtract(n, float(self.num_regressors)), 1.0)
        adjusted = ops.subtract(1.0, ops.divide(
            ops.multiply(ops.subtract(1.0, score), ops.subtract(n, 1.0)),
            ops.where(ops.greater(denominator, 0.0), denominator, ops.ones_like(denominator))))
        return ops.where(ops.greater(denominator, 0.0), adjusted, score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
