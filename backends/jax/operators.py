"""Python operators of jax arrays, recorded while a GradientTape records.

A native tensor of this backend is a raw ``jax.Array``, whose operators
(``x * y``, ``x ** 3``, ``x[0]``) are JAX's own and know nothing of tapes. So
that ``y = x * x`` inside a tape is differentiable, as with TensorFlow and the
numpy engine, the arithmetic operators and ``[]`` of jax arrays (concrete
arrays and tracers, so tapes inside ``jax.jit`` work too) are routed to this
backend's ops, but only:

- while some tape records: :func:`update` installs the routing when the first
  tape starts recording (in any thread: the classes are shared) and removes it
  when the last one stops, so outside tapes jax arrays are untouched and cost
  nothing more;
- when an operand is a floating tensor that a tape recording in this thread
  tracks. Every
  other use, such as JAX's own code working on untracked arrays, goes straight
  to JAX's operator (one identity lookup per tape on the way).

JAX functions called directly (``jnp.sin(x)``) are not recorded: use ``ops``.
"""

import threading

import jax.core

from . import recording
from .convert import ARRAY_CLASS
from .dtypes import INEXACT
from .ops import elementwise, indexing, linalg

# operator -> (op, reflected)
_ROUTES = {
    "__add__": (elementwise.add, False), "__radd__": (elementwise.add, True),
    "__sub__": (elementwise.subtract, False), "__rsub__": (elementwise.subtract, True),
    "__mul__": (elementwise.multiply, False), "__rmul__": (elementwise.multiply, True),
    "__truediv__": (elementwise.divide, False), "__rtruediv__": (elementwise.divide, True),
    "__mod__": (elementwise.mod, False), "__rmod__": (elementwise.mod, True),
    "__pow__": (elementwise.power, False), "__rpow__": (elementwise.power, True),
    "__matmul__": (linalg.matmul, False), "__rmatmul__": (linalg.matmul, True),
    "__neg__": (elementwise.negative, False), "__abs__": (elementwise.abs, False),
    "__getitem__": (indexing.get_item, False),
}
_ARRAY_CLASSES = (ARRAY_CLASS, jax.core.Tracer)

_originals = {}  # (class, operator) -> JAX's method
_lock = threading.Lock()  # two threads starting their first tapes install the routing once


def update():
    """Installs the routing when a tape records (in any thread) and none did; removes it when
    none records."""
    with _lock:
        _update()


def _update():
    if recording.tapes.anywhere and not _originals:
        for cls in _ARRAY_CLASSES:
            for name, (op, reflected) in _ROUTES.items():
                original = cls.__dict__[name]
                _originals[cls, name] = original
                setattr(cls, name, _routed(op, reflected, original))
    elif not recording.tapes.anywhere and _originals:
        for (cls, name), original in _originals.items():
            setattr(cls, name, original)
        _originals.clear()


def _routed(op, reflected, original):
    def operator(self, *other):
        if _tracked(self) or (other and _tracked(other[0])):
            return op(other[0], self) if reflected else op(self, *other)
        return original(self, *other)
    operator.__name__ = getattr(original, "__name__", "operator")
    operator.__doc__ = original.__doc__
    return operator


def _tracked(value):
    """True for a floating tensor that a tape recording in this thread tracks: only those are
    recorded (an integer one would come back here from its own op's body, which uses the
    operator)."""
    key = id(value)
    return (any(key in tape._watched for tape in recording.tapes)
            and getattr(value, "dtype", None) in INEXACT)
