"""Cross-entropies with Keras 3's formulas: probabilities are clipped to
``[epsilon, 1 - epsilon]`` (categorical ones first normalised to sum to 1); logits go
through ``log_softmax`` / ``log_sigmoid``. The target is cast to the output's dtype."""

import jax.nn as jnn
import jax.numpy as jnp

from ... import config
from ..convert import floating, tensor
from ..dispatch import op

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]


@op("target", "output")
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise. With ``from_logits``: ``-t log_sigmoid(z) - (1 - t) log_sigmoid(-z)``,
    which equals the contract's ``max(z, 0) - z t + log1p(exp(-|z|))``."""
    target, output = _operands(target, output)
    _same_shape("binary_crossentropy", target, output)
    if from_logits:
        return -target * jnn.log_sigmoid(output) - (1.0 - target) * jnn.log_sigmoid(-output)
    output = _clip(output)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


@op("target", "output")
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _operands(target, output)
    _same_shape("categorical_crossentropy", target, output)
    if output.ndim < 1:
        raise ValueError("categorical_crossentropy: target and output must be at least rank 1, "
                         f"got shape {output.shape}.")
    return -jnp.sum(target * _log_probabilities(output, from_logits, axis), axis=axis)


@op("output")
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Integer class ids ``target`` (the shape of ``output`` without ``axis``; a trailing axis
    of size 1 is dropped, as Keras does). An id outside the classes contributes 0."""
    output = floating(output)
    target = tensor(target).astype("int32")
    if output.ndim < 1:
        raise ValueError("sparse_categorical_crossentropy: output must be at least rank 1, "
                         f"got shape {output.shape}.")
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, axis=-1)
    expected = output.shape[:axis % output.ndim] + output.shape[axis % output.ndim + 1:]
    if target.shape != expected:
        raise ValueError(
            f"sparse_categorical_crossentropy: target has shape {target.shape}; expected "
            f"{expected} (the output's shape {output.shape} without axis {axis}).")
    hot = jnn.one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return -jnp.sum(hot * _log_probabilities(output, from_logits, axis), axis=axis)


def _operands(target, output):
    output = floating(output)
    return tensor(target).astype(output.dtype), output


def _same_shape(name, target, output):
    if target.shape != output.shape:
        raise ValueError(f"{name}: target and output must have the same shape, got "
                         f"target.shape={target.shape}, output.shape={output.shape}.")


def _clip(probabilities):
    epsilon = config.epsilon()
    return jnp.clip(probabilities, epsilon, 1.0 - epsilon)


def _log_probabilities(output, from_logits, axis):
    if from_logits:
        return jnn.log_softmax(output, axis=axis)
    return jnp.log(_clip(output / jnp.sum(output, axis=axis, keepdims=True)))
