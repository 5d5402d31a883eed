"""Dtype names and the jax backend's dtype rules.

JAX runs with ``jax_enable_x64`` so that float64 exists, which also makes
64-bit types JAX's defaults. The rules here keep the contract's dtypes
instead: Python floats become ``floatx()``, Python ints int32, and a Python
scalar next to a tensor takes the tensor's dtype where it fits (the weak
typing of Keras 3 and of numpy's NEP 50), so ``float32 * 2.0`` stays float32.
"""

import jax.numpy as jnp
import numpy as np

from .. import config

#: Floating and complex dtypes: the ones gradients flow through.
INEXACT = frozenset(np.dtype(name) for name in ("float16", "float32", "float64", "complex64",
                                                "complex128")) | {jnp.dtype(jnp.bfloat16)}

#: Python scalar types that are weakly typed as op arguments.
PYTHON_SCALARS = (bool, int, float)

_names = {}


def standardize_dtype(dtype):
    """``dtype`` (a name, numpy/jax dtype or type, or Python ``float``/``int``/``bool``) as
    a standard name such as "float32"; None stays None."""
    if dtype is None:
        return None
    if dtype is float:
        return config.floatx()
    try:
        return _names[dtype]
    except (KeyError, TypeError):
        pass
    if dtype is int:
        name = "int32"
    elif dtype is bool:
        name = "bool"
    else:
        try:
            name = jnp.dtype(dtype).name
        except TypeError:
            raise ValueError(f"Unknown dtype {dtype!r}: expected a name such as 'float32', "
                             "'int32' or 'bool'.") from None
    try:
        _names[dtype] = name
    except TypeError:  # an unhashable dtype object: fine, just not cached
        pass
    return name


def is_inexact(dtype):
    """True for floating and complex dtypes."""
    return dtype in INEXACT


def python_scalar_dtype(value):
    """The dtype a Python scalar becomes on its own: bool, int32 or ``floatx()``."""
    if type(value) is bool:
        return "bool"
    if type(value) is int:
        return "int32"
    if type(value) is float:
        return config.floatx()
    return np.asarray(value).dtype.name  # complex


def weak_scalar_dtype(value, partner):
    """The dtype of Python scalar ``value`` used in an op with tensors of dtype ``partner``.

    A float tensor's dtype absorbs any Python scalar; an integer tensor's absorbs ints and
    bools, while a Python float next to it becomes ``floatx()``; a bool tensor makes a
    Python int int32. So ``float16 * 2.0`` is float16 and ``int32 * 2.5`` is floatx,
    never float64 (JAX's x64 default).
    """
    if partner is None:
        return python_scalar_dtype(value)
    if partner in INEXACT:
        return partner
    if type(value) is float:
        return config.floatx()
    if partner == np.bool_:
        return "int32" if type(value) is int else "bool"
    return partner


def accumulation_dtype(dtype):
    """The dtype of a sum or product of ``dtype`` values: bool and narrow integers widen to
    32 bits (int32 / uint32), as in Keras; every other dtype is kept."""
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name in ("bool", "int8", "int16"):
        return "int32"
    if name in ("uint8", "uint16"):
        return "uint32"
    return name
