"""LearningRateScheduler: set the optimizer's learning rate at the start of every epoch."""

import numpy as np

from kerasette import ops
from kerasette.callbacks.callback import Callback


def current_learning_rate(optimizer):
    """The optimizer's learning rate now, as a Python float (a schedule is evaluated at
    the optimizer's ``iterations``)."""
    return float(ops.convert_to_numpy(optimizer.learning_rate))


def log_learning_rate(optimizer, logs):
    """Adds ``learning_rate`` to ``logs`` (``learning_rate_{name}`` for each optimizer of a
    multi-optimizer), as Keras 3's learning-rate callbacks and TensorBoard do."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    if hasattr(inner, "optimizers"):
        for each in inner.optimizers:
            logs[f"learning_rate_{each.name}"] = current_learning_rate(each)
    elif hasattr(inner, "learning_rate"):
        logs["learning_rate"] = current_learning_rate(inner)
    return logs


class LearningRateScheduler(Callback):
    """Sets the learning rate from ``schedule(epoch, lr)`` when each epoch begins (Keras 3).

    The new value is written into the optimizer's learning-rate variable, which the
    (compiled) train step reads, so it takes effect from the epoch's first batch. The
    learning rate is added to each epoch's logs as ``learning_rate``.

    Args:
        schedule: a function of the epoch index (from 0) and the current learning rate
            (a float) returning the new learning rate (a float). A function of the epoch
            alone is accepted too.
        verbose: 1 prints the new value each epoch.

    Example:
        >>> def scheduler(epoch, lr):
        ...     return lr if epoch < 10 else lr * 0.9
        >>> callback = kerasette.callbacks.LearningRateScheduler(scheduler)
        >>> model.fit(x, y, epochs=15, callbacks=[callback], verbose=0)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_learning_rate(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, current_learning_rate(optimizer))
        except TypeError:  # a schedule of the epoch alone (the older signature)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate!r}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        optimizers = getattr(self.model.optimizer, "optimizers", None)
        for optimizer in optimizers or [self.model.optimizer]:
            learning_rate = self._update_learning_rate(optimizer, epoch)
            if self.verbose > 0:
                which = f"{optimizer.name} " if optimizers else ""
                print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning "
                      f"rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            log_learning_rate(self.model.optimizer, logs)
