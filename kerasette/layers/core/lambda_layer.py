"""Lambda: wraps a Python function as a layer, saved as Keras 3 saves it."""

import importlib
import inspect
import types
import warnings

import numpy as np

from kerasette.layers.layer import Layer
from kerasette.saving import serialization_lib
from kerasette.saving.object_registration import get_registered_name, get_registered_object
from kerasette.utils import python_utils

# kerasette's public function namespaces a saved Lambda may name its function from, written
# to files as "keras.<family>" (Keras 3 finds the same functions there)
_FUNCTION_FAMILIES = ("activations", "ops", "losses", "metrics")
# names in those namespaces that are not computations on a tensor: never a Lambda's function
_NOT_LAYER_FUNCTIONS = frozenset({
    "get", "get_object", "serialize", "deserialize", "deserialize_object", "serialize_callable",
    "serialize_keras_object", "get_registered_name", "to_snake_case", "jit", "grad",
    "value_and_grad", "convert_to_numpy"})
# the parts of a Lambda's config that may hold a saved function
_FUNCTION_KEYS = ("function", "output_shape", "mask")


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (no weights).

    A Lambda is saved the way Keras 3 saves it: a lambda or a local function as its
    Python bytecode (with its default values and the values it captured), a registered
    or module-level function by name. Loading bytecode runs code from the file, so a
    model whose Lambda holds bytecode loads only with ``safe_mode=False`` (or after
    ``kerasette.config.enable_unsafe_deserialization()``), and only in the Python version
    that saved it; a function saved by name loads in safe mode when it is built in,
    registered with ``register_keras_serializable`` or passed in ``custom_objects``.
    A loaded function sees as globals only Python's builtins, ``kerasette`` (also as
    ``keras``), ``ops``, ``layers``, ``activations`` and ``np``. Prefer a small Layer
    subclass for anything you will share.

    Args:
        function: the function, written with ``kerasette.ops``. It may take ``training``
            and ``mask`` keyword arguments.
        output_shape: the output shape (without batch) or a function of the input shape
            giving the whole output shape; inferred by running the function when omitted.
        mask: None, a function ``mask(inputs, mask)`` giving the output mask, or a tensor
            returned as the output mask whatever the inputs.
        arguments: extra keyword arguments passed to ``function``.

    Example:
        >>> model = kerasette.Sequential([kerasette.Input((4,)),
        ...                               kerasette.layers.Lambda(lambda x: x * 2.0)])
        >>> model.save("double.keras")
        >>> restored = kerasette.models.load_model("double.keras", safe_mode=False)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f'Lambda "{self.name}": function must be callable, got {function!r}.')
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self.arguments = dict(arguments or {})
        parameters = _parameter_names(function)
        self._takes_training = "training" in parameters
        self._takes_mask = "mask" in parameters

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        """``mask(inputs, mask)`` when the layer's mask is a function, else the mask given."""
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            return self._output_spec_by_running(args, kwargs)
        from kerasette.backends import tree
        from kerasette.layers.keras_tensor import KerasTensor
        input_shape = tree.map_structure(lambda tensor: tuple(tensor.shape), args[0])
        return KerasTensor(self.compute_output_shape(input_shape), dtype=self.dtype)

    def compute_output_shape(self, input_shape):
        """``output_shape`` (a shape without the batch size, or a function of the input
        shape); when it was not given, found by running the function on zeros."""
        if self._output_shape is None:
            from kerasette.backends import tree
            from kerasette.layers.layer import _keras_tensors_from_shapes
            spec = self._output_spec_by_running(
                (_keras_tensors_from_shapes(input_shape, self.dtype),), {})
            return tree.map_structure(lambda tensor: tensor.shape, spec)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (_batch_size(input_shape),) + tuple(self._output_shape)

    # ------------------------------------------------------------------ saving
    def get_config(self):
        """The config, with ``function`` (and a callable ``output_shape`` or ``mask``) in
        Keras 3's saved form.

        Raises:
            TypeError: the function captures or defaults to a value a file cannot hold (a
                layer, a module, ...): only numbers, strings, None and lists / dicts of them.
        """
        config = super().get_config()
        config["function"] = self._serialize_function(self.function, "function")
        if self._output_shape is not None:
            config["output_shape"] = (
                self._serialize_function(self._output_shape, "output_shape")
                if callable(self._output_shape) else _shape_to_json(self._output_shape))
        if self.mask is not None:
            config["mask"] = (self._serialize_function(self.mask, "mask") if callable(self.mask)
                              else _tensor_to_json(self.mask))
        config["arguments"] = {key: self._serialize_argument(key, value)
                               for key, value in self.arguments.items()}
        return config

    def _serialize_argument(self, key, value):
        from kerasette import ops
        if inspect.isfunction(value):
            return self._serialize_function(value, f"arguments[{key!r}]")
        if isinstance(value, np.ndarray):  # Keras 3's form, so that it loads as an array
            return {"class_name": "__numpy__",
                    "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
        if ops.is_tensor(value):
            return _tensor_to_json(value)
        return serialization_lib.serialize_keras_object(value)

    def _serialize_function(self, function, role):
        if isinstance(function, types.FunctionType) and (
                function.__name__ == "<lambda>"
                or ("<locals>" in function.__qualname__ and get_registered_name(function) is None)):
            return self._serialize_code(function, role)
        if inspect.isfunction(function) or inspect.isbuiltin(function):
            return _function_by_name(function)
        if hasattr(function, "get_config"):
            return serialization_lib.serialize_keras_object(function)
        raise TypeError(f'Lambda "{self.name}": cannot save its {role} {function!r}: it is '
                        "neither a Python function nor an object with get_config().")

    def _serialize_code(self, function, role):
        missing = python_utils.missing_globals(function)
        if missing:
            warnings.warn(
                f'Lambda "{self.name}": its {role} uses the global name(s) {missing}, which it '
                "will not find once loaded from a file: a loaded Lambda function sees only "
                "kerasette (also as keras), ops, layers, activations, np and Python's builtins. "
                "Import what it needs inside the function, or pass it in `arguments`.",
                stacklevel=3)
        code, defaults, closure = python_utils.func_dump(function)
        if defaults is not None:
            defaults = [self._plain(value, f"{role}'s default value #{index}")
                        for index, value in enumerate(defaults)]
        if closure is not None:
            closure = [self._plain(value, f"{role}'s captured variable {name!r}")
                       for name, value in zip(function.__code__.co_freevars, closure)]
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}

    def _plain(self, value, what):
        """``value`` as JSON data (tuples as lists, numpy values as Python ones)."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, (list, tuple)):
            return [self._plain(item, what) for item in value]
        if isinstance(value, dict) and all(isinstance(key, str) for key in value):
            return {key: self._plain(item, what) for key, item in value.items()}
        raise TypeError(
            f'Lambda "{self.name}": cannot save its {what}, a {type(value).__name__} '
            f"({_short(value)}): a saved function may only capture or default to numbers, "
            "strings, None, numpy arrays and lists or dicts of them. Pass the value in "
            "`arguments`, or write a Layer subclass."
        )

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Recreates the layer from :meth:`get_config`'s output (kerasette's or Keras 3's).

        Args:
            config: the config.
            custom_objects: ``{name: function}`` for functions saved by name.
            safe_mode: refuse functions saved as bytecode; None takes the setting of the
                load in progress (safe outside one).

        Raises:
            ValueError: in safe mode, the config holds bytecode (checked before anything is
                unmarshalled); or a function saved by name is unknown.
        """
        config = dict(config)
        name = config.get("name")
        if safe_mode is None:
            safe_mode = serialization_lib.in_safe_mode()
        holders = [key for key in _FUNCTION_KEYS if _holds_code(config.get(key))]
        arguments = config.get("arguments")
        if isinstance(arguments, dict):
            holders += [f"arguments[{key!r}]" for key, value in arguments.items()
                        if _holds_code(value)]
        if holders and safe_mode:
            serialization_lib.refuse_python_code(
                f'Lambda layer "{name}" (its {", ".join(holders)})')
        if "function" not in config:
            raise ValueError(f'Lambda "{name}": the config has no "function".')
        config["function"] = _deserialize_function(config["function"], custom_objects, name)
        output_shape = config.get("output_shape")
        if isinstance(output_shape, dict):
            config["output_shape"] = _deserialize_function(output_shape, custom_objects, name)
        elif isinstance(output_shape, list) and all(
                isinstance(dim, (int, type(None))) for dim in output_shape):
            config["output_shape"] = tuple(output_shape)
        mask = config.get("mask")
        if isinstance(mask, (dict, str)):
            config["mask"] = (_tensor_from_json(mask) if _is_tensor_config(mask)
                              else _deserialize_function(mask, custom_objects, name))
        if isinstance(arguments, dict):
            config["arguments"] = {key: _deserialize_argument(value, custom_objects, name)
                                   for key, value in arguments.items()}
        return cls(**config)


# -------------------------------------------------------------------------- helpers
def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def _batch_size(input_shape):
    """The batch size of the (first) input, whether ``input_shape`` is one shape or a
    list / dict of them."""
    while isinstance(input_shape, dict) or (
            isinstance(input_shape, (list, tuple)) and input_shape
            and isinstance(input_shape[0], (list, tuple, dict))):
        input_shape = (next(iter(input_shape.values())) if isinstance(input_shape, dict)
                       else input_shape[0])
    return input_shape[0] if input_shape else None


def _holds_code(config):
    return isinstance(config, dict) and config.get("class_name") == "__lambda__"


def _function_by_name(function):
    """Keras 3's config for a function saved by name: a registered function under its
    registered name (module ``builtins``, as Keras writes it), a kerasette public function
    under its Keras module (``keras.ops``, ...), any other under its own module, so that
    loading finds it only in ``custom_objects`` (never a kerasette function of that name)."""
    registered = get_registered_name(function)
    if registered is not None:
        return {"module": "builtins", "class_name": "function", "config": registered,
                "registered_name": "function"}
    name = function.__name__
    module = getattr(function, "__module__", None) or "builtins"
    if name not in _NOT_LAYER_FUNCTIONS:
        for family in _FUNCTION_FAMILIES:
            if getattr(importlib.import_module(f"kerasette.{family}"), name, None) is function:
                module = f"keras.{family}"
                break
    return {"module": module, "class_name": "function", "config": name,
            "registered_name": "function"}


def _deserialize_function(config, custom_objects, layer_name):
    """The function a Lambda's config names: rebuilt from bytecode (the caller has checked
    safe mode), or found by name among registered, custom and kerasette's functions."""
    if _holds_code(config):
        inner = config.get("config")
        if not isinstance(inner, dict):
            raise ValueError(f'Lambda "{layer_name}": a __lambda__ config must be a dict, got '
                             f"{_short(inner)}.")
        try:
            if "value" in inner:  # the generic form Keras 3 writes for a lambda
                return python_utils.func_load(inner["value"])
            return python_utils.func_load(inner.get("code"), defaults=inner.get("defaults"),
                                          closure=inner.get("closure"))
        except ValueError as error:
            raise ValueError(f'Lambda "{layer_name}": {error}') from None
    if isinstance(config, str):
        name, module = config, None
    elif isinstance(config, dict) and config.get("class_name") == "function":
        name, module = config.get("config"), config.get("module")
    elif isinstance(config, dict) and "class_name" in config:  # a callable Keras object
        return serialization_lib.deserialize_keras_object(config, custom_objects)
    else:
        raise ValueError(f'Lambda "{layer_name}": expected a saved function, got '
                         f"{_short(config)}.")
    if not isinstance(name, str):
        raise ValueError(f'Lambda "{layer_name}": a function\'s name must be a string, got '
                         f"{_short(name)}.")
    function = get_registered_object(name, custom_objects)
    if function is None and custom_objects and ">" not in name:
        # Keras <= 3.6 saved registered functions by their bare name
        function = next((value for key, value in custom_objects.items()
                         if key.endswith(">" + name)), None)
    if function is None:
        function = _builtin_function(name, module)
    if function is None:
        raise ValueError(
            f'Lambda "{layer_name}": unknown function {name!r} (module {module!r}). It is not '
            "a kerasette function: register it with "
            "@kerasette.saving.register_keras_serializable() or pass it in "
            f"custom_objects={{'{name}': {name}}}."
        )
    return function


def _builtin_function(name, module):
    """kerasette's public function ``name`` from the family ``module`` names (for Keras's
    ``"builtins"`` or no module: activations, losses, metrics, then ops), or None."""
    if name.startswith("_") or name in _NOT_LAYER_FUNCTIONS:
        return None
    families = _FUNCTION_FAMILIES
    if isinstance(module, str) and module not in ("builtins", ""):
        parts = module.split(".")
        families = [family for family in _FUNCTION_FAMILIES if family in parts[1:3]]
        if parts[0] not in ("keras", "kerasette"):
            return None
    for family in sorted(families, key=("activations", "losses", "metrics", "ops").index):
        found = getattr(importlib.import_module(f"kerasette.{family}"), name, None)
        if callable(found) and not inspect.isclass(found):
            return found
    return None


def _deserialize_argument(value, custom_objects, layer_name):
    if _is_tensor_config(value):
        return _tensor_from_json(value)
    if isinstance(value, dict) and value.get("class_name") in ("__lambda__", "function"):
        return _deserialize_function(value, custom_objects, layer_name)
    if isinstance(value, dict) and "class_name" in value:
        return serialization_lib.deserialize_keras_object(value, custom_objects)
    return value


def _shape_to_json(shape):
    if isinstance(shape, (list, tuple)):
        return [_shape_to_json(dim) for dim in shape]
    return None if shape is None else int(shape)


def _tensor_to_json(value):
    """A tensor as Keras 3's ``__tensor__`` config."""
    from kerasette import ops
    array = np.asarray(ops.convert_to_numpy(value))
    return {"class_name": "__tensor__",
            "config": {"value": array.tolist(), "dtype": str(array.dtype)}}


def _is_tensor_config(config):
    return isinstance(config, dict) and config.get("class_name") in ("__tensor__", "__numpy__")


def _tensor_from_json(config):
    inner = config.get("config")
    if not isinstance(inner, dict) or "value" not in inner:
        raise ValueError(f"A {config.get('class_name')} config needs a value, got "
                         f"{_short(inner)}.")
    dtype = np.dtype(inner.get("dtype") or "float32")
    if dtype.kind not in "biuf":
        raise ValueError(f"A {config['class_name']} config must hold numbers or booleans, got "
                         f"dtype {dtype}.")
    array = np.asarray(inner["value"], dtype=dtype)
    if config["class_name"] == "__numpy__":
        return array
    from kerasette import ops
    return ops.convert_to_tensor(array)


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
