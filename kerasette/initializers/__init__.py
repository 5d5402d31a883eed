"""Initializers (``keras.initializers``): the initial values of weights.

Every initializer returns a numpy array computed on the host, so the same seed
gives bit-identical initial weights on every backend (see
:mod:`kerasette.initializers.random_initializers` for the seeding rules).
Layers accept an initializer object or its name::

    Dense(64, kernel_initializer="he_normal", bias_initializer="zeros")
"""

import numpy as np

from kerasette import ops
from kerasette.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from kerasette.initializers.initializer import Initializer, numpy_dtype
from kerasette.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from kerasette.serialization import serialize_keras_object
from kerasette.serialization.identifiers import deserialize_object, get_object
from kerasette.utils.naming import to_snake_case

ALL_OBJECTS = (Initializer, Constant, Identity, Ones, Zeros, GlorotNormal, GlorotUniform,
               HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal, RandomNormal,
               RandomUniform, TruncatedNormal, VarianceScaling)

#: every name an initializer is known by: class names, their snake_case, and Keras's aliases
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({"IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
                         "normal": RandomNormal, "uniform": RandomUniform, "one": Ones,
                         "zero": Zeros})

# Keras's lower-case function-style names (keras.initializers.glorot_uniform(...))
constant, identity, ones, zeros = Constant, Identity, Ones, Zeros
glorot_normal, glorot_uniform, he_normal, he_uniform = GlorotNormal, GlorotUniform, HeNormal, HeUniform
lecun_normal, lecun_uniform, orthogonal = LecunNormal, LecunUniform, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling


def serialize(initializer):
    """The Keras 3 config dict of ``initializer``
    (``{"module": "keras.initializers", "class_name": ..., "config": ..., ...}``)."""
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """The initializer described by ``config`` (a name or a config dict)."""
    return deserialize_object(config, ALL_OBJECTS_DICT, "initializer", custom_objects)


def get(identifier):
    """The initializer for ``identifier``.

    Args:
        identifier: None (gives None); a name ("glorot_uniform", "HeNormal", "zeros", ...);
            a config dict; an Initializer class (instantiated) or instance; any callable
            ``f(shape, dtype=None)``; or an array or tensor, used as the exact initial value
            (the weight's shape must match it).

    Raises:
        ValueError: an unknown name (the message lists the valid ones) or an identifier of
            another kind.
    """
    if isinstance(identifier, (np.ndarray, np.generic)) or ops.is_tensor(identifier):
        return _fixed_value(identifier)
    return get_object(identifier, ALL_OBJECTS_DICT, "initializer")


def _fixed_value(value):
    """An initializer returning ``value`` itself (cast to the requested dtype)."""
    array = np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value)

    def initialize(shape, dtype=None):
        if tuple(int(n) for n in shape) != array.shape:
            raise ValueError(
                f"An array used as initializer has shape {array.shape}, but the weight has "
                f"shape {tuple(shape)}."
            )
        return array.astype(numpy_dtype(dtype))

    return initialize


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + [
    "RandomInitializer", "compute_fans", "deserialize", "get", "serialize",
    "constant", "identity", "ones", "zeros", "glorot_normal", "glorot_uniform", "he_normal",
    "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal", "random_normal",
    "random_uniform", "truncated_normal", "variance_scaling"]
