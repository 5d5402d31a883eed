"""Overlap losses for segmentation masks: Dice and Tversky.

Both compare a predicted mask (probabilities) with a target mask through soft counts of true
positives, false positives and false negatives. With the default ``axis=None`` the counts run
over the whole batch and the loss is one number; ``axis=(1, 2, 3)`` gives one loss per image.
The formulas and their epsilon are Keras 3's.
"""

from kerasette import ops
from kerasette.backends import config
from kerasette.losses.loss import LossFunctionWrapper
from kerasette.losses.regression import prepare_inputs


def dice(y_true, y_pred, axis=None):
    """The Dice loss ``1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))``.

    Args:
        y_true: the target mask.
        y_pred: the predicted mask (probabilities), the same shape.
        axis: the axes the sums run over (default all: one number for the batch).

    Example:
        >>> dice([[1.0, 0.0]], [[1.0, 1.0]])   # 1 - 2 * 1 / (1 + 2) = 0.333...
    """
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)),
                    config.epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(2.0, intersection), total))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """The Tversky loss ``1 - TP / (TP + alpha * FP + beta * FN)`` of soft counts.

    Args:
        y_true: the target mask.
        y_pred: the predicted mask (probabilities), the same shape.
        alpha: the weight of false positives (``(1 - y_pred) * y_true``, as Keras 3 counts
            them).
        beta: the weight of false negatives (``y_pred * (1 - y_true)``).
        axis: the axes the sums run over (default all).

    With ``alpha = beta = 0.5`` it is the Dice loss.
    """
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    true_positives = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    false_positives = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    false_negatives = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denominator = ops.add(true_positives, ops.add(ops.multiply(false_positives, alpha),
                                                  ops.multiply(false_negatives, beta)))
    return ops.subtract(1.0, ops.divide(true_positives, ops.add(denominator, config.epsilon())))


class Dice(LossFunctionWrapper):
    """The Dice loss between a target mask and a predicted one (see :func:`dice`).

    Args:
        reduction: as :class:`~kerasette.losses.MeanSquaredError` (with ``axis=None`` the
            loss is already one number).
        name: the loss's name.
        axis: the axes the counts run over (``(1, 2, 3)``: one loss per image).
        dtype: the dtype the loss is computed in.

    Example:
        >>> loss = Dice(axis=(1, 2, 3))
        >>> model.compile(optimizer="adam", loss=loss)
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        axis = _axes(axis)
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """The Tversky loss (see :func:`tversky`): Dice with false positives and false negatives
    weighted by ``alpha`` and ``beta``.

    Args:
        alpha, beta: the weights of false positives and false negatives (default 0.5 each).
        reduction, name, dtype: as :class:`Dice`.
        axis: the axes the counts run over.
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        axis = _axes(axis)
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis


def _axes(axis):
    """``axis`` with a list made a tuple: a config read back from JSON gives the same loss and
    the same config."""
    return tuple(axis) if isinstance(axis, list) else axis
