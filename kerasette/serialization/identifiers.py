"""What users pass for an initializer, regularizer, constraint or activation, turned into the object.

Each of those modules keeps a table of its names (``{"GlorotUniform": GlorotUniform,
"glorot_uniform": GlorotUniform, ...}``) and resolves, as Keras 3 does:

- a name: looked up in the table (then among registered objects and ``custom_objects``);
- a config dict ``{"class_name": ..., "config": ...}`` as Keras 3 writes it: the class
  from the table, else :func:`~kerasette.serialization.deserialize_keras_object` (registered
  classes, ``custom_objects``);
- a class: instantiated; any other callable: used as it is.

Only names in the table, registered names and ``custom_objects`` are ever looked
up: a config cannot name arbitrary code to run.
"""

import inspect

from kerasette.serialization.object_registration import get_registered_object
from kerasette.serialization.serialization_lib import deserialize_keras_object


def deserialize_object(config, table, kind, custom_objects=None):
    """The object that ``config`` (a name or a Keras 3 config dict) describes.

    Args:
        config: the name or config dict. A class is instantiated (with ``from_config``
            and the dict's ``config``; with no arguments for a bare name); a function is
            returned as it is.
        table: the module's names.
        kind: what the module holds, for error messages ("initializer").
        custom_objects: extra ``{name: class or function}``.

    Raises:
        ValueError: a name that is unknown (the message lists the valid names).
    """
    if isinstance(config, dict) and "class_name" in config:
        name, arguments = config["class_name"], config.get("config")
        if name == "function" and isinstance(arguments, str):
            # how Keras 3 writes a function: {"class_name": "function", "config": "relu"}
            name, arguments = arguments, None
        elif name not in table and not (custom_objects and name in custom_objects):
            return deserialize_keras_object(config, custom_objects)
    elif isinstance(config, str):
        name, arguments = config, None
    else:
        raise ValueError(
            f"Could not interpret {kind} identifier {config!r}: expected a name or a config "
            'dict with "class_name" and "config".'
        )
    obj = get_registered_object(name, custom_objects) or table.get(name)
    if obj is None:
        raise ValueError(
            f"Could not interpret {kind} identifier {name!r}: unknown name. Valid names are: "
            f"{', '.join(sorted(table))}."
        )
    if not inspect.isclass(obj):
        return obj
    if arguments is None:
        return obj()
    return obj.from_config(dict(arguments)) if hasattr(obj, "from_config") else obj(**arguments)


def get_object(identifier, table, kind):
    """The object for a module's ``get(identifier)``: None gives None; a name or a config
    dict is deserialized with ``table``; a class is instantiated with no arguments; any other
    callable is returned as it is.

    Raises:
        ValueError: an unknown name (listing the valid names) or an identifier that is
            none of the above.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize_object(identifier, table, kind)
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier {identifier!r}: expected a name, a config dict "
        "or a callable."
    )
