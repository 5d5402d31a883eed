"""Callback: hooks into ``fit``, ``evaluate`` and ``predict`` (Keras 3 ``keras.callbacks.Callback``)."""


class Callback:
    """Base class of callbacks. Override the hooks you need.

    Attributes:
        model: the model being trained (set by the trainer).
        params: ``{"verbose", "epochs", "steps"}`` of the running loop.

    Every hook receives a ``logs`` dict: per batch, the running values of the
    loss and metrics (tensors; ``float(value)`` reads one); per epoch, Python floats,
    with ``val_``-prefixed entries after validation.
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatible alias of :meth:`on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatible alias of :meth:`on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each training epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with the epoch's logs (validation included)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch with the running logs."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of ``evaluate`` (and of validation in ``fit``)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of ``evaluate``."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of ``predict``."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of ``predict`` (``logs["outputs"]`` holds the batch's output)."""

    def on_train_begin(self, logs=None):
        """Called once when ``fit`` starts."""

    def on_train_end(self, logs=None):
        """Called once when ``fit`` ends (also after an early stop)."""

    def _on_train_failed(self):
        """Called when ``fit`` ends by an exception, where :meth:`on_train_end` is not called
        (as in Keras 3): a callback lets go of what it holds for the run (BackupAndRestore's
        lock on its folder). kerasette only; it must not raise."""

    def on_test_begin(self, logs=None):
        """Called when ``evaluate`` (or validation) starts."""

    def on_test_end(self, logs=None):
        """Called when ``evaluate`` (or validation) ends, with its final logs."""

    def on_predict_begin(self, logs=None):
        """Called when ``predict`` starts."""

    def on_predict_end(self, logs=None):
        """Called when ``predict`` ends."""
