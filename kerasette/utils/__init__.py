"""Utilities (``keras.utils``): seeds, one-hot encoding, ``PyDataset``, ``clear_session``,
``plot_history``, packing a batch for a custom ``train_step``."""

from kerasette.utils.vectors import normalize, to_categorical
from kerasette.utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from kerasette.utils.plotting import plot_history
from kerasette.utils.py_dataset import PyDataset, Sequence
from kerasette.utils.seeds import get_random_seed, set_random_seed
from kerasette.utils.session import clear_session

__all__ = ["PyDataset", "Sequence", "clear_session", "get_random_seed", "normalize",
           "pack_x_y_sample_weight", "plot_history", "set_random_seed", "to_categorical",
           "unpack_x_y_sample_weight"]
