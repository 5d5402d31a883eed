"""Saving and loading (``keras.saving``)."""

from kerasette.saving.object_registration import (
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from kerasette.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object",
           "serialize_keras_object", "deserialize_keras_object"]
