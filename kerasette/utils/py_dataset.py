"""``PyDataset``: a dataset written in Python that yields whole batches (``keras.utils.PyDataset``)."""

import itertools
import warnings

# what the constructor sets when a subclass forgets to call it
_DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class for a dataset of batches computed in Python (Keras 3 ``keras.utils.PyDataset``).

    A subclass implements ``__len__`` (the number of batches per epoch) and
    ``__getitem__(index)`` (batch ``index``: ``x``, ``(x, y)`` or
    ``(x, y, sample_weight)``); ``on_epoch_begin`` and ``on_epoch_end`` are
    called by ``fit`` around each epoch (shuffle there). Iterating a PyDataset
    yields its batches in order.

    Args:
        workers: how many workers ``fit`` may use to prepare batches.
        use_multiprocessing: whether those workers are processes (else threads).
        max_queue_size: how many batches may be prepared ahead.

    These three arguments are accepted for Keras compatibility and are read
    by the trainer; the class itself never uses them.

    Example:
        >>> class Batches(kerasette.utils.PyDataset):
        ...     def __init__(self, x, y, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return math.ceil(len(self.x) / self.batch_size)
        ...     def __getitem__(self, index):
        ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        ...         return self.x[part], self.y[part]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = [name for name in _DEFAULTS if not hasattr(self, name)]
        for name in missing:
            setattr(self, name, _DEFAULTS[name])
        if missing:
            warnings.warn(
                f"{type(self).__name__} should call super().__init__(**kwargs) in its constructor "
                "(kwargs may hold workers, use_multiprocessing, max_queue_size); using the "
                "defaults workers=1, use_multiprocessing=False, max_queue_size=10.",
                stacklevel=3,
            )

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Batch number ``index``."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __getitem__(index), returning one batch."
        )

    @property
    def num_batches(self):
        """The number of batches per epoch (``len(self)``), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must implement __len__ (the number of batches per epoch) "
            "or a num_batches property (None for an endless dataset)."
        )

    def __iter__(self):
        try:
            count = self.num_batches
        except NotImplementedError:
            count = None
        indices = itertools.count() if count is None else range(count)
        for index in indices:
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (shuffle the data here)."""


#: The Keras 2 name of :class:`PyDataset`.
Sequence = PyDataset
