"""The public op namespace (mirrors ``keras.ops``): every op forwards to the active backend.

Each name of the contract (:mod:`kerasette.backends.interface`) is a function
here with the contract's signature and documentation; calling it runs the
active backend's op. Example::

    from kerasette import ops
    x = ops.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])
    y = ops.softmax(x @ ops.transpose(x))
"""

import functools as _functools

from kerasette.backends import active as _active
from kerasette.backends.interface import KERNELS as _KERNELS
from kerasette.backends.interface import Backend as _Backend
from kerasette.backends.interface import contract_names as _contract_names
from kerasette.backends.interface import contract_signature as _contract_signature


#: what the symbolic handler returns when no KerasTensor is among an op's arguments
_NOT_SYMBOLIC = object()
_symbolic_handler = None


def _set_symbolic_handler(handler):
    """Installs ``handler(name, args, kwargs)``, which gives the symbolic result of an op called
    on KerasTensors (a node of a functional graph) or ``_NOT_SYMBOLIC``. The layers, above
    this package, install it (:mod:`kerasette.layers.core.op_layer`)."""
    global _symbolic_handler
    _symbolic_handler = handler


def _symbolic_result(name, args, kwargs):
    handler = _symbolic_handler
    return _NOT_SYMBOLIC if handler is None else handler(name, args, kwargs)


def _forwarder(name):
    # the attribute name is compiled into the function (no getattr by string per call):
    # this is on the path of every op a model runs. A KerasTensor has no value, so every
    # backend op fails on one: only then are the arguments searched for KerasTensors (an
    # exception handler costs nothing while no exception is raised)
    namespace = {"_active": _active, "_symbolic_result": _symbolic_result,
                 "_NOT_SYMBOLIC": _NOT_SYMBOLIC}
    exec(f"def {name}(*args, **kwargs):\n"
         f"    try:\n"
         f"        return _active.current.{name}(*args, **kwargs)\n"
         f"    except Exception:\n"
         f"        result = _symbolic_result({name!r}, args, kwargs)\n"
         f"        if result is _NOT_SYMBOLIC:\n"
         f"            raise\n"
         f"        return result\n",
         namespace)
    op = namespace[name]
    op.__qualname__ = name
    op.__module__ = __name__
    op.__doc__ = getattr(_Backend, name).__doc__
    op.__signature__ = _contract_signature(name)
    return op


def _custom_gradient_forwarder():
    # a decorator, applied once (often at import) to a function that may then run under
    # any backend (kerasette.backend.use, kerasette.testing.check_gradients): the backend's
    # custom_gradient is chosen at each call, the one active then, and kept per backend
    def custom_gradient(f):
        decorated = {}

        @_functools.wraps(f)
        def wrapped(*args, **kwargs):
            backend = _active.current
            function = decorated.get(backend)
            if function is None:
                function = decorated[backend] = backend.custom_gradient(f)
            return function(*args, **kwargs)
        return wrapped

    custom_gradient.__qualname__ = "custom_gradient"
    custom_gradient.__module__ = __name__
    custom_gradient.__doc__ = _Backend.custom_gradient.__doc__
    custom_gradient.__signature__ = _contract_signature("custom_gradient")
    return custom_gradient


__all__ = []
for _name in _contract_names():
    if _name in ("GradientTape", "Variable") or _name in _KERNELS:
        continue  # top-level names (kerasette.GradientTape, kerasette.Variable) and kernels
    if _name == "custom_gradient":
        globals()[_name] = _custom_gradient_forwarder()
    else:
        globals()[_name] = _forwarder(_name)
    __all__.append(_name)
del _name


def _grouped(names, namespace):
    """Puts into ``namespace`` (a submodule's globals) the ops of this module among ``names``;
    returns the names it put (the submodule's ``__all__``)."""
    present = [name for name in names if name in globals()]
    namespace.update({name: globals()[name] for name in present})
    return present


# the grouped namespaces of keras.ops (ops.nn.relu is ops.relu)
from kerasette.ops import image, linalg, nn, numpy  # noqa: E402,F401
