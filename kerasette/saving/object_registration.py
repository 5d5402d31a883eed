"""Registering user classes so that files naming them can be loaded (and nothing else)."""

_REGISTERED = {}


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
    """The class registered (or passed in ``custom_objects``) under ``name``, or None."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    if custom_objects and ">" in name and name.split(">", 1)[1] in custom_objects:
        return custom_objects[name.split(">", 1)[1]]
    return None
