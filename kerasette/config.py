"""Numeric settings (``keras.config``): floatx, epsilon, image_data_format, and the backend."""

from kerasette.backend import backend, set_backend
from kerasette.backends.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

__all__ = ["backend", "set_backend", "epsilon", "floatx", "image_data_format",
           "set_epsilon", "set_floatx", "set_image_data_format"]
