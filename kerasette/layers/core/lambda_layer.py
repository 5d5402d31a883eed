"""Lambda: wraps a Python function as a layer, saved as Keras 3 saves it."""

import functools
import importlib
import inspect
import types
import warnings

import numpy as np

from kerasette.layers.layer import Layer
from kerasette.serialization import serialization_lib
from kerasette.serialization.object_registration import get_registered_name, get_registered_object
from kerasette.utils import function_code

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
# kerasette's functions that work elementwise: given plain arguments (numbers, strings, None),
# their output has their input's shape, so a Lambda knows its output shape without running
# them and no argument can make them allocate more than their input's size. In safe mode
# these are the only kerasette functions a file may name (ops.repeat, ops.tile, ops.full, ...
# allocate what an argument from the file asks for).
_ELEMENTWISE_FUNCTIONS = {
    "activations": (
        "celu", "elu", "exponential", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu",
        "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
        "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
        "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
        "tanh_shrink", "threshold"),
    "ops": (
        # one tensor
        "negative", "square", "sqrt", "exp", "log", "log1p", "expm1", "abs", "sign", "sin",
        "cos", "tanh", "erf", "floor", "ceil", "round", "isnan", "isinf", "isfinite",
        "logical_not", "stop_gradient", "cast", "zeros_like", "ones_like", "full_like", "clip",
        "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid",
        "softplus", "softsign", "silu", "softmax", "log_softmax",
        # the tensor and a number (x2)
        "add", "subtract", "multiply", "divide", "floor_divide", "mod", "power", "maximum",
        "minimum", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
        "logical_and", "logical_or", "logical_xor"),
}


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (no weights).

    A Lambda is saved the way Keras 3 saves it: a lambda or a local function as its
    Python bytecode (with its default values and the values it captured), a registered
    or module-level function by name. Loading bytecode runs code from the file, so a
    model whose Lambda holds bytecode loads only with ``safe_mode=False`` (or after
    ``kerasette.config.enable_unsafe_deserialization()``), and only in the Python version
    that saved it; a function saved by name loads in safe mode when it is registered with
    ``register_keras_serializable``, passed in ``custom_objects``, or one of kerasette's
    elementwise functions (an activation, ``ops.abs``, ``ops.add``, ...) given only plain
    numbers or strings in ``arguments`` (others, such as ``ops.repeat``, allocate what an
    argument in the file asks for).
    A loaded function sees as globals only Python's builtins, ``kerasette`` (also as
    ``keras``), ``ops``, ``layers``, ``activations`` and ``np``. Prefer a small Layer
    subclass for anything you will share.

    Args:
        function: the function, written with ``kerasette.ops``. It may take ``training``
            and ``mask`` keyword arguments.
        output_shape: the output shape (without batch) or a function of the input shape
            giving the whole output shape. When omitted: the input's shape for kerasette's
            elementwise functions, else inferred by running the function on zeros.
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
        from kerasette.layers.keras_tensor import KerasTensor
        if self._output_shape is None:
            if self._is_elementwise() and isinstance(args[0], KerasTensor):
                return self._elementwise_output_spec(args[0])
            return self._output_spec_by_running(args, kwargs)
        from kerasette.backends import tree
        input_shape = tree.map_structure(lambda tensor: tuple(tensor.shape), args[0])
        return KerasTensor(self.compute_output_shape(input_shape), dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        """``output_shape`` (a shape without the batch size, or a function of the input
        shape); when it was not given, the input's shape for kerasette's elementwise
        functions (``relu``, ``ops.add`` with a number, ...), else found by running the
        function on zeros."""
        if self._output_shape is None:
            from kerasette.backends import tree
            from kerasette.layers.layer import _is_shape, _keras_tensors_from_shapes
            if self._is_elementwise() and _is_shape(input_shape):
                return tuple(input_shape)
            spec = self._output_spec_by_running(
                (_keras_tensors_from_shapes(input_shape, self.compute_dtype),), {})
            return tree.map_structure(lambda tensor: tensor.shape, spec)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (_batch_size(input_shape),) + tuple(self._output_shape)

    def _is_elementwise(self):
        """Whether the function is one of kerasette's elementwise functions and every
        argument a plain value: then the output has the input's shape."""
        return (_is_elementwise_function(self.function)
                and not _non_plain_arguments(self.arguments))

    def _elementwise_output_spec(self, inputs):
        """The output of an elementwise function for the KerasTensor ``inputs``: the input's
        shape (never learned by running the function, which a file may have chosen), and
        the dtype the function gives one element (``greater`` gives bool, ``sqrt`` of
        int32 float32); ones keep ``log`` and friends finite."""
        from kerasette import ops
        from kerasette.layers.keras_tensor import KerasTensor
        one = self.call(ops.ones((1,) * len(inputs.shape), dtype=inputs.dtype))
        return KerasTensor(tuple(inputs.shape), dtype=ops.dtype(one))

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
        missing = function_code.missing_globals(function)
        if missing:
            warnings.warn(
                f'Lambda "{self.name}": its {role} uses the global name(s) {missing}, which it '
                "will not find once loaded from a file: a loaded Lambda function sees only "
                "kerasette (also as keras), ops, layers, activations, np and Python's builtins. "
                "Import what it needs inside the function, or pass it in `arguments`.",
                stacklevel=3)
        code, defaults, closure = function_code.func_dump(function)
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

        In safe mode a function saved by name may be a registered one, one in
        ``custom_objects`` (the user vouches for those), or one of kerasette's elementwise
        functions (activations, ``ops.add``, ``ops.abs``, ...) with plain arguments: a file
        naming ``ops.repeat`` with ``repeats=2**40`` could otherwise make loading or
        predicting allocate without bound.

        Args:
            config: the config.
            custom_objects: ``{name: function}`` for functions saved by name.
            safe_mode: refuse functions saved as bytecode, and kerasette functions other
                than the elementwise ones; None takes the setting of the load in progress
                (safe outside one).

        Raises:
            ValueError: in safe mode, the config holds bytecode (checked before anything is
                unmarshalled) or names a kerasette function safe mode does not run; or a
                function saved by name is unknown.
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
        function, builtin = _resolve_function(config["function"], custom_objects, name)
        if safe_mode and builtin:
            _check_safe_builtin(function, arguments, name)
        config["function"] = function
        output_shape = config.get("output_shape")
        if isinstance(output_shape, dict):
            config["output_shape"] = _deserialize_function(
                output_shape, custom_objects, name, builtins_allowed=not safe_mode,
                role="output_shape")
        elif isinstance(output_shape, list) and all(
                isinstance(dim, (int, type(None))) for dim in output_shape):
            config["output_shape"] = tuple(output_shape)
        mask = config.get("mask")
        if isinstance(mask, (dict, str)):
            config["mask"] = (_tensor_from_json(mask) if _is_tensor_config(mask)
                              else _deserialize_function(mask, custom_objects, name,
                                                         builtins_allowed=not safe_mode,
                                                         role="mask"))
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


def _deserialize_function(config, custom_objects, layer_name, builtins_allowed=True,
                          role="function"):
    """The function a Lambda's config names: rebuilt from bytecode (the caller has checked
    safe mode), or found by name among registered, custom and kerasette's functions (those
    refused, as the layer's ``role``, unless ``builtins_allowed``)."""
    function, builtin = _resolve_function(config, custom_objects, layer_name)
    if builtin and not builtins_allowed:
        _refuse_builtin(layer_name, role, function, "a file may name kerasette's functions "
                        "only as a Lambda's function, never as its output_shape or mask.")
    return function


def _resolve_function(config, custom_objects, layer_name):
    """``(function, builtin)``: the function a Lambda's config names (see
    :func:`_deserialize_function`) and whether it is one of kerasette's own functions,
    chosen by the file, rather than one the user registered or passed."""
    if _holds_code(config):
        inner = config.get("config")
        if not isinstance(inner, dict):
            raise ValueError(f'Lambda "{layer_name}": a __lambda__ config must be a dict, got '
                             f"{_short(inner)}.")
        try:
            if "value" in inner:  # the generic form Keras 3 writes for a lambda
                return function_code.func_load(inner["value"]), False
            return function_code.func_load(inner.get("code"), defaults=inner.get("defaults"),
                                          closure=inner.get("closure")), False
        except ValueError as error:
            raise ValueError(f'Lambda "{layer_name}": {error}') from None
    if isinstance(config, str):
        name, module = config, None
    elif isinstance(config, dict) and config.get("class_name") == "function":
        name, module = config.get("config"), config.get("module")
    elif isinstance(config, dict) and "class_name" in config:  # a callable Keras object
        return serialization_lib.deserialize_keras_object(config, custom_objects), False
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
    if function is not None:
        return function, False
    function = _builtin_function(name, module)
    if function is None:
        raise ValueError(
            f'Lambda "{layer_name}": unknown function {name!r} (module {module!r}). It is not '
            "a kerasette function: register it with "
            "@kerasette.saving.register_keras_serializable() or pass it in "
            f"custom_objects={{'{name}': {name}}}."
        )
    return function, True


@functools.cache
def _elementwise_functions():
    """The function objects :data:`_ELEMENTWISE_FUNCTIONS` names."""
    return frozenset(getattr(importlib.import_module(f"kerasette.{family}"), name)
                     for family, names in _ELEMENTWISE_FUNCTIONS.items() for name in names)


def _is_elementwise_function(function):
    # only plain functions can be in the set (a callable object may not even be hashable)
    return isinstance(function, types.FunctionType) and function in _elementwise_functions()


def _non_plain_arguments(arguments):
    """The names of the arguments that are not plain values (numbers, strings, None): an
    array, a list or an object may broadcast an elementwise function's output beyond its
    input's shape."""
    plain = (bool, int, float, str, type(None))
    return [key for key, value in arguments.items() if not isinstance(value, plain)]


def _check_safe_builtin(function, arguments, layer_name):
    """Refuses, in safe mode, a kerasette function a file names as a Lambda's function
    unless it is elementwise and its ``arguments`` (as stored) are plain values."""
    arguments = arguments if isinstance(arguments, dict) else {}
    if not _is_elementwise_function(function):
        _refuse_builtin(
            layer_name, "function", function,
            "from a file, safe mode runs only kerasette's elementwise functions (activations, "
            "ops such as abs, add or clip), whose output has their input's shape; others can "
            "allocate as much as an argument in the file asks for.", arguments)
    not_plain = _non_plain_arguments(arguments)
    if not_plain:
        _refuse_builtin(
            layer_name, "function", function,
            f"its argument(s) {', '.join(not_plain)} are not plain numbers or strings (an "
            "array or a list would broadcast the output beyond its input's shape).",
            arguments)


def _refuse_builtin(layer_name, role, function, reason, arguments=None):
    given = ""
    if arguments:
        given = " with " + ", ".join(f"{key}={_short(value)}" for key, value in arguments.items())
    raise ValueError(
        f'Lambda layer "{layer_name}": its {role} is kerasette\'s {function.__name__!r}{given}, '
        f"which safe mode does not load: {reason} Pass safe_mode=False (or call "
        "kerasette.config.enable_unsafe_deserialization()) only if the file comes from a "
        "trusted source, or pass the function in custom_objects."
    )


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
