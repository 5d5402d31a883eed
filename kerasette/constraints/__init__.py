"""Weight constraints (``keras.constraints``), applied to a weight after each optimizer update.

Layers accept a constraint object or its name::

    Dense(64, kernel_constraint="max_norm")         # MaxNorm(max_value=2, axis=0)
"""

from kerasette.constraints.constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from kerasette.serialization import serialize_keras_object
from kerasette.serialization.identifiers import deserialize_object, get_object
from kerasette.utils.naming import to_snake_case

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)

#: every name a constraint is known by: class names and their snake_case
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})

# Keras's lower-case names
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm


def serialize(constraint):
    """The Keras 3 config dict of ``constraint``."""
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint described by ``config`` (a name or a config dict)."""
    return deserialize_object(config, ALL_OBJECTS_DICT, "constraint", custom_objects)


def get(identifier):
    """The constraint for ``identifier``: None gives None; a name ("max_norm", "non_neg",
    "unit_norm", "min_max_norm", ...) or a config dict gives a new constraint; a class is
    instantiated; any callable is returned as it is.

    Raises:
        ValueError: an unknown name (the message lists the valid names) or an identifier
            that is not callable.
    """
    return get_object(identifier, ALL_OBJECTS_DICT, "constraint")


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + ["deserialize", "get", "serialize", "max_norm",
                                                  "min_max_norm", "non_neg", "unit_norm"]
