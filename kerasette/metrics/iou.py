"""Intersection-over-union metrics for segmentation: ``IoU``, ``MeanIoU``, ``BinaryIoU``,
``OneHotIoU``, ``OneHotMeanIoU``.

State: one ``(num_classes, num_classes)`` confusion matrix (rows: true class, columns:
predicted class) accumulated over batches, in the metric's dtype: ``"int32"`` by default as
in Keras 3, so that pixel counts stay exact past float32's 2**24 (fractional sample weights
need ``dtype="float32"``; they are truncated otherwise, with a warning). A class's IoU is
``TP / (TP + FP + FN)``; the result averages it over the chosen classes that occur (in the
labels or the predictions).
"""

import warnings

from kerasette import ops
from kerasette.backends import config
from kerasette.metrics.metric import Metric


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype="int32"):
    """The ``(num_classes, num_classes)`` matrix whose entry ``[i, j]`` sums the weights of
    the samples of true class ``i`` predicted as class ``j``.

    ``labels``, ``predictions`` (and ``weights``) are 1-D of the same length, the classes in
    ``[0, num_classes)``. Computed as a product of one-hot matrices: no scatter, no host
    read, the same on every backend and inside compiled steps.
    """
    compute = "float32" if dtype.startswith("int") else dtype
    rows = ops.one_hot(ops.cast(labels, "int32"), num_classes, dtype=compute)
    columns = ops.one_hot(ops.cast(predictions, "int32"), num_classes, dtype=compute)
    if weights is not None:
        rows = ops.multiply(rows, ops.expand_dims(ops.cast(weights, compute), 1))
    return ops.cast(ops.matmul(ops.transpose(rows), columns), dtype)


class IoU(Metric):
    """The intersection over union of the classes ``target_class_ids``, averaged.

    Args:
        num_classes: the number of classes (the confusion matrix is ``num_classes`` square).
        target_class_ids: the classes whose IoU is averaged (one id: that class's IoU).
        name: the metric's name.
        dtype: the dtype of the confusion matrix (default ``"int32"``).
        ignore_class: a true class left out of the counts (e.g. a "void" label), or None.
        sparse_y_true: whether ``y_true`` holds class ids (True) or scores over ``axis``.
        sparse_y_pred: whether ``y_pred`` holds class ids (True) or scores over ``axis``.
        axis: the class axis of non-sparse inputs.

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> float(m.result())    # class 0: 1 / (2 + 2 - 1)
        0.3333...
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes or min(target_class_ids) < 0:
            raise ValueError(f"{type(self).__name__}: target_class_ids {target_class_ids} must "
                             f"be class ids in [0, {num_classes}).")
        self.num_classes = num_classes
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the batch to the confusion matrix. Entries whose true or predicted class is
        outside ``[0, num_classes)``, or whose true class is ``ignore_class``, do not count."""
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        y_true = ops.reshape(ops.cast(ops.convert_to_tensor(y_true), "int32"), (-1,))
        y_pred = ops.reshape(ops.cast(ops.convert_to_tensor(y_pred), "int32"), (-1,))
        counted = ops.logical_and(
            ops.logical_and(ops.greater_equal(y_true, 0), ops.less(y_true, self.num_classes)),
            ops.logical_and(ops.greater_equal(y_pred, 0), ops.less(y_pred, self.num_classes)))
        if self.ignore_class is not None:
            counted = ops.logical_and(counted, ops.not_equal(y_true, self.ignore_class))
        if sample_weight is None:
            weights = ops.cast(counted, self.dtype)
        else:
            sample_weight = ops.convert_to_tensor(sample_weight)
            if self.dtype.startswith("int") and ops.dtype(sample_weight).startswith("float"):
                warnings.warn(f"{type(self).__name__} {self.name!r} counts in {self.dtype}: "
                              f"float sample weights are truncated to integers. Pass "
                              f"dtype='float32' to count fractional weights.", stacklevel=2)
            sample_weight = ops.broadcast_to(
                ops.reshape(ops.cast(sample_weight, self.dtype), (-1,)), ops.shape(y_true))
            weights = ops.where(counted, sample_weight, ops.zeros_like(sample_weight))
        zero = ops.zeros_like(y_true)
        matrix = confusion_matrix(ops.where(counted, y_true, zero), ops.where(counted, y_pred, zero),
                                  self.num_classes, weights, self.dtype)
        self.total_cm.assign_add(matrix)

    def result(self):
        """The mean IoU of the target classes that occur (0 when none does)."""
        matrix = ops.cast(ops.convert_to_tensor(self.total_cm), "float32")
        true_positives = ops.sum(ops.multiply(matrix, ops.eye(self.num_classes)), axis=1)
        union = ops.subtract(ops.add(ops.sum(matrix, axis=0), ops.sum(matrix, axis=1)),
                             true_positives)
        targets = ops.convert_to_tensor(self.target_class_ids, dtype="int32")
        true_positives = ops.take(true_positives, targets)
        union = ops.take(union, targets)
        occurs = ops.greater(union, 1e-9)
        iou = ops.where(occurs, ops.divide(true_positives, ops.add(union, config.epsilon())),
                        ops.zeros_like(union))
        count = ops.sum(ops.cast(occurs, "float32"))
        return ops.divide(ops.sum(iou), ops.add(count, config.epsilon()))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class MeanIoU(IoU):
    """The IoU averaged over every class (the usual semantic-segmentation score).

    Args: as :class:`IoU`, without ``target_class_ids``.

    Example:
        >>> model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
        ...               metrics=[MeanIoU(num_classes=3, sparse_y_pred=False)])
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """The IoU of binary segmentation: predictions are positive at or above ``threshold``.

    Args:
        target_class_ids: ``(0, 1)`` (default: both, averaged), ``[0]`` or ``[1]``.
        threshold: the score at or above which a prediction is class 1 (default 0.5).
        name, dtype: as :class:`IoU`.
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = ops.cast(ops.greater_equal(ops.convert_to_tensor(y_pred, dtype="float32"),
                                               self.threshold), "int32")
        super().update_state(ops.cast(ops.convert_to_tensor(y_true), "int32"), predicted,
                             sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class OneHotIoU(IoU):
    """:class:`IoU` for one-hot labels (and scores as predictions, unless ``sparse_y_pred``).

    Args: as :class:`IoU`, without ``sparse_y_true``.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """:class:`MeanIoU` for one-hot labels (and scores as predictions, unless
    ``sparse_y_pred``).

    Args: as :class:`MeanIoU`, without ``sparse_y_true``.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
