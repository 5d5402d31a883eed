"""Saving and loading (``keras.saving``)."""

from kerasette.saving.file_io import FileFormatError
from kerasette.saving.object_registration import (
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from kerasette.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from kerasette.saving.saving_api import load_model, load_weights, save_model, save_weights

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object",
           "serialize_keras_object", "deserialize_keras_object", "save_model", "load_model",
           "save_weights", "load_weights", "FileFormatError"]
