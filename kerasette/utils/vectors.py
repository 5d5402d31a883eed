"""Numerical helpers on arrays: ``to_categorical`` and ``normalize`` (``keras.utils``)."""

import numpy as np

from kerasette import ops
from kerasette.backends.config import epsilon


def to_categorical(x, num_classes=None):
    """Converts a vector of class ids (integers) to a one-hot matrix (Keras 3 semantics).

    Args:
        x: array-like of class ids, integers in ``[0, num_classes)``. A trailing axis of
            size 1 is dropped first: ``(n, 1)`` gives ``(n, num_classes)``.
        num_classes: the number of classes; default ``max(x) + 1``.

    Returns:
        A float64 numpy array of shape ``x.shape + (num_classes,)``, the class axis last.
        A backend tensor gives a floatx tensor of the same backend.

    Example:
        >>> kerasette.utils.to_categorical([0, 2, 1])
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]])
    """
    if ops.is_tensor(x):
        shape = ops.shape(x)
        if len(shape) > 1 and shape[-1] == 1:
            x = ops.reshape(x, shape[:-1])
        if num_classes is None:
            num_classes = int(np.max(ops.convert_to_numpy(x))) + 1
        return ops.one_hot(x, int(num_classes))
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: class ids must lie in [0, {num_classes}), got values from "
            f"{x.min()} to {x.max()}."
        )
    categorical = np.zeros((x.shape[0], num_classes))
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divides ``x`` by its ``order``-norm along ``axis`` (Keras 3 ``keras.utils.normalize``).

    A numpy array gives a numpy array (zero vectors are left as they are); a
    tensor gives a tensor of its backend, computed with :mod:`kerasette.ops` as
    ``x / max(norm(x), epsilon())``, so it is differentiable and jit-compatible.

    Args:
        x: array or tensor.
        axis: the axis along which to normalize.
        order: the norm's order (2 for L2, 1 for L1, ...).

    Example:
        >>> kerasette.utils.normalize(np.array([[3.0, 4.0]]))
        array([[0.6, 0.8]])
    """
    if isinstance(x, np.ndarray):
        norm = np.linalg.norm(x, order, axis, keepdims=True)
        return x / np.where(norm == 0, 1, norm)
    return _normalize_tensor(x, axis=axis, order=order)


def _normalize_tensor(x, axis=-1, order=2):
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got {order!r}.")
    x = ops.convert_to_tensor(x)
    if ops.ndim(x) == 0:
        x = ops.expand_dims(x, 0)
    eps = epsilon()
    if order == 2:
        # sqrt(max(s, eps**2)) == max(sqrt(s), eps), with a finite gradient at s == 0
        square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
        return ops.divide(x, ops.sqrt(ops.maximum(square_sum, eps * eps)))
    if order == 1:
        norm = ops.sum(ops.abs(x), axis=axis, keepdims=True)
    else:
        norm = ops.power(ops.sum(ops.power(ops.abs(x), order), axis=axis, keepdims=True),
                         1.0 / order)
    return ops.divide(x, ops.maximum(norm, eps))
