"""ReduceLROnPlateau: lower the learning rate when a monitored quantity stops improving."""

import warnings

import numpy as np

from kerasette.callbacks.learning_rate_scheduler import current_learning_rate, log_learning_rate
from kerasette.callbacks.monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without
    improvement of ``monitor`` (Keras 3).

    The learning rate lives in the optimizer's variable; the new value takes effect at the
    next batch. Each epoch's logs get ``learning_rate`` (its value before any reduction
    made at that epoch's end, as in Keras 3).

    Args:
        monitor: the log key to watch (default ``"val_loss"``).
        factor: the multiplier, < 1: ``new_lr = lr * factor``.
        patience: epochs without improvement before a reduction.
        verbose: 1 prints a line at each reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see :class:`MonitorCallback`).
        min_delta: the smallest change that counts as an improvement (default 1e-4).
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate is never set below this.

    Example:
        >>> reduce_lr = kerasette.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2,
        ...                                                    patience=5, min_lr=0.001)
        >>> model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received "
                             f"factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self):
        """Whether a reduction happened less than ``cooldown`` epochs ago."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def _reduce(self, optimizer, epoch, name=""):
        old = current_learning_rate(optimizer)
        if old <= np.float32(self.min_lr):
            return False
        new = max(old * self.factor, self.min_lr)
        optimizer.learning_rate = new
        if self.verbose > 0:
            which = f" {name}" if name else ""
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} learning rate to "
                  f"{new}.")
        return True

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        log_learning_rate(self.model.optimizer, logs)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: {','.join(logs)}.",
                          stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                optimizers = getattr(self.model.optimizer, "optimizers", None)
                reduced = False
                for optimizer in optimizers or [self.model.optimizer]:
                    reduced |= self._reduce(optimizer, epoch, optimizer.name if optimizers else "")
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
