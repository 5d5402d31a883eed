"""Saving and loading (``keras.saving``): ``.keras`` archives and weights files.

The top floor of the API: it builds models from files, so it may import every family. The
names of serialization and registration live on the ground floor
(:mod:`kerasette.serialization`) and are re-exported here, at Keras 3's public paths.
"""

from kerasette.utils.file_io import FileFormatError
from kerasette.saving.saving_api import load_model, load_weights, save_model, save_weights
from kerasette.serialization import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object",
           "get_custom_objects", "custom_object_scope", "CustomObjectScope",
           "serialize_keras_object", "deserialize_keras_object", "save_model", "load_model",
           "save_weights", "load_weights", "FileFormatError"]
