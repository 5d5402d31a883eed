"""ModelCheckpoint: save the model (or its weights) during training."""

import math
import os
import warnings

import numpy as np

from kerasette import ops
from kerasette.callbacks.monitor_callback import MonitorCallback


class ModelCheckpoint(MonitorCallback):
    """Saves the model or its weights every epoch or every ``save_freq`` batches (Keras 3).

    Saving goes through ``model.save`` (a ``.keras`` archive) or ``model.save_weights``
    (a ``.weights.h5`` file), both atomic: a run killed mid-save leaves the previous file.

    Args:
        filepath: where to save. It may hold ``str.format`` fields filled with ``epoch``
            (from 1), ``batch`` (from 1, with an integer ``save_freq``) and any log key:
            ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. It must end in ``.weights.h5``
            with ``save_weights_only=True``, else in ``.keras`` (or the legacy ``.h5``).
        monitor: the log key that decides what is best (default ``"val_loss"``).
        verbose: 1 prints a line at each save decision.
        save_best_only: save only when ``monitor`` improves on the best so far.
        save_weights_only: save the weights (``model.save_weights``) instead of the model.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see :class:`MonitorCallback`).
        save_freq: ``"epoch"``, or an int: save after every that many batches (counted
            across epochs; the monitored value is then the running value of the epoch).
        initial_value_threshold: the initial best value: with ``save_best_only``, nothing
            is saved until ``monitor`` beats it.

    A model whose ``loss`` in the logs is NaN or infinite is never written (a warning says
    so), so that the last checkpoint stays usable after a divergence (Keras would write it).

    Example:
        >>> checkpoint = kerasette.callbacks.ModelCheckpoint(
        ...     "best.keras", monitor="val_accuracy", mode="max", save_best_only=True)
        >>> model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])
        >>> best = kerasette.models.load_model("best.keras")
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)
                                     or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are "
                             "'epoch' or a positive integer (a number of batches).")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format). Received: "
                    f"filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, _floats(logs))

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch: batches count from 0
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        loss = logs.get("loss")
        if loss is not None and not _finite(loss):
            warnings.warn(f"ModelCheckpoint: not saving to {filepath} at epoch {epoch + 1}: the "
                          f"loss is {float(loss)}; the last checkpoint is kept.", stacklevel=3)
            return False
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=3)
            return True
        if np.ndim(current) > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. "
                          f"Received: {current}. Falling back to `save_best_only=False`.",
                          stacklevel=3)
            return True
        current = float(current)
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if not self._should_save_model(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        """``filepath`` formatted with ``epoch`` and ``batch`` (both from 1) and the logs."""
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {error}; the logs hold {sorted(logs)}.") from None


def _floats(logs):
    """Batch logs (tensors) as Python floats, for formatting and comparing."""
    result = {}
    for key, value in (logs or {}).items():
        try:
            result[key] = float(ops.convert_to_numpy(value))
        except (TypeError, ValueError):
            result[key] = value
    return result


def _finite(value):
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True
