"""Dtype names and the jax backend's dtype rules.

float64 exists in JAX only while ``jax_enable_x64`` is on, a process-wide flag
that also makes 64-bit types JAX's defaults for every other JAX program in the
process. Importing kerasette leaves it alone (as Keras 3 does); the jax backend
turns it on, once, when float64 work is asked of it (:func:`require_x64`): a
float64 or complex128 dtype given to an op, a Variable or ``set_floatx``, or
float64 data handed to an op. Float32 models (``fit`` casts float64 data to
``floatx()``) never do. 64-bit integers follow JAX: int64 while x64 is on,
int32 otherwise (as in Keras 3 on JAX); they do not turn it on, since numpy's
default integers (labels) would turn it on for every classifier. The one switch,
to have float64 from the start or to rule the question out: JAX's own
(``JAX_ENABLE_X64=1`` or ``jax.config.update("jax_enable_x64", True)``).

The rules here keep the contract's dtypes whatever the flag: Python floats
become ``floatx()``, Python ints int32, and a Python scalar next to a tensor
takes the tensor's dtype where it fits (the weak typing of Keras 3 and of
numpy's NEP 50), so ``float32 * 2.0`` stays float32.
"""

import jax
import jax.numpy as jnp
import numpy as np

from .. import config

#: Floating and complex dtypes: the ones gradients flow through.
INEXACT = frozenset(np.dtype(name) for name in ("float16", "float32", "float64", "complex64",
                                                "complex128")) | {jnp.dtype(jnp.bfloat16)}

#: The dtypes that are float64 work: asking for one turns ``jax_enable_x64`` on.
X64_FLOATS = frozenset((np.dtype("float64"), np.dtype("complex128")))
_X64_FLOAT_NAMES = frozenset(d.name for d in X64_FLOATS)


def require_x64():
    """Turns on JAX's ``jax_enable_x64`` (process-wide) unless it is on: float64 work was
    asked of the jax backend. Without it JAX would silently compute in float32."""
    if not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)


#: Python scalar types that are weakly typed as op arguments.
PYTHON_SCALARS = (bool, int, float)

_names = {}


def standardize_dtype(dtype):
    """``dtype`` (a name, numpy/jax dtype or type, or Python ``float``/``int``/``bool``) as
    a standard name such as "float32"; None stays None."""
    if dtype is None:
        return None
    if dtype is float:
        return config.floatx()  # float64 there has turned x64 on already (set_floatx)
    try:
        name = _names[dtype]
    except (KeyError, TypeError):
        name = _standardize(dtype)
    if name in _X64_FLOAT_NAMES:
        require_x64()
    return name


def _standardize(dtype):
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
