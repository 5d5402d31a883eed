"""Settings (``keras.config``): floatx, epsilon, image_data_format, the backend, and
``enable_unsafe_deserialization``."""

from kerasette.backend import backend, set_backend
from kerasette.backends.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from kerasette.serialization.serialization_lib import enable_unsafe_deserialization

__all__ = ["backend", "set_backend", "epsilon", "floatx", "image_data_format",
           "set_epsilon", "set_floatx", "set_image_data_format", "enable_unsafe_deserialization"]
