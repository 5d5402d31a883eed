"""Ops on symbolic tensors: calls of ``kerasette.ops`` recorded as nodes of a functional graph.

In Keras 3 every op is an ``Operation``: ``keras.ops.sum(x, axis=1)`` or ``x[:, 0]`` on a
KerasTensor adds a node to the graph, saved in the model's config as, e.g.,
``{"module": "keras.src.ops.numpy", "class_name": "Sum", "config": {"name": "sum",
"axis": 1, "keepdims": false}, "inbound_nodes": [{"args": [<tensor>], "kwargs": {}}]}``.
Here each op gets an :class:`OpLayer` subclass named as Keras names the op (``Sum``,
``GetItem``, ``NotEqual``): its config holds the op's non-tensor arguments, its node the
tensors, and running it calls the op again with both.

``kerasette.ops`` sits below the layers and cannot import them: the forwarders call the
backend first, and only when the backend fails do they ask the handler installed here
(:func:`symbolic_op`) whether KerasTensors were among the arguments. The eager path pays
nothing for this.

Loading never runs code from a file: a node names a built-in op of ``kerasette.ops`` and its
arguments; any other name is refused.
"""

import inspect

from kerasette import ops
from kerasette.backends import tree
from kerasette.backends.interface import contract_names, contract_signature
from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.layer import Layer
from kerasette.layers.node import Node

#: Keras 3's ops that run one of ours under another name (``x / y`` is its ``true_divide``,
#: and its ``ops.abs`` records ``absolute``)
_RUNS_AS = {"true_divide": "divide", "absolute": "abs"}
_RECORDED_AS = {"abs": "absolute"}
#: parameters that hold an op's data (a node's arguments) even when given a plain number, as
#: ``x + 1`` in Keras 3 (``Add`` is called on ``(x, 1)``); the other parameters are the op's
#: options (its config), as Keras 3's op constructors take them
_DATA_PARAMETERS = frozenset({
    "x", "x1", "x2", "y", "a", "b", "xs", "condition", "indices", "values", "inputs",
    "key", "condlist", "choicelist", "target", "output", "updates", "arr", "elements",
    "test_elements", "weights", "query", "value", "mask",
})
#: ops that mean nothing as graph nodes: they take functions (a file cannot hold code), or
#: give Python values (``ops.shape`` of a KerasTensor is its shape, as in Keras 3)
_NOT_RECORDED = frozenset({
    "custom_gradient", "value_and_grad", "grad", "jit", "cond", "switch", "while_loop",
    "fori_loop", "scan", "associative_scan", "map", "vectorized_map", "vectorize",
    "shape", "ndim", "is_tensor", "dtype"})


def _get_item(x, key):
    """``x[key]``; a key saved as a JSON list (Keras 3 writes tuples so) indexes as a tuple."""
    return x[tuple(key) if isinstance(key, list) else key]


def _op_function(op_name):
    return _get_item if op_name == "get_item" else getattr(ops, _RUNS_AS.get(op_name, op_name))


def _op_signature(op_name):
    if op_name == "get_item":
        return inspect.signature(_get_item)
    return contract_signature(_RUNS_AS.get(op_name, op_name))


def _camel(op_name):
    return "".join(part.capitalize() for part in op_name.split("_"))


def _keras_module(op_name):
    """The module of Keras 3 that holds the op's class (``keras.src.ops.numpy``, ...)."""
    if op_name == "get_item":
        return "keras.src.ops.numpy"
    runs = _RUNS_AS.get(op_name, op_name)
    for group in ("nn", "linalg", "image", "numpy"):
        if runs in getattr(ops, group).__all__:
            return f"keras.src.ops.{group}"
    return "keras.src.ops.core"


def _recordable(op_name):
    runs = _RUNS_AS.get(op_name, op_name)
    return op_name == "get_item" or (runs in contract_names() and runs not in _NOT_RECORDED
                                     and callable(getattr(ops, runs, None)))


class OpLayer(Layer):
    """One op of :mod:`kerasette.ops` as a node of a functional graph (Keras 3's ``Operation``).

    Each op has its own subclass (:func:`op_layer_class`), named as Keras 3 names it. Its
    config is the op's non-tensor arguments (``{"name": "sum", "axis": 1}``); called, it runs
    the op on the node's tensors with those arguments. It has no weights and, as Keras 3's
    ops, passes no mask on.

    Args:
        name: the node's name (default: the op's name, made unique).
        **options: the op's non-tensor arguments, by parameter name.
    """

    #: the name of the op in kerasette.ops (``"sum"``), or ``"get_item"`` for ``x[key]``
    op_name = None

    def __init__(self, name=None, **options):
        super().__init__(name=name)
        signature = _op_signature(self.op_name)
        unknown = [key for key in options if key not in signature.parameters]
        if unknown and not any(p.kind is inspect.Parameter.VAR_KEYWORD
                               for p in signature.parameters.values()):
            raise ValueError(
                f'Op "{self.name}" ({type(self).__name__}): unknown arguments {unknown} for '
                f"ops.{self.op_name}{signature}.")
        self.options = dict(options)
        self.built = True

    def call(self, *args, **kwargs):
        return _op_function(self.op_name)(*args, **kwargs, **self.options)

    def __call__(self, *args, **kwargs):
        if not any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))[0]):
            return self.call(*args, **kwargs)  # no masks, no casts: the op as called eagerly
        try:
            outputs = self.compute_output_spec(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - any failure of the op is reported so
            shapes = tree.map_structure(
                lambda x: x.shape if isinstance(x, KerasTensor) else x,
                list(args) + ([kwargs] if kwargs else []))
            raise ValueError(
                f'Op "{self.name}" (ops.{self.op_name}) cannot run on symbolic inputs of shapes '
                f"{shapes} with arguments {self.options}: {type(error).__name__}: {error}"
            ) from None
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """The op's output as KerasTensors: the op run on small zeros (unknown sizes 2, then
        3; sizes that change are unknown), as a layer without ``compute_output_shape``. This
        works for every op of every backend with no shape rule to keep in step with the op
        (the numpy engine has no abstract evaluation such as JAX's ``eval_shape``), and gives
        the dtype the backend really produces."""
        return self._spec_by_running(lambda a, k: self.call(*a, **k), args, kwargs)

    def get_config(self):
        """Keras 3's op config: the name and the op's non-tensor arguments."""
        return {"name": self.name, **self.options}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def keras_identity(self):
        """``{"module", "class_name", "registered_name"}`` as Keras 3 writes this op's node."""
        class_name = type(self).__name__
        return {"module": _keras_module(self.op_name), "class_name": class_name,
                "registered_name": class_name}


_classes = {}


def op_layer_class(op_name):
    """The :class:`OpLayer` subclass of op ``op_name`` (created once, named as in Keras 3)."""
    cls = _classes.get(op_name)
    if cls is None:
        cls = _classes[op_name] = type(_camel(op_name), (OpLayer,), {
            "op_name": op_name, "__module__": __name__,
            "__doc__": f"The op ``ops.{op_name}`` as a node of a functional graph."})
    return cls


def op_of_keras_class(class_name):
    """The op of ``kerasette.ops`` that Keras 3's op class ``class_name`` runs, or None."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in class_name).lstrip("_")
    return snake if _recordable(snake) else None


def op_layer_from_config(config):
    """The op node of a saved functional config entry (Keras 3's or ours), e.g.
    ``{"module": "keras.src.ops.numpy", "class_name": "NotEqual", "config": {...}}``.

    Only built-in ops are created: an unknown name raises ValueError."""
    class_name = config.get("class_name")
    op_name = op_of_keras_class(class_name) if isinstance(class_name, str) else None
    if op_name is None:
        raise ValueError(
            f"Unknown op {class_name!r} (module {config.get('module')!r}) in a functional "
            "model's config: only the ops of kerasette.ops can be loaded.")
    inner = config.get("config") or {}
    if not isinstance(inner, dict):
        raise ValueError(f"The config of op {class_name!r} must be a dict, got {inner!r}.")
    return op_layer_class(op_name).from_config(inner)


def is_op_config(config):
    """Whether a layer entry of a functional config is an op node (Keras 3's ops modules)."""
    module = config.get("module") if isinstance(config, dict) else None
    return isinstance(module, str) and (module.startswith("keras.src.ops")
                                        or module == __name__)


def symbolic_op(op_name, args, kwargs):
    """The symbolic result of ``ops.<op_name>(*args, **kwargs)`` when KerasTensors are among
    the arguments (the op is recorded as a node), else ``ops._NOT_SYMBOLIC``."""
    if not any(isinstance(x, KerasTensor) for x in tree.flatten((args, kwargs))[0]):
        return ops._NOT_SYMBOLIC
    op_name = _RECORDED_AS.get(op_name, op_name)
    if not _recordable(op_name):
        raise TypeError(f"ops.{op_name} cannot take symbolic tensors (KerasTensors): it has no "
                        "meaning inside a functional model; call it on data.")
    signature = _op_signature(op_name)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"ops.{op_name}{signature}: {error}") from None
    bound.apply_defaults()  # Keras 3's op configs hold every option, defaults included
    call_args, call_kwargs, options = [], {}, {}
    for name, value in bound.arguments.items():
        parameter = signature.parameters[name]
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            call_args.extend(value)
        elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
            call_kwargs.update(value)
        elif _holds_keras_tensor(value) or (name in _DATA_PARAMETERS
                                            and parameter.default is inspect.Parameter.empty):
            # positional while nothing has gone into the options before it, as Keras 3 calls
            if options or call_kwargs or parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                call_kwargs[name] = value
            else:
                call_args.append(value)
        else:
            options[name] = value
    return op_layer_class(op_name)(**options)(*call_args, **call_kwargs)


def _holds_keras_tensor(value):
    return any(isinstance(x, KerasTensor) for x in tree.flatten(value)[0])


def operator_op(op_name, *args):
    """The node of Python operator of a KerasTensor: ``x / y`` is ``operator_op("true_divide",
    x, y)``, ``x[key]`` is ``operator_op("get_item", x, key)`` (key: ints, slices, None,
    Ellipsis, tensors, or a tuple of them), as Keras 3 maps its operators."""
    return symbolic_op(op_name, args, {})


ops._set_symbolic_handler(symbolic_op)
