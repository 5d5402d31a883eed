"""Callbacks (``keras.callbacks``): hooks into training, evaluation and prediction."""

from kerasette.callbacks.callback import Callback
from kerasette.callbacks.callback_list import CallbackList
from kerasette.callbacks.history import History
from kerasette.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
