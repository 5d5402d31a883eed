"""Activations: ``jax.nn``'s, as Keras 3's jax backend calls them (integers compute in floatx)."""

import jax.nn as jnn

from ..convert import axis_argument, floating, tensor
from ..dispatch import op

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid",
           "softplus", "softsign", "silu", "softmax", "log_softmax"]


@op("x")
def relu(x):
    x = tensor(x)  # integers stay integers, as in Keras
    return jnn.relu(x.astype("int32") if x.dtype == bool else x)


@op("x")
def relu6(x):
    return jnn.relu6(floating(x))


@op("x")
def leaky_relu(x, negative_slope=0.2):
    return jnn.leaky_relu(floating(x), negative_slope=negative_slope)


@op("x")
def elu(x, alpha=1.0):
    return jnn.elu(floating(x), alpha=alpha)


@op("x")
def selu(x):
    return jnn.selu(floating(x))


@op("x")
def gelu(x, approximate=True):
    return jnn.gelu(floating(x), approximate=approximate)


@op("x")
def sigmoid(x):
    return jnn.sigmoid(floating(x))


@op("x")
def hard_sigmoid(x):
    return jnn.hard_sigmoid(floating(x))


@op("x")
def softplus(x):
    return jnn.softplus(floating(x))


@op("x")
def softsign(x):
    return jnn.soft_sign(floating(x))


@op("x")
def silu(x):
    return jnn.silu(floating(x))


@op("x")
def softmax(x, axis=-1):
    return jnn.softmax(floating(x), axis=axis_argument(axis))


@op("x")
def log_softmax(x, axis=-1):
    return jnn.log_softmax(floating(x), axis=axis_argument(axis))
