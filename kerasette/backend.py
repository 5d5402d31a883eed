"""Choosing the backend.

The backend is chosen when kerasette is imported, in this order:

1. the environment variable ``KERASETTE_BACKEND``;
2. the key ``backend`` of ``~/.kerasette/kerasette.json`` (also read there:
   ``floatx``, ``epsilon``, ``image_data_format``; the file is read if present
   and never written by kerasette);
3. ``"numpy"``.

``use("jax")`` switches the active backend for a block of code, in this process::

    with kerasette.backend.use("jax"):
        y = kerasette.ops.exp(x)   # a jax array

Tensors and Variables remember their backend; mixing two backends in one op
raises ``ValueError``.
"""

import contextlib
import importlib
import json
import os

from kerasette.backends import BACKEND_NAMES, active
from kerasette.backends import config as _config
from kerasette.backends.masking import get_keras_mask, set_keras_mask  # noqa: F401

CONFIG_PATH = os.path.join(os.path.expanduser("~"), ".kerasette", "kerasette.json")

_loaded = {}


def backend() -> str:
    """The name of the active backend: ``"numpy"``, ``"cupy"`` or ``"jax"``."""
    return active.get().name


def get_backend(name=None):
    """The backend object ``name`` (default: the active one), imported on first use.

    Raises:
        ValueError: ``name`` is not a known backend (the message lists them).
        ImportError: the backend's library is missing or unusable; the message
            says how to install it.
    """
    if name is None:
        return active.get()
    name = str(name).lower()
    if name not in BACKEND_NAMES:
        raise ValueError(
            f"Unknown kerasette backend {name!r}: expected one of {', '.join(BACKEND_NAMES)} "
            "(set with KERASETTE_BACKEND or kerasette.backend.use)."
        )
    if name not in _loaded:
        try:
            module = importlib.import_module(f"kerasette.backends.{name}")
        except ModuleNotFoundError as error:
            if name == "jax" and (error.name or "").split(".")[0] in ("jax", "jaxlib"):
                raise ImportError(
                    f"The jax backend needs JAX, which is not installed ({error}). Install it with "
                    'pip install "kerasette[jax]", or choose another backend: KERASETTE_BACKEND=numpy.'
                ) from None
            raise
        _loaded[name] = module.backend
    return _loaded[name]


def set_backend(name):
    """Makes ``name`` the active backend for the rest of the process."""
    active.current = get_backend(name)


@contextlib.contextmanager
def use(name):
    """A context manager that makes ``name`` the active backend inside its block."""
    previous = active.current
    active.current = get_backend(name)
    try:
        yield active.current
    finally:
        active.current = previous


def read_config_file(path=CONFIG_PATH):
    """The settings in ``path`` as a dict (empty when the file does not exist)."""
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            settings = json.load(f)
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot read the kerasette config file {path}: {error}") from None
    if not isinstance(settings, dict):
        raise ValueError(f"The kerasette config file {path} must hold a JSON object.")
    return settings


def _initialize():
    settings = read_config_file()
    if "floatx" in settings:
        _config.set_floatx(settings["floatx"])
    if "epsilon" in settings:
        _config.set_epsilon(settings["epsilon"])
    if "image_data_format" in settings:
        _config.set_image_data_format(settings["image_data_format"])
    name = os.environ.get("KERASETTE_BACKEND") or settings.get("backend") or "numpy"
    set_backend(name)


# numeric settings, re-exported as in keras.backend
floatx = _config.floatx
epsilon = _config.epsilon
image_data_format = _config.image_data_format
set_floatx = _config.set_floatx
set_epsilon = _config.set_epsilon
set_image_data_format = _config.set_image_data_format
