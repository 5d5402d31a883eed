"""Registering user classes so that files naming them can be loaded (and nothing else).

Three places name the user's objects, looked up in this order after the ``custom_objects``
given to a call: the innermost :class:`CustomObjectScope` of this thread, then the global
registry (:func:`register_keras_serializable`, :func:`get_custom_objects`), as in Keras 3.
"""

import threading

_REGISTERED = {}


class _Scope(threading.local):
    objects = {}


_scope = _Scope()


def get_custom_objects():
    """The global ``{name: class or function}`` registry that deserialization looks names up
    in. :func:`register_keras_serializable` adds to it (as ``"package>name"``); a user may add
    or remove entries directly, as in Keras 3.

    Example:
        >>> kerasette.saving.get_custom_objects()["Scale"] = Scale
    """
    return _REGISTERED


class CustomObjectScope:
    """Within the ``with`` block, deserialization (``load_model``, ``from_config``, ...) of this
    thread also finds the objects of ``custom_objects`` by name. An inner scope replaces the
    outer one until it exits, as in Keras 3.

    Args:
        custom_objects: ``{name: class or function}``.

    Example:
        >>> with kerasette.saving.custom_object_scope({"Scale": Scale}):
        ...     model = kerasette.saving.load_model("scaled.keras")
    """

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})
        self._previous = None

    def __enter__(self):
        self._previous = _scope.objects
        _scope.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scope.objects = self._previous


custom_object_scope = CustomObjectScope


def scoped_custom_objects():
    """A copy of the objects of this thread's innermost :class:`CustomObjectScope` (``{}``
    outside one): for a loader that adds its own ``custom_objects`` to them."""
    return dict(_scope.objects)


def register_keras_serializable(package="Custom", name=None):
    """A class decorator: registers the class under ``"package>name"`` for deserialization.

    Loading a file only ever creates built-in classes, registered ones and those given in
    ``custom_objects``; this is how a user's own layer, loss or model becomes loadable.

    Example:
        >>> @kerasette.saving.register_keras_serializable(package="my_project")
        ... class Scale(kerasette.layers.Layer):
        ...     ...
    """
    def decorator(cls):
        registered_name = f"{package}>{name or cls.__name__}"
        if registered_name in _REGISTERED and _REGISTERED[registered_name] is not cls:
            raise ValueError(f"{registered_name} is already registered to {_REGISTERED[registered_name]}.")
        _REGISTERED[registered_name] = cls
        cls._registered_name = registered_name
        return cls
    return decorator


def get_registered_name(obj):
    """The registered name of ``obj``'s class (or of a registered function), else None."""
    cls = obj if isinstance(obj, type) else type(obj)
    name = cls.__dict__.get("_registered_name")
    if name is None and callable(obj) and not isinstance(obj, type):
        name = getattr(obj, "_registered_name", None)
    return name


def get_registered_object(name, custom_objects=None):
    """The class or function known under ``name``: passed in ``custom_objects``, in the
    active :class:`CustomObjectScope`, or registered; None if none has it. A registered
    name ``"package>name"`` is also found under its bare ``name`` in the first two."""
    for objects in (custom_objects, _scope.objects):
        if objects and name in objects:
            return objects[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    if ">" in name:
        bare = name.split(">", 1)[1]
        for objects in (custom_objects, _scope.objects):
            if objects and bare in objects:
                return objects[bare]
    return None
