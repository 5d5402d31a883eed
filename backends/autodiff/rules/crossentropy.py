"""Cross-entropy losses, with Keras 3's formulas: forward and gradient side by side.

From logits, each loss is one fused primitive, stable for logits of any size
and with a gradient that never forms ``log`` of a probability:

- ``sigmoid_crossentropy(target, logits)``: ``max(z, 0) - z * t + log1p(exp(-|z|))``;
  gradient ``sigmoid(z) - t`` in ``z`` and ``-z`` in ``t``.
- ``softmax_crossentropy(target, logits, axis)``: ``-sum(t * log_softmax(z))``;
  gradient ``softmax(z) * sum(t) - t`` in ``z`` and ``-log_softmax(z)`` in ``t``.
- ``sparse_softmax_crossentropy(logits, target, axis)``: the same with integer
  class ids (a constant: no gradient); ids out of range give a zero loss, as
  Keras's one-hot encoding does.

Their gradient rules are written with engine ops (``sigmoid``, ``softmax``, ...),
so they differentiate again. From probabilities the losses are composites,
exactly Keras's: clip to ``[epsilon, 1 - epsilon]`` (after normalising the
probabilities to sum to 1 for the categorical forms), then the log.
"""

from ... import config
from ..registry import defcomposite, defop
from .reductions import restore_reduced_axes


def _same_dtype(F, target, output):
    """``target`` in ``output``'s float dtype (integer labels would upcast the arithmetic)."""
    if F.dtype(target) != F.dtype(output):
        target = F.cast(target, F.dtype(output))
    return target


def _check_same_shape(F, op, target, output):
    if F.shape(target) != F.shape(output):
        raise ValueError(f"{op}: target and output must have the same shape, got target "
                         f"{F.shape(target)} and output {F.shape(output)}.")


# ---------------------------------------------------------------------------- binary
@defop("sigmoid_crossentropy", inputs=2, broadcast=True)
def sigmoid_crossentropy(xp, target, logits):
    """Binary cross-entropy of ``sigmoid(logits)`` against ``target``, elementwise."""
    # log(1 + exp(-|z|)) never overflows; max(z, 0) - z * t restores the sign
    return xp.maximum(logits, 0) - logits * target + xp.log1p(xp.exp(-xp.abs(logits)))


@sigmoid_crossentropy.defvjp
def sigmoid_crossentropy_vjp(F, g, y, target, logits):
    return (lambda: F.negative(F.multiply(g, logits)),
            lambda: F.multiply(g, F.subtract(F.sigmoid(logits), target)))


@defcomposite("binary_crossentropy")
def binary_crossentropy(F, target, output, from_logits=False):
    """Elementwise binary cross-entropy between ``target`` and ``output`` (same shape).

    With ``from_logits`` the stable ``max(z, 0) - z * t + log1p(exp(-|z|))``; otherwise,
    as Keras, ``output`` is clipped to ``[epsilon, 1 - epsilon]`` and the loss is
    ``-(t * log(p) + (1 - t) * log(1 - p))``.

    Example:
        >>> ops.binary_crossentropy(ops.convert_to_tensor([1.0, 0.0]),
        ...                         ops.convert_to_tensor([0.0, 0.0]), from_logits=True)
        # [0.6931, 0.6931]
    """
    target, output = F.convert_to_tensor(target), F.convert_to_tensor(output)
    _check_same_shape(F, "binary_crossentropy", target, output)
    target = _same_dtype(F, target, output)
    if from_logits:
        return F.sigmoid_crossentropy(target, output)
    epsilon = config.epsilon()
    output = F.clip(output, epsilon, 1.0 - epsilon)
    log_p = F.multiply(target, F.log(output))
    log_not_p = F.multiply(F.subtract(1.0, target), F.log(F.subtract(1.0, output)))
    return F.negative(F.add(log_p, log_not_p))


# ---------------------------------------------------------------------------- categorical
def _log_softmax(xp, z, axis):
    shifted = z - xp.max(z, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


@defop("softmax_crossentropy", inputs=2)
def softmax_crossentropy(xp, target, logits, axis=-1):
    """``-sum(target * log_softmax(logits))`` along ``axis``."""
    return -xp.sum(target * _log_softmax(xp, logits, axis), axis=axis)


@softmax_crossentropy.defvjp
def softmax_crossentropy_vjp(F, g, y, target, logits, axis=-1):
    g = restore_reduced_axes(F, g, F.shape(logits), axis, False)
    # d/dz of -sum(t * (z - logsumexp(z))) = softmax(z) * sum(t) - t
    return (lambda: F.negative(F.multiply(g, F.log_softmax(logits, axis=axis))),
            lambda: F.multiply(g, F.subtract(
                F.multiply(F.softmax(logits, axis=axis), F.sum(target, axis=axis, keepdims=True)),
                target)))


@defcomposite("categorical_crossentropy")
def categorical_crossentropy(F, target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy along ``axis``; ``target`` holds probabilities (one-hot or
    soft labels) with the shape of ``output``.

    With ``from_logits``: ``-sum(target * log_softmax(output))``, fused and stable. Otherwise,
    as Keras, ``output`` is divided by its sum along ``axis``, clipped to
    ``[epsilon, 1 - epsilon]``, and the loss is ``-sum(target * log(output))``.
    """
    target, output = F.convert_to_tensor(target), F.convert_to_tensor(output)
    _check_same_shape(F, "categorical_crossentropy", target, output)
    if len(F.shape(output)) < 1:
        raise ValueError("categorical_crossentropy: target and output must be at least rank 1, "
                         f"got shape {F.shape(output)}.")
    target = _same_dtype(F, target, output)
    if from_logits:
        return F.softmax_crossentropy(target, output, axis)
    return F.negative(F.sum(F.multiply(target, _clipped_log_probabilities(F, output, axis)),
                            axis=axis))


def _clipped_log_probabilities(F, output, axis):
    """Keras's ``log(clip(output / sum(output), epsilon, 1 - epsilon))`` along ``axis``."""
    epsilon = config.epsilon()
    output = F.divide(output, F.sum(output, axis=axis, keepdims=True))
    return F.log(F.clip(output, epsilon, 1.0 - epsilon))


# ---------------------------------------------------------------------------- sparse categorical
def _one_hot(xp, target, num_classes, axis, ndim, dtype):
    """``target`` (integer ids) one-hot encoded along ``axis`` of an ``ndim`` array; ids
    outside ``[0, num_classes)`` give all-zero rows, as Keras's one_hot."""
    classes = xp.arange(num_classes).reshape((num_classes,) + (1,) * (ndim - 1 - axis % ndim))
    return (xp.expand_dims(target, axis % ndim) == classes).astype(dtype)


@defop("sparse_softmax_crossentropy")
def sparse_softmax_crossentropy(xp, logits, target, axis=-1):
    """``-log_softmax(logits)`` at the integer class ids ``target`` (0 for an id out of range)."""
    log_probabilities = _log_softmax(xp, logits, axis)
    hot = _one_hot(xp, target, logits.shape[axis], axis, logits.ndim, logits.dtype)
    return -xp.sum(hot * log_probabilities, axis=axis)


@sparse_softmax_crossentropy.defvjp
def sparse_softmax_crossentropy_vjp(F, g, y, logits, target, axis=-1):
    size, ndim, dtype = logits.shape[axis], logits.ndim, logits.dtype
    hot = F.nograd(lambda xp, target: _one_hot(xp, target, size, axis, ndim, dtype), target)
    present = F.nograd(lambda xp, hot: hot.sum(axis=axis, keepdims=True), hot)
    g = restore_reduced_axes(F, g, F.shape(logits), axis, False)
    # softmax(z) * sum(one_hot) - one_hot
    return (F.multiply(g, F.subtract(F.multiply(F.softmax(logits, axis=axis), present), hot)),)


@defcomposite("sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(F, target, output, from_logits=False, axis=-1):
    """Categorical cross-entropy with integer class ids ``target`` (the shape of ``output``
    without ``axis``; a trailing axis of size 1 is squeezed, as Keras). Ids out of range
    give a zero loss. ``target`` gets no gradient.

    Example:
        >>> ops.sparse_categorical_crossentropy(ops.convert_to_tensor([0]),
        ...     ops.convert_to_tensor([[0.0, 0.0]]), from_logits=True)   # [0.6931]
    """
    output = F.convert_to_tensor(output)
    ids = F.convert_to_tensor(target)
    if F.xp.dtype(F.dtype(ids)).kind not in "iu":
        ids = F.cast(ids, "int32")
    shape = F.shape(output)
    if len(shape) < 1:
        raise ValueError("sparse_categorical_crossentropy: output must be at least rank 1, "
                         f"got shape {shape}.")
    if ids.ndim == len(shape) and ids.shape[-1] == 1:
        ids = F.reshape(ids, ids.shape[:-1])
    expected = shape[: axis % len(shape)] + shape[axis % len(shape) + 1:]
    if tuple(ids.shape) != expected:
        raise ValueError(f"sparse_categorical_crossentropy: target must have the shape of output "
                         f"without axis {axis}, {expected}, got {tuple(ids.shape)} "
                         f"(output {shape}).")
    if from_logits:
        # the ids are a parameter of the op, as a raw array (a jit recording reads it as such)
        return F.sparse_softmax_crossentropy(output, ids.data, axis)
    dtype = F.dtype(output)
    hot = F.nograd(lambda xp, ids: _one_hot(xp, ids, shape[axis], axis, len(shape), dtype), ids)
    return F.negative(F.sum(F.multiply(hot, _clipped_log_probabilities(F, output, axis)),
                            axis=axis))
