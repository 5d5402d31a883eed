"""What a layer tracks: the attributes that hold its state.

Assigning an attribute of a :class:`~kerasette.layers.Layer` (``self.dense = Dense(4)``,
``self.blocks = [...]``, ``self.kernel = self.add_weight(...)``) records its name here, as
Keras 3 does by hooking ``__setattr__``; the layer's sublayers, extra variables, random
generators and metrics, the optimizer of a model, and the paths of a weights file are all
read from this one record. A name is recorded when its value is state (a layer, variable,
seed generator, metric or optimizer), a list or dict (walked when read, so that
``self.blocks.append(...)`` after the assignment counts too), or a tuple holding state; it
is forgotten when the attribute is deleted or set to something else.

The base classes' own bookkeeping (a layer's weight lists, a model's compiled steps, a
Sequential model's graph) is assigned inside :func:`no_tracking` methods or an
:func:`untracked` block, so the record holds only what the user's code (or a layer's own
``__init__``/``build``) assigned: no class lists another class's attributes.
"""

import contextlib
import functools


class Tracker:
    """The tracked attribute names of one object, in the order first assigned."""

    __slots__ = ("names", "paused")

    def __init__(self):
        self.names = {}  # attribute name -> None: an ordered set
        self.paused = 0

    def note(self, name, value, state_types):
        """Records or forgets ``name`` after ``obj.name = value``; ``state_types`` are the
        classes of the state the owner tracks."""
        if self.paused:
            return
        if isinstance(value, (list, dict)) or isinstance(value, state_types) or (
                isinstance(value, tuple)
                and any(isinstance(v, state_types) for v in _walk(value))):
            self.names[name] = None
        else:
            self.names.pop(name, None)

    def forget(self, name):
        self.names.pop(name, None)

    def values(self, obj):
        """``(name, value)`` for every tracked attribute still set on ``obj``."""
        attributes = obj.__dict__
        return [(name, attributes[name]) for name in self.names if name in attributes]


def tracker_of(obj):
    """``obj``'s :class:`Tracker`, made on first use (an attribute may be set before the base
    class's ``__init__`` runs)."""
    tracker = obj.__dict__.get("_tracker")
    if tracker is None:
        tracker = Tracker()
        object.__setattr__(obj, "_tracker", tracker)
    return tracker


@contextlib.contextmanager
def untracked(obj):
    """Attributes of ``obj`` assigned in this block are its own bookkeeping, not tracked."""
    tracker = tracker_of(obj)
    tracker.paused += 1
    try:
        yield
    finally:
        tracker.paused -= 1


def no_tracking(method):
    """Decorates a base-class method whose attribute assignments are bookkeeping (Keras 3's
    ``no_automatic_dependency_tracking``); it pauses only the tracker of ``self``."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with untracked(self):
            return method(self, *args, **kwargs)
    return wrapper


def _walk(value, depth=0):
    """The items of nested lists, tuples and dicts (three levels deep), and ``value`` itself
    when it is none of those."""
    if depth < 3 and isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for item in value.values():
            yield from _walk(item, depth + 1)
    else:
        yield value


def tracked_objects(tracker, obj):
    """Every object held by ``obj``'s tracked attributes, flattened out of lists, tuples and
    dicts, in assignment order (duplicates included)."""
    for _, value in tracker.values(obj):
        yield from _walk(value)


def unique(items):
    """``items`` without repeats (by identity), in order."""
    seen = set()
    result = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            result.append(item)
    return result
