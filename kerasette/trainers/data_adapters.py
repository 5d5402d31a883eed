"""Turning what users pass to ``fit``/``evaluate``/``predict`` into batches.

Accepted: numpy arrays (or lists/dicts of them for several inputs or outputs),
nested Python lists of numbers (one array each, as ``np.asarray`` reads them),
Python generators and iterators of ``(x, y)`` / ``(x, y, sample_weight)``, and
``keras.utils.PyDataset``-style sequences (``__len__`` and ``__getitem__``).
Batches are numpy structures; float64 data is cast once to ``floatx``.

What cannot be right is refused here, naming the input: counts that are not
positive integers (``batch_size=0`` used to become 32, ``2.5`` became 2), data
that are not numbers (strings, Python objects), and arrays without samples.
"""

import math
import numbers
import warnings

import numpy as np

from kerasette.backends import tree
from kerasette.backends.config import floatx


# the dtype kinds a model cannot take, and what they hold (for the error message)
_NOT_NUMBERS = {"U": "strings", "S": "bytes", "O": "Python objects", "M": "dates",
                "m": "time spans", "V": "raw records", "c": "complex numbers"}


def check_count(value, argument, method, minimum=1, allow_none=True):
    """``value`` as an int if it is an integer (Python or numpy, not bool) of at least
    ``minimum`` (or None when ``allow_none``); else ``ValueError`` naming ``argument`` of
    ``method``, the value and what was expected."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        kind = {0: "a non-negative integer", 1: "a positive integer"}.get(
            minimum, f"an integer >= {minimum}")
        raise ValueError(f"{method}(): {argument} must be {kind}"
                         f"{' or None' if allow_none else ''}, got {value!r}.")
    return int(value)


def _is_nested_numbers(value):
    """True when ``value`` is a list or tuple of numbers, nested to any depth (one array, as
    ``np.asarray`` reads it), rather than a list of arrays (several inputs). Only the first
    entry of each level is looked at: a large list is not walked twice."""
    if not isinstance(value, (list, tuple)):
        return False
    while isinstance(value, (list, tuple)) and len(value):
        value = value[0]
    return isinstance(value, (list, tuple, numbers.Number, str, bytes, np.generic))


def _to_array(value, what):
    if value is None:
        return None
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    try:
        array = np.asarray(value)
    except ValueError as error:  # numpy refuses ragged nested lists
        raise ValueError(
            f"{what} is a nested list whose rows differ in length, so it is not one array: pad "
            f"the rows to one length, or give several inputs as a list of numpy arrays "
            f"(numpy: {error})"
        ) from None
    if array.dtype.kind in _NOT_NUMBERS:
        raise ValueError(
            f"{what} has dtype {array.dtype} ({_NOT_NUMBERS[array.dtype.kind]}), which a model "
            "cannot take: give numbers, e.g. np.asarray(values, dtype='float32') for numbers "
            "stored as text, or integer ids for words and categories."
        )
    if array.dtype == np.float64 or array.dtype == np.float16 and floatx() != "float16":
        array = array.astype(floatx())
    return array


def standardize(data, what="x"):
    """Every array of ``data`` as a numpy array (float64 -> floatx); a nested list or tuple
    of numbers becomes one array, a list, tuple or dict of arrays keeps its structure.
    ``what`` names the data in errors (``"x"``, then ``"x[1]"``, ``"x['image']"`` inside)."""
    if isinstance(data, dict):
        return {key: standardize(value, f"{what}[{key!r}]") for key, value in data.items()}
    if isinstance(data, (list, tuple)) and not _is_nested_numbers(data):
        parts = [standardize(value, f"{what}[{i}]") for i, value in enumerate(data)]
        return type(data)(*parts) if hasattr(data, "_fields") else type(data)(parts)
    return _to_array(data, what)


def unpack(batch):
    """``(x, y, sample_weight)`` from a batch tuple of one to three entries."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(
            f"A data batch must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of "
            f"{len(batch)} items."
        )
    return batch, None, None


def _standardize_batch(batch):
    """``(x, y, sample_weight)`` of a batch from a generator or a PyDataset, as arrays."""
    return tuple(standardize(part, name) for part, name in zip(unpack(batch),
                                                               ("x", "y", "sample_weight")))


def num_samples(data, what):
    """The common first dimension of every array in ``data``; raises naming the mismatch."""
    sizes = {}
    for leaf in tree.flatten(data)[0]:
        sizes.setdefault(int(leaf.shape[0]) if leaf.ndim else 1, 0)
    if len(sizes) > 1:
        raise ValueError(f"All arrays of {what} must have the same number of samples; "
                         f"got sizes {sorted(sizes)}.")
    return next(iter(sizes)) if sizes else 0


def check_finite(data, what):
    """Raises ``ValueError`` naming the first NaN or infinity in float arrays of ``data``."""
    for index, leaf in enumerate(tree.flatten(data)[0]):
        if leaf is None or leaf.dtype.kind != "f":
            continue
        bad = ~np.isfinite(leaf)
        if bad.any():
            position = tuple(int(i) for i in np.argwhere(bad)[0])
            which = what if len(tree.flatten(data)[0]) == 1 else f"{what} (array {index})"
            raise ValueError(
                f"{which} contains {leaf[position]} at index {position} (sample {position[0]}); "
                "training on NaN or infinite values gives NaN weights. Clean or impute the data "
                "first."
            )


def class_weights_to_sample_weights(y, class_weight):
    """Per-sample weights ``class_weight[label]`` for integer or one-hot labels ``y``."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("class_weight is only supported for models with a single output.")
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - set(int(k) for k in class_weight))
    if missing:
        raise ValueError(f"class_weight has no entry for classes {missing}.")
    table = np.zeros(max(int(k) for k in class_weight) + 1, dtype=floatx())
    for key, value in class_weight.items():
        table[int(key)] = value
    return table[labels]


def ran_out_of_data(taken, steps, argument, advice):
    """Warns, as Keras 3 does, that an epoch (or an evaluation) ends after ``taken`` batches,
    before the ``steps`` that ``argument`` asked for; ``advice`` says what to change."""
    warnings.warn(
        f"Your input ran out of data; interrupting after {taken} batch(es), short of "
        f"{argument}={steps}: {advice}", stacklevel=4)


def epoch_start(epoch, steps_per_epoch, batches_per_pass):
    """``(pass, batch)``: where epoch ``epoch`` (from 0) starts, as the pass over the data and
    the batch within it. Epochs never cross the end of a pass, so a pass of ``n`` batches
    holds ``ceil(n / steps_per_epoch)`` epochs, the last one shorter when they do not divide."""
    epochs_per_pass = math.ceil(batches_per_pass / steps_per_epoch)
    pass_index, within = divmod(epoch, epochs_per_pass)
    return pass_index, within * steps_per_epoch


class _PassesOverData:
    """Epochs over data that knows its number of batches (arrays, a PyDataset), in Keras 3's
    order: an epoch takes ``steps_per_epoch`` batches from where the last epoch stopped, but
    never crosses the end of a pass over the data. An epoch that reaches the end first stops
    there with a warning ("Your input ran out of data"), and the next one starts a new pass,
    reshuffled. So 4 batches with ``steps_per_epoch=3`` make epochs of 3, 1, 3, 1, ...
    batches, and ``steps`` beyond the data in ``evaluate``/``predict`` use every batch once.

    With a ``seed``, pass ``p`` is shuffled by ``default_rng([seed, p])``, so any batch can be
    found again from its (epoch, step) alone (:meth:`seek`): a resumed run draws the same
    batches as one that never stopped. A subclass gives the number of batches of a pass,
    the order of a pass, and the batch at a position of it.
    """

    def _start_passes(self, steps_per_epoch, argument, rng, seed):
        self.steps_per_epoch = steps_per_epoch or self._batches_per_pass()
        self.rng = rng or np.random.default_rng()
        self.seed = seed
        self._argument = argument  # the argument that asked for the steps, for the warning
        self._order = None
        self._position = 0  # the next batch, within the pass
        self._pass = -1
        self._resume_step = 0  # the epoch after a seek starts at this step

    def seek(self, epoch, step=0):
        """Makes the next batch step ``step`` of epoch ``epoch`` (both from 0), as if every
        earlier batch had been drawn; with a ``seed``, the very batch that run would draw."""
        pass_index, first = epoch_start(epoch, self.steps_per_epoch, self._batches_per_pass())
        self._pass = pass_index - 1
        self._new_pass()
        self._position = first + step
        self._resume_step = step

    def epoch(self):
        """The batches of one epoch (see the class)."""
        first, self._resume_step = self._resume_step, 0
        if first == 0 and (self._order is None or self._position >= self._batches_per_pass()):
            self._new_pass()
        for step in range(first, self.steps_per_epoch):
            if self._position >= self._batches_per_pass():
                ran_out_of_data(step, self.steps_per_epoch, self._argument, self._advice())
                break
            self._position += 1
            yield self._batch(self._position - 1)
        self._end_of_epoch()

    def _new_pass(self):
        self._position = 0
        self._pass += 1
        rng = self.rng if self.seed is None else np.random.default_rng([self.seed, self._pass])
        self._order = self._pass_order(rng)

    def _end_of_epoch(self):
        pass


class ArrayDataAdapter(_PassesOverData):
    """Batches of in-memory arrays, in passes over the data (see :class:`_PassesOverData`);
    each pass is reshuffled when ``shuffle`` is set (``"batch"``: the order of the batches)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps_per_epoch=None, rng=None, seed=None, method="fit", role="",
                 argument="steps_per_epoch"):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.size = num_samples(x, "x")
        if self.size == 0:
            leaves = tree.flatten(x)[0]
            found = f"has shape {leaves[0].shape}" if leaves else "holds no arrays"
            raise ValueError(f"{method}() received no samples: {role}x {found}. Give at least "
                             "one sample.")
        if y is not None:
            y_size = num_samples(y, "y")
            if y_size != self.size:
                raise ValueError(
                    f"x and y must have the same number of samples: x has {self.size}, "
                    f"y has {y_size}."
                )
        if sample_weight is not None and num_samples(sample_weight, "sample_weight") != self.size:
            raise ValueError(
                f"sample_weight has {num_samples(sample_weight, 'sample_weight')} entries for "
                f"{self.size} samples."
            )
        self.batch_size = 32 if batch_size is None else int(batch_size)
        self.shuffle = shuffle
        self.full_steps = max(1, math.ceil(self.size / self.batch_size))
        self._start_passes(steps_per_epoch, argument, rng, seed)

    def first_batch(self):
        """The first batch in the data's own order, without moving through the epoch (enough
        to build a model and its losses)."""
        return self._take(np.arange(min(self.batch_size, self.size)))

    def _batches_per_pass(self):
        return self.full_steps

    def _advice(self):
        return (f"the arrays hold {self.full_steps} batches ({self.size} samples, batch_size="
                f"{self.batch_size}); the next epoch starts a new pass over them. Ask for at "
                f"most {self.full_steps} steps to use whole passes.")

    def _pass_order(self, rng):
        if self.shuffle == "batch":
            blocks = np.arange(self.full_steps)
            rng.shuffle(blocks)
            return np.concatenate([np.arange(b * self.batch_size,
                                             min((b + 1) * self.batch_size, self.size))
                                   for b in blocks])
        if self.shuffle:
            return rng.permutation(self.size)
        return np.arange(self.size)

    def _batch(self, position):
        start = position * self.batch_size
        return self._take(self._order[start:start + self.batch_size])

    def _take(self, index):
        contiguous = index.size and index[-1] - index[0] == index.size - 1 and (
            index.size < 2 or index[1] > index[0])

        def take(a):
            if a is None:
                return None
            return a[index[0]:index[-1] + 1] if contiguous else a[index]
        x = tree.map_structure(take, self.x)
        y = tree.map_structure(take, self.y) if self.y is not None else None
        sw = tree.map_structure(take, self.sample_weight) if self.sample_weight is not None else None
        return x, y, sw


class GeneratorDataAdapter:
    """Batches from a Python generator or iterator yielding ``(x, y[, sample_weight])``: each
    epoch takes ``steps_per_epoch`` batches (all of them when None) from where the last one
    stopped; one that runs out first ends there, with a warning when it was asked for more."""

    def __init__(self, generator, steps_per_epoch=None, argument="steps_per_epoch"):
        self.iterator = iter(generator)
        self.steps_per_epoch = steps_per_epoch
        self._argument = argument
        self.exhausted = False

    def epoch(self):
        steps = 0
        while self.steps_per_epoch is None or steps < self.steps_per_epoch:
            try:
                batch = next(self.iterator)
            except StopIteration:
                self.exhausted = True
                if self.steps_per_epoch is not None:
                    ran_out_of_data(steps, self.steps_per_epoch, self._argument,
                                    "a generator is read once: make sure it can give at least "
                                    f"`{self._argument} * epochs` batches (loop forever, for "
                                    "instance).")
                return
            steps += 1
            yield _standardize_batch(batch)


class SequenceDataAdapter(_PassesOverData):
    """Batches from a ``PyDataset``-like sequence: ``len(ds)`` batches a pass, ``ds[i]`` each,
    in passes as :class:`_PassesOverData` says (the batch order reshuffled each pass when
    ``shuffle`` is set); the sequence's ``on_epoch_end`` runs after every epoch."""

    def __init__(self, sequence, shuffle=False, steps_per_epoch=None, rng=None, seed=None,
                 argument="steps_per_epoch"):
        self.sequence = sequence
        self.shuffle = shuffle
        self._start_passes(steps_per_epoch, argument, rng, seed)

    def _batches_per_pass(self):
        return len(self.sequence)

    def _advice(self):
        return (f"the dataset holds {len(self.sequence)} batches; the next epoch starts a new "
                "pass over it.")

    def _pass_order(self, rng):
        order = np.arange(len(self.sequence))
        if self.shuffle:
            rng.shuffle(order)
        return order

    def _batch(self, position):
        return _standardize_batch(self.sequence[int(self._order[position])])

    def _end_of_epoch(self):
        on_epoch_end = getattr(self.sequence, "on_epoch_end", None)
        if on_epoch_end is not None:
            on_epoch_end()


def is_sequence(x):
    return hasattr(x, "__getitem__") and hasattr(x, "__len__") and not isinstance(
        x, (np.ndarray, list, tuple, dict)) and not hasattr(x, "shape")


def is_generator(x):
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not isinstance(
        x, (np.ndarray, list, tuple, dict)) and not hasattr(x, "shape") and not is_sequence(x))


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, shuffle=False,
                     steps_per_epoch=None, class_weight=None, rng=None, check_values=True,
                     role="", seed=None, method="fit"):
    """The adapter for ``x`` (and ``y``, ``sample_weight``); ``role`` ("validation ") and
    ``method`` ("fit", "evaluate", ...) name the data in errors and warnings. ``seed`` (array
    and sequence inputs) makes every pass's shuffle a function of (seed, pass), so that a
    resumed run shuffles like an uninterrupted one. ``steps_per_epoch`` (``steps``) takes
    batches as Keras 3 does: see :class:`_PassesOverData`."""
    # the argument that asks for a number of batches, named in the "ran out of data" warning
    argument = ("validation_steps" if role else "steps_per_epoch") if method == "fit" else "steps"
    if is_sequence(x) or is_generator(x):
        if y is not None:
            raise ValueError(
                "When x is a generator or a PyDataset it yields the targets too: do not pass y "
                f"(got y of type {type(y).__name__})."
            )
        if class_weight is not None:
            raise ValueError("class_weight is only supported for array inputs.")
        if is_sequence(x):
            return SequenceDataAdapter(x, shuffle=shuffle, steps_per_epoch=steps_per_epoch, rng=rng,
                                       seed=seed, argument=argument)
        return GeneratorDataAdapter(x, steps_per_epoch=steps_per_epoch, argument=argument)
    if x is None:
        raise ValueError("No input data: x is None.")
    x = standardize(x, f"{role}x")
    y = standardize(y, f"{role}y")
    sample_weight = standardize(sample_weight, f"{role}sample_weight")
    if check_values:
        check_finite(x, f"{role}x")
        if y is not None:
            check_finite(y, f"{role}y")
    if class_weight is not None:
        weights = class_weights_to_sample_weights(y, class_weight)
        sample_weight = weights if sample_weight is None else sample_weight * weights
    return ArrayDataAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                            steps_per_epoch=steps_per_epoch, rng=rng, seed=seed,
                            method=method, role=role, argument=argument)


def split_validation(x, y, sample_weight, validation_split):
    """The last ``validation_split`` fraction of the arrays, split off before any shuffling."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}.")
    if is_sequence(x) or is_generator(x):
        raise ValueError("validation_split is only supported for array inputs, not generators "
                         "or PyDatasets; pass validation_data instead.")
    x, y = standardize(x, "x"), standardize(y, "y")
    sample_weight = standardize(sample_weight, "sample_weight")
    # values are checked before the split, so an error gives the sample's own index
    check_finite(x, "x")
    check_finite(y, "y")
    size = num_samples(x, "x")
    split = int(math.floor(size * (1.0 - validation_split)))
    if split == 0 or split == size:
        raise ValueError(
            f"validation_split={validation_split} leaves no training or no validation sample "
            f"out of {size}."
        )

    def head(a):
        return None if a is None else a[:split]

    def tail(a):
        return None if a is None else a[split:]
    train = tuple(tree.map_structure(head, d) if d is not None else None for d in (x, y, sample_weight))
    valid = tuple(tree.map_structure(tail, d) if d is not None else None for d in (x, y, sample_weight))
    return train, valid
