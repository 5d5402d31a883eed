"""Models (``keras.models``): Sequential, Functional, Model, and their configs."""

from kerasette.models.functional import Functional
from kerasette.models.model import Model
from kerasette.models.sequential import Sequential
from kerasette.models.serialization import clone_model, model_from_json
from kerasette.saving.saving_api import load_model, save_model

__all__ = ["Functional", "Model", "Sequential", "clone_model", "model_from_json", "load_model",
           "save_model"]
