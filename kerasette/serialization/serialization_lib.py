"""Objects to and from Keras 3's JSON config format, creating only known classes.

``serialize_keras_object(obj)`` gives ``{"module", "class_name", "config",
"registered_name"}`` (plus ``"build_config"`` for layers), with Keras's module
names for built-in classes so that files move between kerasette and Keras 3.
``deserialize_keras_object(config)`` creates an object only from a built-in
class, a class registered with ``register_keras_serializable``, or one passed in
``custom_objects``: a file can never name arbitrary code to run.
"""

import inspect
import threading

import numpy as np

from kerasette.serialization.object_registration import get_registered_name, get_registered_object

# family -> (the module holding the classes, the Keras module name written to files)
_FAMILIES = {
    "layers": ("kerasette.layers", "keras.layers"),
    "models": ("kerasette.models", "keras.models"),
    "initializers": ("kerasette.initializers", "keras.initializers"),
    "regularizers": ("kerasette.regularizers", "keras.regularizers"),
    "constraints": ("kerasette.constraints", "keras.constraints"),
    "optimizers": ("kerasette.optimizers", "keras.optimizers"),
    "schedules": ("kerasette.optimizers.schedules", "keras.optimizers.schedules"),
    "losses": ("kerasette.losses", "keras.losses"),
    "metrics": ("kerasette.metrics", "keras.metrics"),
    "activations": ("kerasette.activations", "keras.activations"),
}


def _builtin_classes(family):
    import importlib
    module = importlib.import_module(_FAMILIES[family][0])
    return {name: obj for name, obj in vars(module).items()
            if inspect.isclass(obj) and not name.startswith("_")}


def _family_of(obj):
    module = type(obj).__module__ if not inspect.isclass(obj) else obj.__module__
    for family in ("schedules", "layers", "models", "initializers", "regularizers", "constraints",
                   "optimizers", "losses", "metrics", "activations"):
        if module.startswith(_FAMILIES[family][0] + ".") or module == _FAMILIES[family][0]:
            return family
    return None


def serialize_keras_object(obj):
    """``obj`` as Keras 3's config dict (None, plain values and strings pass through)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        registered = get_registered_name(obj)
        return registered or obj.__name__
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config().")
    family = _family_of(obj)
    registered = get_registered_name(obj)
    if family is not None and registered is None:
        module = _FAMILIES[family][1]
        if type(obj).__name__ == "Functional":
            module = "keras.src.models.functional"
        elif type(obj).__name__ == "Sequential":
            module = "keras"
    else:
        module = type(obj).__module__
    # a class Keras exports under another name (GroupedQueryAttention) says which
    config = {"module": module,
              "class_name": getattr(type(obj), "_keras_class_name", type(obj).__name__),
              "config": serialize_keras_object(obj.get_config()),
              "registered_name": registered}
    build_shapes = getattr(obj, "_build_shapes", None)
    if build_shapes is not None and family == "layers":
        if isinstance(build_shapes, dict) and all(str(k).endswith("_shape") for k in build_shapes):
            # a build with several shape arguments (MultiHeadAttention's query_shape,
            # value_shape): Keras's "shapes_dict", which its loader passes as keywords
            config["build_config"] = {"shapes_dict": _shapes_to_json(build_shapes)}
        else:
            config["build_config"] = {"input_shape": _shapes_to_json(build_shapes)}
    return config


def _shapes_to_json(shapes):
    if isinstance(shapes, dict):
        return {k: _shapes_to_json(v) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)):
        return [_shapes_to_json(s) for s in shapes]
    return shapes


def _find_class(config, custom_objects):
    class_name = config.get("class_name")
    registered = config.get("registered_name")
    module = config.get("module") or ""
    for key in (registered, class_name):
        if key:
            found = get_registered_object(key, custom_objects)
            if found is not None:
                return found
    families = [f for f, (_, keras_module) in _FAMILIES.items()
                if module == keras_module or module.startswith(keras_module + ".")
                or f"keras.src.{f}" in module]
    if class_name in ("Functional", "Sequential", "Model"):
        families = ["models"]
    for family in families + [f for f in _FAMILIES if f not in families]:
        found = _builtin_classes(family).get(class_name)
        if found is not None:
            return found
    return None


class _SafeMode(threading.local):
    value = True


_safe_mode = _SafeMode()
_unsafe_deserialization_enabled = False  # process-wide: enable_unsafe_deserialization()


def in_safe_mode():
    """Whether the deserialization in progress refuses Python code (a Lambda layer's
    bytecode): True outside one, False once :func:`enable_unsafe_deserialization` ran."""
    return _safe_mode.value and not _unsafe_deserialization_enabled


def enable_unsafe_deserialization():
    """Turns safe mode off for every later load in this process, as Keras 3's
    ``keras.config.enable_unsafe_deserialization()``: files may then rebuild Lambda layers
    from the Python bytecode they hold (and so run it), even where ``safe_mode=True`` is
    passed. Call it only when every file this process loads comes from a trusted source.
    """
    global _unsafe_deserialization_enabled
    _unsafe_deserialization_enabled = True


def refuse_python_code(where):
    """Raises the safe-mode refusal for the Python code found at ``where`` (e.g.
    ``'Lambda layer "lambda" (its function)'``), before anything unmarshals it."""
    raise ValueError(
        f"{where} in the file holds Python code (marshalled bytecode), which loading would "
        "run. It was refused because safe_mode is on. Lambda layers can hold arbitrary code: "
        "pass safe_mode=False (or call kerasette.config.enable_unsafe_deserialization()) "
        "only if the file comes from a trusted source."
    )


def deserialize_keras_object(config, custom_objects=None, safe_mode=None, family=None):
    """Creates the object described by ``config`` (the inverse of :func:`serialize_keras_object`).

    ``safe_mode`` (default True) refuses Python code (Lambda layers holding bytecode, the
    ``__lambda__`` objects of Keras 3 files) before any of it is unmarshalled; Lambda layers
    whose function is registered, built in or in ``custom_objects`` load in safe mode, as
    in Keras 3. :func:`enable_unsafe_deserialization` turns it off for the whole process.
    None inherits the setting of the deserialization this call is nested in (a model's
    config deserializing its layers), so ``safe_mode=False`` given for a model reaches its
    layers.

    Raises:
        ValueError: the class is neither built in, registered nor in ``custom_objects`` (the
            message says how to make it known), or the config is malformed.
    """
    if safe_mode is None:
        safe_mode = _safe_mode.value
    if _unsafe_deserialization_enabled:
        safe_mode = False
    previous = _safe_mode.value
    _safe_mode.value = bool(safe_mode)
    try:
        return _deserialize(config, custom_objects, bool(safe_mode), family)
    finally:
        _safe_mode.value = previous


def _deserialize(config, custom_objects, safe_mode, family):
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode, family) for c in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Not a serialized Keras object: {str(config)[:200]}")
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise ValueError(f"Invalid class_name in a serialized object: {class_name!r}.")
    if class_name == "__keras_tensor__":
        raise ValueError("A symbolic tensor cannot be deserialized outside a functional model.")
    if class_name == "__lambda__":  # Keras 3's form of a bare Python lambda
        if safe_mode:
            refuse_python_code("A Python lambda")
        from kerasette.utils.function_code import func_load
        inner = config.get("config")
        if not isinstance(inner, dict) or "value" not in inner:
            raise ValueError(f"A __lambda__ config needs {{'value': [code, defaults, closure]}}, "
                             f"got {str(inner)[:200]}")
        return func_load(inner["value"])
    cls = _find_class(config, custom_objects)
    if cls is None:
        raise ValueError(
            f"Unknown class {class_name!r} (module {config.get('module')!r}). It is not a "
            "built-in kerasette class: register it with "
            "@kerasette.saving.register_keras_serializable() or pass it in custom_objects="
            f"{{'{class_name}': {class_name}}}."
        )
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ValueError(f"The config of {class_name!r} must be a dict, got {type(inner).__name__}.")
    from_config = getattr(cls, "from_config", None)
    try:
        if from_config is not None:
            parameters = inspect.signature(from_config).parameters
            if "custom_objects" in parameters:
                obj = from_config(inner, custom_objects=custom_objects)
            else:
                obj = from_config(inner)
        else:
            obj = cls(**inner)
    except (TypeError, KeyError) as error:
        raise ValueError(f"Could not create {class_name} from its config: {error}") from error
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config"):
        obj.build_from_config(build_config)
    return obj
