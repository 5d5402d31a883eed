"""Probabilistic losses: cross-entropies (binary, categorical, sparse, focal, generalized), KL
divergence, Poisson.

The cross-entropies call the backends' fused, numerically stable ops
(``ops.binary_crossentropy``, ``ops.categorical_crossentropy``,
``ops.sparse_categorical_crossentropy``); with ``from_logits=True`` they never
take the log of a softmax or sigmoid output. Shapes are checked before the op
runs, so a wrong label format gets an error that says which loss fits it.

Integer class labels outside ``[0, classes)`` would give the sparse
cross-entropy a finite, wrong value (0.0 for -1); they are refused where the
labels are on the host and reading them costs nothing: by the trainer, once per
``fit``/``evaluate`` on the data's arrays, and here when a loss is called
directly on numpy arrays or lists. Labels already in a backend's tensors (on a
GPU, or traced by ``jax.jit``) are not read back.
"""

import numbers
import warnings

import numpy as np

from kerasette import ops
from kerasette.backends import config
from kerasette.losses.loss import LossFunctionWrapper
from kerasette.losses.regression import prepare_inputs


# ---------------------------------------------------------------------- shape checks
def check_same_shape(y_true, y_pred, loss_name):
    """Raises ``ValueError`` unless ``y_true`` and ``y_pred`` have the same shape.

    Integer class labels given to a categorical loss get a pointer to the
    sparse loss and to one-hot encoding.
    """
    true_shape, pred_shape = ops.shape(y_true), ops.shape(y_pred)
    if true_shape == pred_shape:
        return
    if loss_name.startswith("categorical") and len(pred_shape) >= 1 and (
            true_shape == pred_shape[:-1] or true_shape == pred_shape[:-1] + (1,)):
        raise ValueError(
            f"{loss_name} expects one-hot labels y_true with the shape of y_pred, but got "
            f"y_true {true_shape} and y_pred {pred_shape}: y_true looks like integer class "
            f"labels. Use SparseCategoricalCrossentropy (loss=\"sparse_categorical_crossentropy\") "
            f"for integer labels, or one-hot encode them with "
            f"kerasette.utils.to_categorical(y, num_classes={pred_shape[-1]})."
        )
    raise ValueError(
        f"{loss_name} expects y_true and y_pred of the same shape, got y_true {true_shape} "
        f"and y_pred {pred_shape}."
    )


def sparse_labels(y_true, y_pred, axis=-1, loss_name="sparse_categorical_crossentropy"):
    """Integer class ids ``y_true`` (int32) with the shape of ``y_pred`` without ``axis``.

    A trailing class axis of size 1 (labels shaped ``(batch, 1)``) is dropped.
    One-hot labels, or any other shape, raise ``ValueError``.
    """
    y_true = ops.convert_to_tensor(y_true)
    true_shape, pred_shape = ops.shape(y_true), ops.shape(y_pred)
    if len(true_shape) == len(pred_shape) and true_shape and true_shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
        true_shape = ops.shape(y_true)
    if not pred_shape:
        raise ValueError(f"{loss_name} expects y_pred with a class axis, got a scalar y_pred.")
    class_axis = axis % len(pred_shape)
    expected = pred_shape[:class_axis] + pred_shape[class_axis + 1:]
    if true_shape != expected:
        if true_shape == pred_shape:
            raise ValueError(
                f"{loss_name} expects integer class labels y_true of shape {expected}, but got "
                f"y_true {true_shape}, the shape of y_pred {pred_shape}: y_true looks one-hot "
                f"encoded. Use CategoricalCrossentropy (loss=\"categorical_crossentropy\") for "
                f"one-hot labels, or pass ops.argmax(y_true, axis={axis})."
            )
        raise ValueError(
            f"{loss_name} expects integer class labels y_true of shape {expected} (the shape of "
            f"y_pred {pred_shape} without axis {axis}), got y_true {true_shape}."
        )
    return ops.cast(y_true, "int32")


def check_class_ids(labels, num_classes, ignore_class=None, where="y_true",
                    loss_name="sparse_categorical_crossentropy"):
    """Raises ``ValueError`` unless every entry of the host array ``labels`` is an integer in
    ``[0, num_classes)`` (or ``ignore_class``), naming the first bad label and its sample.

    Example:
        >>> check_class_ids(np.array([0, 2, -1]), 3)   # ValueError: ... label -1 (sample 2) ...
    """
    labels = np.asarray(labels)
    if labels.size == 0 or labels.dtype.kind in "iu" and labels.min() >= 0 and \
            labels.max() < num_classes:
        return  # the common case, without a mask the size of the labels
    if labels.dtype.kind == "f":
        bad = (labels < 0) | (labels >= num_classes) | (labels != np.floor(labels))
    else:
        bad = (labels < 0) | (labels >= num_classes)
    if ignore_class is not None:
        bad &= labels != ignore_class
    if not bad.any():
        return
    position = tuple(int(i) for i in np.argwhere(bad)[0])
    value = labels[position].item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    sample = f" (sample {position[0]})" if position else ""
    allowed = f" (or ignore_class={ignore_class})" if ignore_class is not None else ""
    raise ValueError(
        f"{loss_name}: {where} has label {value}{sample}, which is not one of the "
        f"{num_classes} classes of y_pred: labels must be integers in [0, {num_classes - 1}]"
        f"{allowed}."
    )


def class_id_arguments(loss):
    """``(axis, ignore_class)`` when ``loss`` (a :class:`~kerasette.losses.Loss`) is the
    sparse categorical cross-entropy, whose labels are class ids; None for any other loss."""
    if getattr(loss, "fn", None) is not sparse_categorical_crossentropy:
        return None
    arguments = getattr(loss, "_fn_kwargs", {})
    return arguments.get("axis", -1), arguments.get("ignore_class")


def _check_host_class_ids(y_true, y_pred, axis, ignore_class):
    """:func:`check_class_ids` for labels given as numpy arrays, lists or numbers (host
    memory, free to read); tensors are left alone (see the module docstring)."""
    if isinstance(y_true, (np.ndarray, list, tuple, numbers.Number)):
        num_classes = ops.shape(ops.convert_to_tensor(y_pred))[axis]
        check_class_ids(y_true, num_classes, ignore_class)


def ignore_class_mask(y_true, y_pred, ignore_class, axis=-1):
    """The boolean mask of labels other than ``ignore_class`` (None when ``ignore_class`` is None)."""
    if ignore_class is None:
        return None
    labels = sparse_labels(y_true, ops.convert_to_tensor(y_pred), axis)
    return ops.not_equal(labels, int(ignore_class))


# ---------------------------------------------------------------------- functions
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy averaged over ``axis``: one value per sample.

    Args:
        y_true: labels in [0, 1], the shape of ``y_pred``.
        y_pred: probabilities, or logits with ``from_logits=True``.
        from_logits: whether ``y_pred`` holds logits (the stable form is used).
        label_smoothing: in [0, 1]; labels become ``y * (1 - s) + 0.5 * s``.
        axis: the axis averaged over (default -1).

    Example:
        >>> binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])   # [0.916, 0.714]
    """
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    check_same_shape(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    values = ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
    return ops.mean(values, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy (Lin et al., 2018) averaged over ``axis``.

    The binary cross-entropy of each entry is scaled by ``(1 - p_t) ** gamma``,
    where ``p_t`` is the probability given to the true class, so that easy
    examples count less; with ``apply_class_balancing`` also by ``alpha`` for
    class 1 and ``1 - alpha`` for class 0. ``gamma=0`` gives plain binary
    cross-entropy.
    """
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    check_same_shape(y_true, y_pred, "binary_focal_crossentropy")
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = ops.add(ops.multiply(y_true, y_pred),
                  ops.multiply(ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)))
    focal_bce = ops.multiply(ops.power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha),
                         ops.multiply(ops.subtract(1.0, y_true), 1.0 - alpha))
        focal_bce = ops.multiply(weight, focal_bce)
    return ops.mean(focal_bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy of one-hot labels along ``axis``: one value per sample.

    Args:
        y_true: one-hot (or soft) labels, the shape of ``y_pred``. For integer
            labels use :func:`sparse_categorical_crossentropy`.
        y_pred: probabilities (normalised to sum to 1), or logits with ``from_logits``.
        from_logits: whether ``y_pred`` holds logits (log-softmax is used).
        label_smoothing: in [0, 1]; labels become ``y * (1 - s) + s / num_classes``.
        axis: the class axis (default -1).

    Example:
        >>> categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
        ...                          [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])   # [0.0513, 2.303]
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be an int, got axis={axis!r}.")
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    check_same_shape(y_true, y_pred, "categorical_crossentropy")
    if ops.shape(y_pred) and ops.shape(y_pred)[-1] == 1:
        warnings.warn(
            f"In categorical_crossentropy, expected y_pred of shape (batch_size, num_classes) "
            f"with num_classes > 1, got {ops.shape(y_pred)}; consider binary_crossentropy for "
            "two classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = ops.shape(y_true)[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy (Lin et al., 2018) along ``axis``.

    Each class's cross-entropy term is scaled by ``alpha * (1 - p) ** gamma``;
    ``alpha`` may be a scalar or one value per class.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be an int, got axis={axis!r}.")
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    check_same_shape(y_true, y_pred, "categorical_focal_crossentropy")
    if label_smoothing:
        num_classes = ops.shape(y_true)[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    epsilon = config.epsilon()
    output = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    output = ops.clip(output, epsilon, 1.0 - epsilon)
    cce = ops.negative(ops.multiply(y_true, ops.log(output)))
    if isinstance(alpha, (list, tuple)):
        alpha = ops.convert_to_tensor(alpha, dtype=ops.dtype(y_pred))
    weighting = ops.multiply(ops.power(ops.subtract(1.0, output), gamma), alpha)
    return ops.sum(ops.multiply(weighting, cce), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy of integer class labels: one value per sample.

    Args:
        y_true: integer class ids, the shape of ``y_pred`` without ``axis``
            (a trailing axis of 1 is accepted).
        y_pred: probabilities, or logits with ``from_logits``.
        from_logits: whether ``y_pred`` holds logits.
        ignore_class: a class id (e.g. -1 or 255 for "void") whose entries
            get loss 0; the loss classes also leave them out of the average.
        axis: the class axis of ``y_pred`` (default -1).

    Example:
        >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])   # [0.0513, 2.303]
    """
    y_pred = ops.convert_to_tensor(y_pred)
    if not ops.dtype(y_pred).startswith(("float", "bfloat")):
        y_pred = ops.cast(y_pred, config.floatx())
    labels = sparse_labels(y_true, y_pred, axis)
    _check_host_class_ids(y_true, y_pred, axis, ignore_class)
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits,
                                                   axis=axis)
    valid = ops.not_equal(labels, int(ignore_class))
    labels = ops.where(valid, labels, ops.zeros_like(labels))
    # ignored rows become uniform (ones), finite for probabilities and logits alike
    y_pred = ops.where(ops.expand_dims(valid, axis), y_pred, ops.ones_like(y_pred))
    values = ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits, axis=axis)
    return ops.where(valid, values, ops.zeros_like(values))


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence ``sum(y_true * log(y_true / y_pred), axis=-1)``.

    Both are clipped to ``[epsilon, 1]`` first.
    """
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    epsilon = config.epsilon()
    y_true = ops.clip(y_true, epsilon, 1.0)
    y_pred = ops.clip(y_pred, epsilon, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """Poisson loss ``mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)``."""
    y_true, y_pred = prepare_inputs(y_true, y_pred)
    log_pred = ops.log(ops.add(y_pred, config.epsilon()))
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, log_pred)), axis=-1)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """The generalized cross-entropy ``(1 - p ** q) / q`` of integer labels, where ``p`` is the
    predicted probability of the true class (Zhang and Sabuncu, 2018).

    Robust to noisy labels: as ``q`` goes to 0 it approaches the cross-entropy, at ``q = 1``
    it is the mean absolute error of the one-hot labels.

    Args:
        y_true: integer class ids, shape ``(batch,)`` or ``(batch, 1)``.
        y_pred: class probabilities, shape ``(batch, classes)``.
        q: in ``(0, 1)``.

    Returns:
        One loss per sample, shape ``(batch,)``.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = sparse_labels(y_true, y_pred, loss_name="categorical_generalized_cross_entropy")
    one_hot = ops.one_hot(labels, ops.shape(y_pred)[-1], dtype=ops.dtype(y_pred))
    probability = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(probability, q)), q)


# ---------------------------------------------------------------------- classes
class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy, for 0/1 labels (one or several independent labels per sample).

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities
            (recommended: a final linear layer and ``from_logits=True``).
        label_smoothing: in [0, 1]; squeezes labels towards 0.5.
        axis: the axis averaged over (default -1).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        name: the loss's name.
        dtype: the dtype of the computation (default floatx).

    Example:
        >>> BinaryCrossentropy(from_logits=True)([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])   # 0.8654
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal cross-entropy: binary cross-entropy that down-weights easy examples.

    Args:
        apply_class_balancing: whether to weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
        alpha: the class-1 weight for class balancing (default 0.25).
        gamma: the focusing parameter (default 2.0; 0 gives binary cross-entropy).
        from_logits, label_smoothing, axis: as :class:`BinaryCrossentropy`.
        reduction, name, dtype: as :class:`BinaryCrossentropy`.
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy, for one-hot labels of shape ``(batch, num_classes)``.

    For integer labels use :class:`SparseCategoricalCrossentropy`.

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; with 0.1, non-target labels become
            ``0.1 / num_classes`` and targets ``0.9 + 0.1 / num_classes``.
        axis: the class axis (default -1).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        name: the loss's name.
        dtype: the dtype of the computation (default floatx).

    Example:
        >>> CategoricalCrossentropy()([[0, 1, 0], [0, 0, 1]],
        ...                           [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])   # 1.177
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal cross-entropy: each class term scaled by ``alpha * (1 - p) ** gamma``.

    Args:
        alpha: a weight for all classes (a float) or one per class (a list); default 0.25.
        gamma: the focusing parameter (default 2.0).
        from_logits, label_smoothing, axis, reduction, name, dtype: as
            :class:`CategoricalCrossentropy`.
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.alpha = alpha
        self.gamma = gamma
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy for integer class labels (shape ``(batch,)`` or ``(batch, 1)``).

    Args:
        from_logits: whether ``y_pred`` holds logits rather than probabilities.
        ignore_class: a class id (e.g. -1 or 255) whose entries are left out:
            their loss is 0 and, with ``"sum_over_batch_size"``, the average
            runs over the other entries only.
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``.
        axis: the class axis of ``y_pred`` (default -1).
        name: the loss's name.
        dtype: the dtype of the computation (default floatx).

    Example:
        >>> SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])   # 1.177
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def __call__(self, y_true, y_pred, sample_weight=None):
        # the labels are checked as given, before Loss.__call__ makes tensors of them
        _check_host_class_ids(y_true, y_pred, self.axis, self.ignore_class)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def compute_loss_mask(self, y_true, y_pred):
        return ignore_class_mask(y_true, y_pred, self.ignore_class, self.axis)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence ``y_true * log(y_true / y_pred)``, summed over the last axis.

    Args:
        reduction, name, dtype: as :class:`CategoricalCrossentropy`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss ``y_pred - y_true * log(y_pred)``, averaged over the last axis.

    Args:
        reduction, name, dtype: as :class:`CategoricalCrossentropy`.
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """The generalized cross-entropy of integer labels, robust to noisy labels (see
    :func:`categorical_generalized_cross_entropy`).

    Args:
        q: in ``(0, 1)`` (default 0.5): near 0 it behaves like the cross-entropy, near 1 like
            the mean absolute error.
        reduction, name, dtype: as :class:`CategoricalCrossentropy`.

    Example:
        >>> loss = CategoricalGeneralizedCrossEntropy(q=0.7)
        >>> loss([0, 1], [[0.7, 0.3], [0.2, 0.8]])
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy expects q in (0, 1), got {q!r}.")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction,
                         dtype=dtype, q=q)
        self.q = q
