"""Process-wide numeric settings shared by every backend: floatx, epsilon, image_data_format.

The public module :mod:`kerasette.config` re-exports these; the config file
(``~/.kerasette/kerasette.json``) is read by :mod:`kerasette.backend`, which calls
the setters here.
"""

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"

_VALID_FLOATX = ("float16", "bfloat16", "float32", "float64")
_FLOATX_LISTENERS = []  # called with the new floatx (the jax backend turns x64 on for float64)
_VALID_DATA_FORMATS = ("channels_last", "channels_first")


def floatx() -> str:
    """The default float dtype as a string, ``"float32"`` unless set otherwise."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Sets the default float dtype (one of float16, bfloat16, float32, float64)."""
    global _FLOATX
    value = str(value)
    if value not in _VALID_FLOATX:
        raise ValueError(f"Unknown floatx {value!r}: expected one of {', '.join(_VALID_FLOATX)}.")
    _FLOATX = value
    for listener in _FLOATX_LISTENERS:
        listener(value)


def on_set_floatx(listener) -> None:
    """Calls ``listener(floatx)`` now and after every :func:`set_floatx` (a backend that must
    prepare for a float dtype: the jax backend turns ``jax_enable_x64`` on for float64)."""
    _FLOATX_LISTENERS.append(listener)
    listener(_FLOATX)


def epsilon() -> float:
    """The fuzz factor used to keep logs and divisions finite (default ``1e-7``)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """``"channels_last"`` (default) or ``"channels_first"``."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    """Sets the default layout of image tensors for conv and pooling ops."""
    global _IMAGE_DATA_FORMAT
    value = str(value).lower()
    if value not in _VALID_DATA_FORMATS:
        raise ValueError(
            f"Unknown image_data_format {value!r}: expected one of {', '.join(_VALID_DATA_FORMATS)}."
        )
    _IMAGE_DATA_FORMAT = value


def standardize_data_format(data_format) -> str:
    """Resolves ``None`` to :func:`image_data_format` and validates the value."""
    if data_format is None:
        return _IMAGE_DATA_FORMAT
    value = str(data_format).lower()
    if value not in _VALID_DATA_FORMATS:
        raise ValueError(
            f"Unknown data_format {data_format!r}: expected one of {', '.join(_VALID_DATA_FORMATS)}."
        )
    return value
