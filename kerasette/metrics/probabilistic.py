"""Probabilistic metrics: the cross-entropies, KL divergence and Poisson, averaged over samples.

They average the loss functions of :mod:`kerasette.losses` (one formula each).
"""

from kerasette.losses.probabilistic import (
    binary_crossentropy,
    categorical_crossentropy,
    ignore_class_mask,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from kerasette.metrics.reduction import MeanMetricWrapper


class KLDivergence(MeanMetricWrapper):
    """The mean Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred))``.

    Args:
        name: the metric's name (default ``"kl_divergence"``).
        dtype: the dtype of the state and the result.
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)



class Poisson(MeanMetricWrapper):
    """The mean Poisson loss ``y_pred - y_true * log(y_pred)``. Arguments as :class:`KLDivergence`."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)



class BinaryCrossentropy(MeanMetricWrapper):
    """The mean binary cross-entropy.

    Args:
        name: the metric's name (default ``"binary_crossentropy"``).
        dtype: the dtype of the state and the result.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: in [0, 1]; squeezes labels towards 0.5.
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing



class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy of one-hot labels.

    Args:
        name: the metric's name (default ``"categorical_crossentropy"``).
        dtype: the dtype of the state and the result.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: in [0, 1].
        axis: the class axis (default -1).
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis



class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean categorical cross-entropy of integer labels.

    Args:
        name: the metric's name (default ``"sparse_categorical_crossentropy"``).
        dtype: the dtype of the state and the result.
        from_logits: whether ``y_pred`` holds logits.
        ignore_class: a class id whose entries get value 0 (and, with sample
            weights, weight 0).
        axis: the class axis (default -1).
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def compute_values_mask(self, y_true, y_pred):
        return ignore_class_mask(y_true, y_pred, self.ignore_class, self.axis)

