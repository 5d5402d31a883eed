"""Objects to and from configs, and the names that files may use: the ground floor of the API.

Every family (initializers, layers, losses, optimizers, ...) serializes through this package;
it imports nothing above ``ops`` and ``kerasette.utils``, so that any of them may use it. The
files themselves (``.keras`` archives, weights) are :mod:`kerasette.saving`'s, the top floor,
which re-exports the public names below as Keras 3 does (``keras.saving.*``).
"""

from kerasette.serialization.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from kerasette.serialization.serialization_lib import (
    deserialize_keras_object,
    enable_unsafe_deserialization,
    in_safe_mode,
    serialize_keras_object,
)

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "register_keras_serializable",
           "deserialize_keras_object", "serialize_keras_object", "enable_unsafe_deserialization",
           "in_safe_mode"]
