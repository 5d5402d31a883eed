"""Turning op arguments into jax arrays.

An op argument may be a jax array (also a tracer, under ``jax.jit`` or
``jax.grad``), a jax Variable, a numpy array, a Python scalar or a nested
list. Numpy arrays keep their dtype; Python floats and lists of floats become
``floatx()``, Python ints int32. A Python scalar given as an operand stays a
Python scalar until the op knows its partners' dtypes (:func:`promote`).
A tensor or Variable of another backend raises ``ValueError``.
"""

import jax
import jax.numpy as jnp
import numpy as np

from .. import config
from ..autodiff.tensor import Tensor as EngineTensor
from ..variable import Variable, autocast_value
from . import recording
from .dtypes import (INEXACT, PYTHON_SCALARS, X64_FLOATS, python_scalar_dtype, require_x64,
                     weak_scalar_dtype)

try:
    # the concrete class of jax arrays, for the fast path of as_input; taken from its module,
    # not from an array made at import, which would start JAX's devices before
    # jax.distributed.initialize may run (kerasette.distribution.initialize)
    from jax._src.array import ArrayImpl as _ArrayImpl
except ImportError:  # a JAX that moved it (then multi-host needs JAX started first)
    _ArrayImpl = type(jnp.zeros(()))

#: the class of concrete jax arrays
ARRAY_CLASS = _ArrayImpl


def as_input(x):
    """An op's tensor argument as a jax array; Python scalars and None are returned as
    they are (a scalar's dtype depends on the op's other operands)."""
    if type(x) is _ArrayImpl or x is None or type(x) in PYTHON_SCALARS:
        return x
    if isinstance(x, jax.Array):
        return x
    if isinstance(x, Variable):
        return read_variable(x)
    return to_array(x)


def read_variable(variable):
    """The value of a jax Variable, noted by the recording tapes (which watch trainable
    Variables read while they record)."""
    if variable._backend.name != "jax":
        raise ValueError(
            f"Cannot mix backends: Variable {variable.name!r} belongs to the "
            f"{variable.backend} backend, used in a jax op."
        )
    value = variable.value
    if not isinstance(value, jax.Array):
        value = to_array(value)
    if recording.tapes:
        recording.notify_variable_read(variable, value)
    return autocast_value(variable, value)  # after the read is noted: the cast records


def to_array(x, dtype=None):
    """A jax array from anything array-like that is not a jax array or Variable."""
    if isinstance(x, EngineTensor):
        raise ValueError(
            f"Cannot mix backends: got a {x.engine.name} tensor in a jax op. "
            "Convert it with ops.convert_to_numpy first."
        )
    if isinstance(x, (np.ndarray, np.generic)):
        if dtype is None or x.dtype == dtype:
            if x.dtype in X64_FLOATS:
                require_x64()  # float64 data handed to an op: float64 work (see dtypes.py)
            # jnp.asarray compiles a conversion for every new shape (~0.1 s each: most of
            # building a model's weights); device_put does not. It may share a small
            # array's memory on CPU, hence the copy: the caller may change x later.
            return jax.device_put(np.array(x))
        return jnp.asarray(x, dtype=dtype)
    if dtype is not None:
        return jnp.asarray(x, dtype=dtype)
    if type(x) in PYTHON_SCALARS:
        return jnp.asarray(x, dtype=python_scalar_dtype(x))
    if isinstance(x, (list, tuple)):
        try:
            array = np.asarray(x)
        except Exception:  # holds traced values: let jax assemble it
            array = jnp.asarray(x)
        if _holds_python_scalars(x):
            if array.dtype.kind == "f":
                return jnp.asarray(array, dtype=config.floatx())
            if array.dtype.kind in "iu":
                return jnp.asarray(array, dtype="int32")
        return jnp.asarray(array)
    # other array-likes (e.g. a torch CPU tensor): through numpy, keeping their dtype
    return to_array(np.asarray(x))


def _holds_python_scalars(sequence):
    """True when the first leaf of a nested list is a Python scalar (or it is empty)."""
    while isinstance(sequence, (list, tuple)):
        if not sequence:
            return True
        sequence = sequence[0]
    return type(sequence) in PYTHON_SCALARS


def tensor(x):
    """An argument already passed through :func:`as_input` as a jax array (a Python scalar
    gets its default dtype)."""
    if not isinstance(x, jax.Array):
        x = as_input(x)
        if not isinstance(x, jax.Array):
            x = to_array(x)
    return x


def floating(x):
    """:func:`tensor`, cast to ``floatx()`` unless it already has a floating dtype."""
    x = tensor(x)
    if x.dtype in INEXACT:
        return x
    return x.astype(config.floatx())


def promote(*xs):
    """Operands as jax arrays, each Python scalar taking the dtype its partners give it
    (:func:`~kerasette.backends.jax.dtypes.weak_scalar_dtype`)."""
    partner, mixed, scalars = None, False, False
    for x in xs:
        if isinstance(x, jax.Array):
            if partner is None:
                partner = x.dtype
            elif x.dtype != partner:
                mixed = True
        else:
            scalars = True
    if not scalars:
        return xs
    if mixed:
        partner = jnp.result_type(*[x.dtype for x in xs if isinstance(x, jax.Array)])
    return tuple(x if isinstance(x, jax.Array) else _scalar_operand(x, partner) for x in xs)


def _scalar_operand(value, partner):
    if type(value) not in PYTHON_SCALARS:
        return tensor(value)
    if partner is not None and (partner in INEXACT or
                                (type(value) is not float and partner != np.bool_)):
        return value  # JAX's own weak typing gives it the partner's dtype: no conversion
    return np.asarray(value, dtype=weak_scalar_dtype(value, partner))


def axis_argument(axis):
    """``axis`` as jax expects it: None, an int or a tuple (lists become tuples)."""
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def shape_argument(shape):
    """A shape (an int or a sequence of ints) as a tuple of ints."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(n) for n in shape)
