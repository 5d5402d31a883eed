"""LambdaCallback: a callback made of plain functions."""

from kerasette.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback whose hooks are the functions given (Keras 3).

    The six named arguments are the usual ones; any other hook (``on_test_begin``,
    ``on_predict_batch_end``, ...) can be given by its name as a keyword too. Each function
    takes the hook's arguments: ``(epoch, logs)`` for epoch hooks, ``(batch, logs)`` for
    batch hooks, ``(logs)`` for begin/end hooks.

    Example:
        >>> losses = []
        >>> record = kerasette.callbacks.LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: losses.append(logs["loss"]))
        >>> model.fit(x, y, epochs=3, callbacks=[record], verbose=0)
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
