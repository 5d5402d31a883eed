"""Utilities (``keras.utils``): seeds, one-hot encoding, ``PyDataset``, ``clear_session``,
``plot_history``."""

from kerasette.utils.vectors import normalize, to_categorical
from kerasette.utils.plotting import plot_history
from kerasette.utils.py_dataset import PyDataset, Sequence
from kerasette.utils.seeds import get_random_seed, set_random_seed
from kerasette.utils.session import clear_session

__all__ = ["PyDataset", "Sequence", "clear_session", "get_random_seed", "normalize",
           "plot_history", "set_random_seed", "to_categorical"]
