"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh, cosine.

Each loss is a function of per-sample values (``mean_squared_error(y_true,
y_pred)`` averages over the last axis, giving shape ``(batch, ...)``) and a
:class:`~kerasette.losses.loss.Loss` class that reduces them over the batch.
The formulas and their guards (epsilons, clipping) are Keras 3's.
"""

import math

from kerasette import ops
from kerasette.backends import config
from kerasette.losses.loss import LossFunctionWrapper, squeeze_or_expand_to_same_rank
from kerasette.utils.vectors import normalize


def prepare_inputs(y_true, y_pred):
    """``(y_true, y_pred)`` as tensors of ``y_pred``'s float dtype (floatx for integer predictions)."""
    y_pred = ops.convert_to_tensor(y_pred)
    if not ops.dtype(y_pred).startswith(("float", "bfloat")):
        y_pred = ops.cast(y_pred, config.floatx())
    y_true = ops.cast(ops.convert_to_tensor(y_true), ops.dtype(y_pred))
    return y_true, y_pred


# ---------------------------------------------------------------------- functions
def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``: one value per sample.

    Example:
        >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])   # [0.5]
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_inputs(y_true, y_pred))
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``: one value per sample."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_inputs(y_true, y_pred))
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / y_true), axis=-1)``.

    The division is by ``max(abs(y_true), epsilon)``, so zero targets give a
    large but finite value.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_inputs(y_true, y_pred))
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred),
                              ops.maximum(ops.abs(y_true), config.epsilon())))
    return ops.multiply(100.0, ops.mean(diff, axis=-1))


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(y_pred + 1) - log(y_true + 1)), axis=-1)``.

    Values below ``epsilon`` (including negative ones) are raised to ``epsilon``.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_inputs(y_true, y_pred))
    epsilon = config.epsilon()
    first_log = ops.log(ops.add(ops.maximum(y_pred, epsilon), 1.0))
    second_log = ops.log(ops.add(ops.maximum(y_true, epsilon), 1.0))
    return ops.mean(ops.square(ops.subtract(first_log, second_log)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss, averaged over the last axis.

    ``0.5 * x**2`` where ``|x| <= delta``, else ``delta * |x| - 0.5 * delta**2``,
    with ``x = y_pred - y_true``: quadratic near zero, linear beyond ``delta``.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_inputs(y_true, y_pred))
    delta = float(delta)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(0.5, ops.square(error))
    linear = ops.subtract(ops.multiply(delta, abs_error), 0.5 * delta * delta)
    return ops.mean(ops.where(ops.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed without overflow.

    ``log(cosh(x)) = x + softplus(-2x) - log(2)``: about ``x**2 / 2`` for small
    ``x`` and ``|x| - log(2)`` for large ``x``.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_inputs(y_true, y_pred))
    x = ops.subtract(y_pred, y_true)
    values = ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), math.log(2.0))
    return ops.mean(values, axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``.

    Between -1 (same direction) and 1 (opposite), 0 when either is a zero
    vector: minimizing it maximizes the similarity.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_inputs(y_true, y_pred))
    y_true = normalize(y_true, axis=axis)
    y_pred = normalize(y_pred, axis=axis)
    return ops.negative(ops.sum(ops.multiply(y_true, y_pred), axis=axis))


# ---------------------------------------------------------------------- classes
class MeanSquaredError(LossFunctionWrapper):
    """Mean of the squared errors: ``mean(square(y_true - y_pred))``.

    Args:
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        name: the loss's name.
        dtype: the dtype of the computation (default floatx).

    Example:
        >>> MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])   # 0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of the absolute errors: ``mean(abs(y_true - y_pred))``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """``100 * mean(abs((y_true - y_pred) / y_true))``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """``mean(square(log(y_true + 1) - log(y_pred + 1)))``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


class Huber(LossFunctionWrapper):
    """The Huber loss: quadratic for errors up to ``delta``, linear beyond.

    Args:
        delta: where the loss turns from quadratic to linear (default 1.0).
        reduction, name, dtype: as :class:`MeanSquaredError`.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta


class LogCosh(LossFunctionWrapper):
    """``mean(log(cosh(y_pred - y_true)))``. Arguments as :class:`MeanSquaredError`."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between ``y_true`` and ``y_pred`` along ``axis``.

    Args:
        axis: the features axis (default -1).
        reduction, name, dtype: as :class:`MeanSquaredError`.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis
