"""Elementwise arithmetic, math, comparisons and logic.

Binary ops take their operands through :func:`promote`, so a Python scalar
takes its partner's dtype (``float32 * 2.0`` is float32). Math functions of
integers compute in ``floatx()``.
"""

import jax
import jax.numpy as jnp
from jax import lax

from ... import config
from ..convert import floating, promote, tensor
from ..dispatch import op
from ..dtypes import INEXACT

__all__ = ["add", "subtract", "multiply", "divide", "floor_divide", "mod", "negative", "copy", "power",
           "square", "sqrt", "exp", "log", "log1p", "expm1", "abs", "sign", "maximum",
           "minimum", "clip", "where", "sin", "cos", "tanh", "erf", "floor", "ceil", "round",
           "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
           "logical_and", "logical_or", "logical_not", "logical_xor", "isnan", "isinf",
           "isfinite"]


def _binary(name, function, differentiable=True):
    """The op ``name(x1, x2)``: ``function`` of the promoted operands."""
    def binary(x1, x2):
        return function(*promote(x1, x2))
    binary.__name__ = binary.__qualname__ = name
    return op("x1", "x2", differentiable=differentiable)(binary)


def _unary(name, function, differentiable=True, integers="keep"):
    """The op ``name(x)``: ``function(x)``; with ``integers="floatx"`` integer and bool
    inputs are cast to ``floatx()`` first."""
    convert = floating if integers == "floatx" else tensor

    def unary(x):
        return function(convert(x))
    unary.__name__ = unary.__qualname__ = name
    return op("x", differentiable=differentiable)(unary)


# ---------------------------------------------------------------------------- arithmetic
add = _binary("add", jnp.add)
subtract = _binary("subtract", jnp.subtract)
multiply = _binary("multiply", jnp.multiply)
floor_divide = _binary("floor_divide", jnp.floor_divide, differentiable=False)
mod = _binary("mod", jnp.mod)
power = _binary("power", jnp.power)
maximum = _binary("maximum", jnp.maximum)
minimum = _binary("minimum", jnp.minimum)
negative = _unary("negative", jnp.negative)
copy = _unary("copy", jnp.copy)
square = _unary("square", jnp.square)
sign = _unary("sign", jnp.sign, differentiable=False)


@op("x1", "x2")
def divide(x1, x2):
    x1, x2 = promote(x1, x2)
    if jnp.result_type(x1, x2) not in INEXACT:  # true division of integers gives floatx
        x1, x2 = x1.astype(config.floatx()), x2.astype(config.floatx())
    return jnp.true_divide(x1, x2)


@op("x")
def abs(x):
    """Absolute value; its gradient is ``sign(x)``, 0 at 0 as the contract says (JAX's own
    ``jnp.abs`` gives 1 there)."""
    x = tensor(x)
    return _abs(x) if x.dtype in INEXACT else jnp.abs(x)


@jax.custom_jvp
def _abs(x):
    return jnp.abs(x)


@_abs.defjvp
def _abs_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return jnp.abs(x), jnp.sign(x) * t


@op("x", "x_min", "x_max")
def clip(x, x_min, x_max):
    x = tensor(x)
    if x.dtype == bool:
        x = x.astype("int32")
    return jnp.clip(*promote(x, x_min, x_max))


@op("x1", "x2")
def where(condition, x1=None, x2=None):
    condition = tensor(condition)
    if x1 is None and x2 is None:
        return tuple(index.astype("int32") for index in jnp.nonzero(condition))
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither (then it returns the indices "
                         "of the non-zero elements of condition).")
    return jnp.where(condition, *promote(x1, x2))


# ---------------------------------------------------------------------------- math
sqrt = _unary("sqrt", jnp.sqrt, integers="floatx")
exp = _unary("exp", jnp.exp, integers="floatx")
log = _unary("log", jnp.log, integers="floatx")
log1p = _unary("log1p", jnp.log1p, integers="floatx")
expm1 = _unary("expm1", jnp.expm1, integers="floatx")
sin = _unary("sin", jnp.sin, integers="floatx")
cos = _unary("cos", jnp.cos, integers="floatx")
tanh = _unary("tanh", jnp.tanh, integers="floatx")
erf = _unary("erf", lax.erf, integers="floatx")
floor = _unary("floor", jnp.floor, differentiable=False, integers="floatx")
ceil = _unary("ceil", jnp.ceil, differentiable=False, integers="floatx")


@op("x", differentiable=False)
def round(x, decimals=0):
    x = tensor(x)
    if x.dtype not in INEXACT and decimals < 0:
        # jnp.round rounds integers only to decimals >= 0: scale in floatx, as Keras does
        factor = 10.0 ** -decimals
        return (jnp.round(x.astype(config.floatx()) / factor) * factor).astype(x.dtype)
    return jnp.round(x, decimals)


# ---------------------------------------------------------------------------- comparisons, logic
equal = _binary("equal", jnp.equal, differentiable=False)
not_equal = _binary("not_equal", jnp.not_equal, differentiable=False)
less = _binary("less", jnp.less, differentiable=False)
less_equal = _binary("less_equal", jnp.less_equal, differentiable=False)
greater = _binary("greater", jnp.greater, differentiable=False)
greater_equal = _binary("greater_equal", jnp.greater_equal, differentiable=False)
logical_and = _binary("logical_and", jnp.logical_and, differentiable=False)
logical_or = _binary("logical_or", jnp.logical_or, differentiable=False)
logical_xor = _binary("logical_xor", jnp.logical_xor, differentiable=False)
logical_not = _unary("logical_not", jnp.logical_not, differentiable=False)
isnan = _unary("isnan", jnp.isnan, differentiable=False)
isinf = _unary("isinf", jnp.isinf, differentiable=False)
isfinite = _unary("isfinite", jnp.isfinite, differentiable=False)
