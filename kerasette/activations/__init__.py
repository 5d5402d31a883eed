"""Activation functions (``keras.activations``), by function and by name.

Layers accept a function or its name: ``Dense(64, activation="relu")``.
"""

from kerasette.activations.activations import (
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_swish,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    swish,
    tanh,
    tanh_shrink,
    threshold,
)
from kerasette.serialization import get_registered_name, serialize_keras_object
from kerasette.serialization.identifiers import deserialize_object, get_object

ALL_OBJECTS = (relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
               soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
               sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink,
               linear, mish, log_softmax, log_sigmoid, sparsemax)

#: every name an activation is known by (``swish`` and ``hard_swish`` are aliases)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({"swish": silu, "hard_swish": hard_silu})


def serialize(activation):
    """The name of a built-in activation (``"relu"``; ``swish`` gives ``"silu"``, as in Keras),
    the registered name of a registered function, or the Keras 3 config dict of an activation
    object that has ``get_config``.

    Raises:
        ValueError: a function that is neither built in nor registered.
    """
    name = getattr(activation, "__name__", None)
    if name is not None and ALL_OBJECTS_DICT.get(name) is activation:
        return name
    if get_registered_name(activation) or hasattr(activation, "get_config"):
        return serialize_keras_object(activation)
    raise ValueError(
        f"Cannot serialize activation {activation!r}: it is not one of kerasette.activations "
        f"({', '.join(sorted(ALL_OBJECTS_DICT))}); register it with "
        "@kerasette.saving.register_keras_serializable() to save it."
    )


def deserialize(config, custom_objects=None):
    """The activation described by ``config`` (a name or a Keras 3 config dict)."""
    return deserialize_object(config, ALL_OBJECTS_DICT, "activation function", custom_objects)


def get(identifier):
    """The activation function for ``identifier``.

    Args:
        identifier: None (gives :func:`linear`), a name ("relu", "swish", ...), a config
            dict, or any callable (returned as it is).

    Raises:
        ValueError: an unknown name (the message lists the valid names) or an identifier
            that is not callable.

    Example:
        >>> kerasette.activations.get("relu") is kerasette.activations.relu
        True
    """
    if identifier is None:
        return linear
    return get_object(identifier, ALL_OBJECTS_DICT, "activation function")


__all__ = sorted(ALL_OBJECTS_DICT) + ["deserialize", "get", "serialize"]
