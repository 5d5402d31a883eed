"""Regularizers (``keras.regularizers``): penalties on weights or activations added to the loss.

Layers accept a regularizer object or its name::

    Dense(64, kernel_regularizer="l2")              # L2(0.01)
    Dense(64, kernel_regularizer=L1L2(l1=1e-5, l2=1e-4))
"""

from kerasette.regularizers.regularizers import L1, L1L2, L2, OrthogonalRegularizer, Regularizer
from kerasette.serialization import serialize_keras_object
from kerasette.serialization.identifiers import deserialize_object, get_object
from kerasette.utils.naming import to_snake_case

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)

#: every name a regularizer is known by; "l1l2" is Keras's own spelling, "l1_l2" is accepted too
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({"l1l2": L1L2, "l1_l2": L1L2})

# Keras's lower-case names
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


def serialize(regularizer):
    """The Keras 3 config dict of ``regularizer``."""
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """The regularizer described by ``config`` (a name or a config dict)."""
    return deserialize_object(config, ALL_OBJECTS_DICT, "regularizer", custom_objects)


def get(identifier):
    """The regularizer for ``identifier``: None gives None; a name ("l1", "l2", "l1l2", ...)
    or a config dict gives a new regularizer; a class is instantiated; any callable is
    returned as it is.

    Raises:
        ValueError: an unknown name (the message lists the valid names) or an identifier
            that is not callable.
    """
    return get_object(identifier, ALL_OBJECTS_DICT, "regularizer")


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + ["deserialize", "get", "serialize", "l1", "l2",
                                                  "l1_l2", "orthogonal_regularizer"]
