"""CSVLogger: one CSV row per epoch with the epoch's logs."""

import collections.abc
import csv
import os

import numpy as np

from kerasette.callbacks.callback import Callback


class CSVLogger(Callback):
    """Streams each epoch's logs to a CSV file (Keras 3).

    The columns are ``epoch`` then the log keys in sorted order, fixed by the first epoch;
    when that epoch has no validation keys, ``val_``-prefixed columns are added for every
    key anyway (filled with ``NA`` while there is no validation), as Keras does. Values are
    written as Python writes floats (``repr``), so reading them back gives the logged
    numbers exactly. The file is flushed after every row.

    Args:
        filename: the CSV file's path.
        separator: the field separator (default ``","``).
        append: append to an existing file (the header is written only if it is empty)
            instead of overwriting it.

    Example:
        >>> csv_logger = kerasette.callbacks.CSVLogger("training.log")
        >>> model.fit(x, y, callbacks=[csv_logger])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as existing:
                    self.append_header = not bool(len(existing.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend(f"val_{key}" for key in list(self.keys))
        if self.writer is None:
            separator = self.sep

            class Dialect(csv.excel):
                delimiter = separator
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, collections.abc.Iterable):
        return f'"[{", ".join(map(str, value))}]"'
    return value
