"""Settings (``keras.config``): floatx, epsilon, image_data_format, the backend, the global
dtype policy (``set_dtype_policy("mixed_float16")``), and ``enable_unsafe_deserialization``."""

from kerasette.backend import backend, set_backend
from kerasette.backends.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from kerasette.dtype_policies import dtype_policy, set_dtype_policy
from kerasette.serialization.serialization_lib import enable_unsafe_deserialization

__all__ = ["backend", "set_backend", "epsilon", "floatx", "image_data_format",
           "set_epsilon", "set_floatx", "set_image_data_format", "enable_unsafe_deserialization",
           "dtype_policy", "set_dtype_policy"]
