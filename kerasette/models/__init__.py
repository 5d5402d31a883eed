"""Models (``keras.models``): Sequential, Functional, Model, and their configs."""

from kerasette.models.functional import Functional
from kerasette.models.model import Model
from kerasette.models.sequential import Sequential
from kerasette.models.serialization import clone_model, model_from_json

__all__ = ["Functional", "Model", "Sequential", "clone_model", "model_from_json", "load_model",
           "save_model"]

# ``keras.models.load_model``/``save_model`` are the files floor's (kerasette.saving, above the
# models); they are looked up at first use, so that importing the models imports no saving.
_FROM_SAVING = ("load_model", "save_model")


def __getattr__(name):
    if name in _FROM_SAVING:
        from kerasette.saving import saving_api
        return getattr(saving_api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_FROM_SAVING))
