"""Hinge losses, for maximum-margin classifiers: hinge, squared hinge, categorical hinge.

Labels are -1 or 1; labels given as 0 or 1 are mapped to -1 or 1 first (when
every label of the batch is 0 or 1, as Keras 3 decides it).
"""

from kerasette import ops
from kerasette.losses.loss import LossFunctionWrapper
from kerasette.losses.regression import prepare_inputs


def convert_binary_labels_to_hinge(y_true):
    """``2 * y_true - 1`` when every label is 0 or 1, else ``y_true`` unchanged.

    The test runs on the values, so it is written with ``ops.where`` (no
    Python branch): it works inside ``jax.jit``.
    """
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return ops.where(is_binary, ops.subtract(ops.multiply(y_true, 2.0), 1.0), y_true)


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)`` with labels -1/1 (or 0/1)."""
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    y_true = convert_binary_labels_to_hinge(y_true)
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`` with labels -1/1 (or 0/1)."""
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    y_true = convert_binary_labels_to_hinge(y_true)
    margin = ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)
    return ops.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``maximum(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)`` over the last axis; one-hot ``y_true``."""
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


class Hinge(LossFunctionWrapper):
    """The hinge loss ``maximum(1 - y_true * y_pred, 0)``, averaged over the last axis.

    Args:
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        name: the loss's name.
        dtype: the dtype of the computation (default floatx).
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """The squared hinge loss ``square(maximum(1 - y_true * y_pred, 0))``. Arguments as :class:`Hinge`."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """The categorical hinge loss ``maximum(neg - pos + 1, 0)``. Arguments as :class:`Hinge`."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)
