"""Learning rate schedules (``keras.optimizers.schedules``).

Pass a schedule as an optimizer's ``learning_rate``; it is evaluated at the
optimizer's ``iterations`` on every step::

    from kerasette.optimizers import SGD, schedules
    optimizer = SGD(learning_rate=schedules.CosineDecay(0.1, decay_steps=10_000))
"""

from kerasette.optimizers.schedules.learning_rate_schedule import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    LearningRateSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
)
from kerasette.serialization import deserialize_keras_object, serialize_keras_object

ALL_OBJECTS = (LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
               InverseTimeDecay, CosineDecay, CosineDecayRestarts)


def serialize(learning_rate_schedule):
    """The Keras 3 config dict of a schedule
    (``{"module": "keras.optimizers.schedules", "class_name": ..., "config": ...}``)."""
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """The schedule described by ``config`` (a dict from :func:`serialize`)."""
    return deserialize_keras_object(config, custom_objects=custom_objects)


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + ["serialize", "deserialize"]
