"""Correlation metrics: ``PearsonCorrelation`` and ``ConcordanceCorrelation``.

Each sample's correlation is computed along ``axis`` (by default across the features of one
sample) and the metric averages it over the samples seen, as Keras 3 does: a per-sample
function wrapped in a mean.
"""

from kerasette import ops
from kerasette.backends import config
from kerasette.losses.loss import squeeze_or_expand_to_same_rank
from kerasette.metrics.reduction import MeanMetricWrapper


def _prepared(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=ops.dtype(y_pred))
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``: the
    mean product of their standardized values, in ``[-1, 1]``.

    Example:
        >>> pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])   # about 0.99
    """
    y_true, y_pred = _prepared(y_true, y_pred)
    centered_true = ops.subtract(y_true, ops.mean(y_true, axis=axis, keepdims=True))
    centered_pred = ops.subtract(y_pred, ops.mean(y_pred, axis=axis, keepdims=True))
    standardized_true = ops.divide(centered_true, ops.std(centered_true, axis=axis, keepdims=True))
    standardized_pred = ops.divide(centered_pred, ops.std(centered_pred, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(standardized_true, standardized_pred), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient along ``axis``:
    ``2 cov / (var_true + var_pred + (mean_true - mean_pred) ** 2)``. Unlike Pearson's it
    also penalizes a shift or a scale between the two: 1 only for ``y_pred == y_true``.
    """
    y_true, y_pred = _prepared(y_true, y_pred)
    mean_true = ops.mean(y_true, axis=axis, keepdims=True)
    mean_pred = ops.mean(y_pred, axis=axis, keepdims=True)
    covariance = ops.multiply(ops.subtract(y_true, mean_true), ops.subtract(y_pred, mean_pred))
    norm = ops.add(ops.add(ops.var(y_true, axis=axis, keepdims=True),
                           ops.var(y_pred, axis=axis, keepdims=True)),
                   ops.square(ops.subtract(mean_true, mean_pred)))
    return ops.mean(ops.divide(ops.multiply(2.0, covariance), ops.add(norm, config.epsilon())),
                    axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean over samples of Pearson's correlation along ``axis``
    (see :func:`pearson_correlation`).

    Args:
        name: the metric's name (default ``"pearson_correlation"``).
        dtype: the dtype of the state and the result.
        axis: the axis the correlation runs along (default -1, the features).
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean over samples of Lin's concordance correlation along ``axis``
    (see :func:`concordance_correlation`).

    Args:
        name: the metric's name (default ``"concordance_correlation"``).
        dtype: the dtype of the state and the result.
        axis: the axis the correlation runs along (default -1).
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
