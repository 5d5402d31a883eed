"""CallbackList: calls every callback's hook in order; adds History and the progress logger."""

from kerasette.callbacks.callback import Callback
from kerasette.callbacks.history import History
from kerasette.callbacks.progbar_logger import ProgbarLogger

_HOOKS = [
    "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end",
    "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end",
]


class CallbackList(Callback):
    """A container of callbacks that forwards each hook to all of them.

    Args:
        callbacks: the user's callbacks.
        add_history: add a :class:`History` (``fit`` does) unless one is given.
        add_progbar: add a :class:`ProgbarLogger` when ``verbose`` is not 0.
        model: the model; ``params``: the loop's parameters.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be keras.callbacks.Callback instances, got "
                    f"{type(callback).__name__}: {callback!r}."
                )
        self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
        if add_history and self.history is None:
            self.history = History()
            self.callbacks.append(self.history)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            # last, as Keras 3: the epoch line shows what other callbacks added to the logs
            # (``learning_rate``)
            self.callbacks.append(ProgbarLogger())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def _on_train_failed(self):
        for callback in self.callbacks:
            callback._on_train_failed()


def _forward(name):
    # arguments are passed on by position, as Keras 3 does, so a LambdaCallback's function
    # may name them as it likes
    if name.endswith(("_begin", "_end")) and ("epoch" in name or "batch" in name):
        def hook(self, index, logs=None):
            for callback in self.callbacks:
                getattr(callback, name)(index, logs)
    else:
        def hook(self, logs=None):
            for callback in self.callbacks:
                getattr(callback, name)(logs)
    hook.__name__ = name
    return hook


for _name in _HOOKS:
    setattr(CallbackList, _name, _forward(_name))
del _name
