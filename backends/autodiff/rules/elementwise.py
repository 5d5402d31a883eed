"""Elementwise arithmetic and math: forward and gradient side by side.

Binary ops are declared ``broadcast=True``; the engine unbroadcasts their
gradients. Rules use the engine's ops (``F``) so they differentiate again.
Masks that select where a gradient flows (comparisons, ties) are constants:
rules build them from the raw arrays, which is both cheaper and exact, since
no gradient flows through a comparison.

dtypes follow JAX rather than numpy where numpy would silently widen to
float64: an integer array meeting a Python float or a float array becomes
float (:func:`promote_floats`), integer inputs of float functions (sqrt, log,
sin, ...) become ``floatx()`` (:func:`as_floating`). Python scalars stay
Python scalars otherwise (weak types: ``x * 2.0`` keeps ``x``'s dtype).
"""

import math

from ... import config
from ..registry import defcomposite, defop
from ..tensor import Tensor


# ---------------------------------------------------------------------------- dtype helpers
def is_float_array(x):
    """True for a float (or complex) array, bfloat16 included (numpy kind "V", from
    ml_dtypes); False for ints, bools and Python scalars."""
    dtype = getattr(x, "dtype", None)
    return dtype is not None and dtype.kind in "fcV"


def as_floating(xp, x):
    """``x`` if it is a float array; otherwise (ints, bools, Python scalars) ``x`` as floatx()."""
    return x if is_float_array(x) else xp.asarray(x, dtype=config.floatx())


def promote_floats(xp, x1, x2):
    """The inputs of a binary op, with JAX's promotion where numpy's would give 64 bits: an
    integer or bool array meets a float array (-> that float dtype) or a Python float
    (-> floatx); two Python scalars are read as the contract reads them (floatx, int32).
    Everything else is left to numpy, which agrees with JAX there."""
    # the common cases first, cheaply: two arrays of one dtype; an array and a Python number
    # that numpy's weak typing already treats as JAX does
    t1, t2 = type(x1), type(x2)
    if t1 is t2 and t1 is not float and t1 is not int and t1 is not bool:
        if x1.dtype is x2.dtype:
            return x1, x2
    elif t2 is float or t2 is int:
        if t1 is not float and t1 is not int and t1 is not bool and (
                t2 is int or x1.dtype.kind in "fcV"):
            return x1, x2
    d1 = getattr(x1, "dtype", None)
    d2 = getattr(x2, "dtype", None)
    if d1 is None and d2 is None:
        x1, x2 = scalar_array(xp, x1), scalar_array(xp, x2)
        d1, d2 = x1.dtype, x2.dtype
    if d1 is not None and d2 is not None:
        if d1 != d2:
            if d1.kind in "iub" and d2.kind == "f":
                x1 = x1.astype(d2)
            elif d2.kind in "iub" and d1.kind == "f":
                x2 = x2.astype(d1)
    elif d1 is not None:
        if d1.kind in "iub" and type(x2) is float:
            x1 = x1.astype(config.floatx())
    elif d2 is not None and d2.kind in "iub" and type(x1) is float:
        x2 = x2.astype(config.floatx())
    return x1, x2


def scalar_array(xp, value):
    """A Python scalar as the contract reads it: floats as floatx(), ints as int32."""
    if type(value) is float:
        return xp.asarray(value, dtype=config.floatx())
    return xp.asarray(value, dtype="int32" if type(value) is int else None)


def as_array(xp, x):
    """``x`` as an array: a Python scalar as the contract reads it (:func:`scalar_array`)."""
    return x if hasattr(x, "dtype") else scalar_array(xp, x)


def data(x):
    """The raw array (or Python scalar) behind an op input, for building constant masks."""
    return x.data if isinstance(x, Tensor) else x


def tie_weights(xp, wins, ties, dtype):
    """Gradient share of one input of a max/min: 1 where it wins, 1/2 where it ties
    (JAX's rule: tied inputs split the gradient equally), 0 where it loses."""
    weights = xp.asarray(wins, dtype=dtype)
    weights[ties] = 0.5
    return weights


# ---------------------------------------------------------------------------- arithmetic
@defop("identity")
def identity(xp, x):
    return x


@identity.defvjp
def identity_vjp(F, g, y, x):
    return (g,)


@defop("add", inputs=2, broadcast=True)
def add(xp, x1, x2):
    return xp.add(*promote_floats(xp, x1, x2))


@add.defvjp
def add_vjp(F, g, y, x1, x2):
    return g, g


@defop("subtract", inputs=2, broadcast=True)
def subtract(xp, x1, x2):
    return xp.subtract(*promote_floats(xp, x1, x2))


@subtract.defvjp
def subtract_vjp(F, g, y, x1, x2):
    return g, lambda: F.negative(g)


@defop("multiply", inputs=2, broadcast=True)
def multiply(xp, x1, x2):
    return xp.multiply(*promote_floats(xp, x1, x2))


@multiply.defvjp
def multiply_vjp(F, g, y, x1, x2):
    return lambda: F.multiply(g, x2), lambda: F.multiply(g, x1)


@defop("divide", inputs=2, broadcast=True)
def divide(xp, x1, x2):
    if not is_float_array(x1) and not is_float_array(x2):
        # ints (or Python floats with ints) divide in floatx, as Keras and JAX
        return xp.true_divide(as_floating(xp, x1), as_floating(xp, x2))
    return xp.true_divide(*promote_floats(xp, x1, x2))


@divide.defvjp
def divide_vjp(F, g, y, x1, x2):
    return lambda: F.divide(g, x2), lambda: F.negative(F.divide(F.multiply(g, y), x2))


@defop("floor_divide", inputs=2, broadcast=True, differentiable=False)
def floor_divide(xp, x1, x2):
    return xp.floor_divide(*promote_floats(xp, x1, x2))


@defop("mod", inputs=2, broadcast=True)
def mod(xp, x1, x2):
    return xp.mod(*promote_floats(xp, x1, x2))


@mod.defvjp
def mod_vjp(F, g, y, x1, x2):
    # x1 % x2 = x1 - floor(x1 / x2) * x2, the floor piecewise constant
    return g, lambda: F.multiply(g, F.negative(F.floor_divide(x1, x2)))


@defop("negative")
def negative(xp, x):
    return xp.negative(as_array(xp, x))


@negative.defvjp
def negative_vjp(F, g, y, x):
    return (F.negative(g),)


@defop("copy")
def copy(xp, x):
    return xp.array(as_array(xp, x), copy=True)


@copy.defvjp
def copy_vjp(F, g, y, x):
    return (g,)


@defop("power", inputs=2, broadcast=True)
def power(xp, x1, x2):
    return xp.power(*promote_floats(xp, x1, x2))


@power.defvjp
def power_vjp(F, g, y, x1, x2):
    def grad_base():
        if isinstance(x2, (int, float)):  # a Python exponent stays a (weakly typed) Python scalar
            if x2 == 0:
                return F.zeros_like(g)  # x ** 0 is constant (0 * x ** -1 would be nan at 0)
            return F.multiply(g, F.multiply(F.power(x1, x2 - 1), x2))
        return F.multiply(g, F.multiply(x2, F.power(x1, F.subtract(x2, 1))))

    def grad_exponent():
        # d/dy x ** y = log(x) * x ** y. As JAX: 0 where x == 0 (the limit from above), and
        # nan where x < 0 (x ** y is not real for nearby y).
        if isinstance(x1, (int, float)):
            log_x1 = math.log(x1) if x1 > 0 else (0.0 if x1 == 0 else math.nan)
        else:
            log_x1 = F.log(F.where(F.equal(x1, 0), 1, x1))
        return F.multiply(g, F.multiply(log_x1, y))

    return grad_base, grad_exponent


@defop("square")
def square(xp, x):
    return xp.square(as_array(xp, x))


@square.defvjp
def square_vjp(F, g, y, x):
    return (F.multiply(g, F.multiply(x, 2)),)


@defop("abs")
def abs(xp, x):
    return xp.abs(as_array(xp, x))


@abs.defvjp
def abs_vjp(F, g, y, x):
    # sign(x): 0 at 0 (the contract's choice, as TensorFlow; JAX takes 1 there)
    return (F.multiply(g, F.sign(x)),)


@defop("sign", differentiable=False)
def sign(xp, x):
    return xp.sign(as_array(xp, x))


# ---------------------------------------------------------------------------- selection
@defop("maximum", inputs=2, broadcast=True)
def maximum(xp, x1, x2):
    return xp.maximum(*promote_floats(xp, x1, x2))


@maximum.defvjp
def maximum_vjp(F, g, y, x1, x2):
    dtype = g.dtype
    return (lambda: F.multiply(g, F.nograd(lambda xp, a, b: tie_weights(xp, a > b, a == b, dtype),
                                           x1, x2)),
            lambda: F.multiply(g, F.nograd(lambda xp, a, b: tie_weights(xp, b > a, a == b, dtype),
                                           x1, x2)))


@defop("minimum", inputs=2, broadcast=True)
def minimum(xp, x1, x2):
    return xp.minimum(*promote_floats(xp, x1, x2))


@minimum.defvjp
def minimum_vjp(F, g, y, x1, x2):
    dtype = g.dtype
    return (lambda: F.multiply(g, F.nograd(lambda xp, a, b: tie_weights(xp, a < b, a == b, dtype),
                                           x1, x2)),
            lambda: F.multiply(g, F.nograd(lambda xp, a, b: tie_weights(xp, b < a, a == b, dtype),
                                           x1, x2)))


@defop("clip", inputs=3, broadcast=True)
def clip(xp, x, x_min, x_max):
    x, x_min = promote_floats(xp, x, x_min)
    x, x_max = promote_floats(xp, x, x_max)
    return xp.clip(x, x_min, x_max)


@clip.defvjp
def clip_vjp(F, g, y, x, x_min, x_max):
    # clip is minimum(maximum(x, x_min), x_max), as in jax.numpy: the chain rule of the
    # two, so at a bound the gradient is shared like a tie (1/2 each), exactly as JAX.
    dtype = g.dtype

    def shares(xp, a, lo, hi):  # of x, x_min and x_max
        floored = xp.maximum(a, lo)
        under_max = tie_weights(xp, floored < hi, floored == hi, dtype)
        return xp.stack(xp.broadcast_arrays(tie_weights(xp, a > lo, a == lo, dtype) * under_max,
                                            tie_weights(xp, lo > a, a == lo, dtype) * under_max,
                                            tie_weights(xp, hi < floored, floored == hi, dtype)))

    share = F.nograd(shares, x, x_min, x_max)
    return (lambda: F.multiply(g, share[0]), lambda: F.multiply(g, share[1]),
            lambda: F.multiply(g, share[2]))


@defcomposite("where")
def where(F, condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``; with ``condition`` alone, the int32 indices of
    its non-zero entries, one tensor per axis (``numpy.nonzero``)."""
    if x1 is None and x2 is None:
        condition = F.convert_to_tensor(condition).data
        F._host_read(condition, "where(condition) (its output's shape depends on the values)")
        positions = F.xp.nonzero(condition)
        return tuple(F.Tensor(p.astype("int32")) for p in positions)
    if x1 is None or x2 is None:
        raise ValueError("where: pass both x1 and x2 (to select between them), or neither "
                         "(for the indices where condition is true); got only one.")
    return F.select(condition, x1, x2)


@defop("select", inputs=3, broadcast=True)
def select(xp, condition, x1, x2, *, where=None):
    """``where``: ``where(condition, x1, x2)`` on raw arrays, ``xp.where`` by default; a
    backend's fast path binds its own (numpy's bitwise select, ``backends/numpy``)."""
    return (where or xp.where)(condition, *promote_floats(xp, x1, x2))


@select.defvjp
def select_vjp(F, g, y, condition, x1, x2):
    c = data(condition)
    return None, lambda: F.select(c, g, 0), lambda: F.select(c, 0, g)


# ---------------------------------------------------------------------------- float functions
def _float_function(name, derivative):
    """Declares a function of one float input: numpy's ufunc of the same name (integer
    inputs become floatx), and its gradient ``derivative(F, g, y, x)`` (``y`` the output)."""
    def forward(xp, x):
        return getattr(xp, name)(as_floating(xp, x))
    forward.__name__ = forward.__qualname__ = name
    op = defop(name)(forward)
    op.defvjp(lambda F, g, y, x: (derivative(F, g, y, x),))
    return op


exp = _float_function("exp", lambda F, g, y, x: F.multiply(g, y))
expm1 = _float_function("expm1", lambda F, g, y, x: F.multiply(g, F.add(y, 1)))
log = _float_function("log", lambda F, g, y, x: F.divide(g, x))
log1p = _float_function("log1p", lambda F, g, y, x: F.divide(g, F.add(x, 1)))
sqrt = _float_function("sqrt", lambda F, g, y, x: F.divide(g, F.multiply(y, 2)))
sin = _float_function("sin", lambda F, g, y, x: F.multiply(g, F.cos(x)))
cos = _float_function("cos", lambda F, g, y, x: F.negative(F.multiply(g, F.sin(x))))
tanh = _float_function("tanh", lambda F, g, y, x: F.multiply(g, F.subtract(1, F.square(y))))


# ---------------------------------------------------------------------------- error function
# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-638, with the coefficients of netlib's specfun CALERF. Each pair is
# (numerator, denominator), highest power first, for Horner's rule.
_ERF_NEAR_ZERO = (  # erf(x) = x P(x^2) / Q(x^2) for |x| <= 0.46875
    (1.85777706184603153e-1, 3.16112374387056560e0, 1.13864154151050156e2,
     3.77485237685302021e2, 3.20937758913846947e3),
    (1.0, 2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3,
     2.84423683343917062e3))
_ERFC_MIDDLE = (  # erfc(y) = exp(-y^2) P(y) / Q(y) for 0.46875 < y <= 4
    (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0,
     6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2,
     1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3),
    (1.0, 1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2,
     1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
     3.43936767414372164e3, 1.23033935480374942e3))
_ERFC_TAIL = (  # erfc(y) = exp(-y^2) / y (1/sqrt(pi) - z P(z) / Q(z)), z = 1/y^2, y > 4
    (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
     1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4),
    (1.0, 2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1,
     6.05183413124413191e-2, 2.33520497626869185e-3))
# beyond this erf(y) rounds to 1 in every float dtype; clamping avoids overflow in y * y
_ERF_SATURATION = 10.0


def _rational(coefficients, t):
    """P(t) / Q(t) by Horner's rule, in place after the first step."""
    numerator, denominator = coefficients
    p = numerator[0] * t
    p += numerator[1]
    for a in numerator[2:]:
        p *= t
        p += a
    q = t + denominator[1]
    for b in denominator[2:]:
        q *= t
        q += b
    p /= q
    return p


@defop("erf")
def erf(xp, x):
    x = as_floating(xp, x)
    if x.dtype.itemsize < 4:  # the polynomials overflow half precision: compute in float32
        return erf.forward(xp, x.astype("float32")).astype(x.dtype)
    # Each region is computed on its own elements only (no work, and no 1/0, wasted on
    # the others), gathered and scattered by flat positions: numpy's N-d boolean
    # indexing is several times slower on the unsorted masks of real data.
    flat = x.reshape(-1)
    out = xp.empty_like(flat)
    magnitude = xp.abs(flat)
    is_near = magnitude <= 0.46875
    near = xp.flatnonzero(is_near)
    x_near = flat[near]
    out[near] = x_near * _rational(_ERF_NEAR_ZERO, x_near * x_near)
    far = xp.flatnonzero(~is_near)  # NaN lands here and stays NaN
    y = xp.minimum(magnitude[far], _ERF_SATURATION)
    erfc = xp.empty_like(y)
    is_middle = y <= 4.0
    middle = xp.flatnonzero(is_middle)
    erfc[middle] = _rational(_ERFC_MIDDLE, y[middle])
    tail = xp.flatnonzero(~is_middle)
    y_tail = y[tail]
    z = 1.0 / (y_tail * y_tail)
    erfc[tail] = (1.0 / math.sqrt(math.pi) - z * _rational(_ERFC_TAIL, z)) / y_tail
    erfc *= xp.exp(-(y * y))
    out[far] = xp.copysign(1.0 - erfc, flat[far])
    return out.reshape(x.shape)


@erf.defvjp
def erf_vjp(F, g, y, x):
    return (F.multiply(g, F.multiply(F.exp(F.negative(F.square(x))), 2.0 / math.sqrt(math.pi))),)


# ---------------------------------------------------------------------------- rounding
# Piecewise constant: no gradient. Integer inputs are returned as they are (JAX's
# choice; numpy would turn them into float64).
@defop("floor", differentiable=False)
def floor(xp, x):
    x = as_array(xp, x)
    return xp.floor(x) if is_float_array(x) else x


@defop("ceil", differentiable=False)
def ceil(xp, x):
    x = as_array(xp, x)
    return xp.ceil(x) if is_float_array(x) else x


@defop("round", differentiable=False)
def round(xp, x, decimals=0):
    return xp.round(as_array(xp, x), decimals)


# ---------------------------------------------------------------------------- predicates
def _predicate(name, inputs):
    """Declares a boolean op computed by numpy's ufunc of the same name (no gradient)."""
    if inputs == 2:
        def forward(xp, x1, x2):
            return getattr(xp, name)(x1, x2)
    else:
        def forward(xp, x):
            return getattr(xp, name)(x)
    forward.__name__ = forward.__qualname__ = name
    return defop(name, inputs=inputs, differentiable=False)(forward)


for _name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
              "logical_and", "logical_or", "logical_xor"):
    _predicate(_name, inputs=2)
for _name in ("logical_not", "isnan", "isinf", "isfinite"):
    _predicate(_name, inputs=1)
del _name


# ---------------------------------------------------------------------------- dtypes
@defop("cast")
def cast(xp, x, dtype):
    return xp.asarray(x).astype(dtype, copy=False)


@cast.defvjp
def cast_vjp(F, g, y, x, dtype):
    # floats (bfloat16 included, numpy kind "V") pass the gradient back in the input's own
    # dtype; integers and booleans get none
    if F.xp.dtype(F.dtype(x)).kind in "biu":
        return (None,)
    return (F.cast(g, x.dtype),)


@defop("stop_gradient", differentiable=False)
def stop_gradient(xp, x):
    # never recorded on a tape, so no gradient flows back through it
    return x
