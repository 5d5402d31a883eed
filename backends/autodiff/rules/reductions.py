"""Reductions over axes: sum, mean, max, min, prod, var, std, logsumexp, arg-reductions,
all, any, and cumsum.

``axis`` is None (every axis), an int, or a tuple/list of ints, negatives
allowed. Each gradient rule reshapes the output gradient so it broadcasts back
over the reduced axes (:func:`restore_reduced_axes`). Integer sums and
products keep 32 bits, as JAX (numpy would widen them to int64).
"""

import math

from ..registry import defcomposite, defop
from .elementwise import as_array, as_floating


def normalize_axes(axis, ndim):
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (tuple, list)):
        axis = (axis,)
    return tuple(sorted(int(a) % ndim if ndim else int(a) for a in axis))


def as_axis(axis):
    """``axis`` as numpy takes it: a list becomes a tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


def kept_dims_shape(x_shape, axis):
    """The shape of a reduction of an ``x_shape`` array over ``axis`` with ``keepdims=True``."""
    shape = list(x_shape)
    for a in normalize_axes(axis, len(x_shape)):
        shape[a] = 1
    return tuple(shape)


def reduced_size(x_shape, axis):
    """How many elements of an ``x_shape`` array each output of a reduction over ``axis`` sees."""
    return math.prod(x_shape[a] for a in normalize_axes(axis, len(x_shape)))


def restore_reduced_axes(F, g, x_shape, axis, keepdims):
    """Reshapes a reduction's gradient ``g`` so it broadcasts against the input shape."""
    if keepdims or axis is None and not x_shape:
        return g
    return F.reshape(g, kept_dims_shape(x_shape, axis))


def accumulator_dtype(x):
    """The dtype of a sum or product of ``x`` (None: numpy's own, i.e. floats keep theirs).

    As JAX and Keras: bools and small ints widen to 32 bits, int32 and wider keep
    their dtype; numpy would widen every integer to 64 bits.
    """
    kind, size = x.dtype.kind, x.dtype.itemsize
    if kind == "b" or kind == "i" and size < 4:
        return "int32"
    if kind == "u" and size < 4:
        return "uint32"
    return x.dtype if kind in "iu" else None


@defop("sum")
def sum(xp, x, axis=None, keepdims=False):
    x = as_array(xp, x)
    return xp.sum(x, axis=as_axis(axis), keepdims=keepdims, dtype=accumulator_dtype(x))


@sum.defvjp
def sum_vjp(F, g, y, x, axis=None, keepdims=False):
    g = restore_reduced_axes(F, g, x.shape, axis, keepdims)
    return (F.broadcast_to(g, x.shape),)


@defop("mean")
def mean(xp, x, axis=None, keepdims=False):
    return xp.mean(as_floating(xp, x), axis=as_axis(axis), keepdims=keepdims)


@mean.defvjp
def mean_vjp(F, g, y, x, axis=None, keepdims=False):
    return sum_vjp(F, F.divide(g, reduced_size(x.shape, axis)), y, x, axis, keepdims)


@defop("max")
def max(xp, x, axis=None, keepdims=False):
    return xp.max(x, axis=as_axis(axis), keepdims=keepdims)


@max.defvjp
def max_vjp(F, g, y, x, axis=None, keepdims=False):
    return (extremum_grad(F, g, y, x, axis, keepdims),)


@defop("min")
def min(xp, x, axis=None, keepdims=False):
    return xp.min(x, axis=as_axis(axis), keepdims=keepdims)


@min.defvjp
def min_vjp(F, g, y, x, axis=None, keepdims=False):
    return (extremum_grad(F, g, y, x, axis, keepdims),)


def extremum_grad(F, g, y, x, axis, keepdims):
    """The gradient of a max or min: shared equally among the elements that attain it
    (JAX's rule). Which elements those are is a constant, so the share is a raw array."""
    shape, axes, dtype = kept_dims_shape(x.shape, axis), normalize_axes(axis, x.ndim), g.dtype

    def share_of(xp, x, y):
        share = (x == y.reshape(shape)).astype(dtype)
        share /= share.sum(axis=axes, keepdims=True)
        return share
    return F.multiply(restore_reduced_axes(F, g, x.shape, axis, keepdims),
                      F.nograd(share_of, x, y))


@defop("prod")
def prod(xp, x, axis=None, keepdims=False):
    x = as_array(xp, x)
    return xp.prod(x, axis=as_axis(axis), keepdims=keepdims, dtype=accumulator_dtype(x))


@prod.defvjp
def prod_vjp(F, g, y, x, axis=None, keepdims=False):
    # The gradient of each element is the product of the others.
    g = restore_reduced_axes(F, g, x.shape, axis, keepdims)
    y = restore_reduced_axes(F, y, x.shape, axis, keepdims)
    # With zeros, y / x is 0 / 0 at them. Still exact, and still differentiable: y / x at
    # the nonzero elements (0 when a zero is elsewhere), and at a zero the product of the
    # nonzero elements when it is the group's only zero, else 0. (Without zeros this is
    # y / x; one formula for both, so a jit replay needs no branch on the values.)
    axes = normalize_axes(axis, x.ndim)
    zero = F.equal(x, 0)
    safe = F.where(zero, 1, x)
    lone_zero = F.nograd(lambda xp, z: z.sum(axis=axes, keepdims=True) == 1, zero)
    at_zero = F.where(lone_zero, F.prod(safe, axis=axes, keepdims=True), 0)
    return (F.multiply(g, F.where(zero, at_zero, F.divide(y, safe))),)


@defop("var")
def var(xp, x, axis=None, keepdims=False):
    return xp.var(as_floating(xp, x), axis=as_axis(axis), keepdims=keepdims)


@var.defvjp
def var_vjp(F, g, y, x, axis=None, keepdims=False):
    g = restore_reduced_axes(F, g, x.shape, axis, keepdims)
    centered = F.subtract(x, F.mean(x, axis=axis, keepdims=True))
    return (F.multiply(g, F.multiply(centered, 2.0 / reduced_size(x.shape, axis))),)


@defcomposite("std")
def std(F, x, axis=None, keepdims=False):
    """Population standard deviation (``ddof=0``) over ``axis``: ``sqrt(var(x))``."""
    return F.sqrt(F.var(x, axis=axis, keepdims=keepdims))


@defop("argmax", differentiable=False)
def argmax(xp, x, axis=None, keepdims=False):
    return xp.argmax(x, axis=axis, keepdims=keepdims).astype("int32")


@defop("argmin", differentiable=False)
def argmin(xp, x, axis=None, keepdims=False):
    return xp.argmin(x, axis=axis, keepdims=keepdims).astype("int32")


@defop("logsumexp")
def logsumexp(xp, x, axis=None, keepdims=False):
    x = as_floating(xp, x)
    axis = as_axis(axis)
    # shift by the max so exp never overflows; an infinite max (all -inf, or a +inf)
    # shifts by 0 instead, which gives -inf and +inf rather than inf - inf = nan
    peak = xp.max(x, axis=axis, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0)
    total = xp.sum(xp.exp(x - peak), axis=axis, keepdims=True)
    # all -inf: total is 0 and the answer -inf (log(0), without numpy's warning)
    positive = total > 0
    out = xp.where(positive, xp.log(xp.where(positive, total, 1)), -math.inf) + peak
    return out if keepdims else xp.squeeze(out, axis=axis)


@logsumexp.defvjp
def logsumexp_vjp(F, g, y, x, axis=None, keepdims=False):
    # the softmax of x over axis: exp(x - logsumexp(x)). A slice of all -inf (a fully
    # masked row, as in attention or Circle loss) has logsumexp -inf: shifting it by 0
    # instead gives exp(-inf) = 0 there, not -inf - -inf = nan with numpy's warning
    g = restore_reduced_axes(F, g, x.shape, axis, keepdims)
    y = restore_reduced_axes(F, y, x.shape, axis, keepdims)
    y = F.where(F.equal(y, -math.inf), F.zeros_like(y), y)
    return (F.multiply(g, F.exp(F.subtract(x, y))),)


@defop("all", differentiable=False)
def all(xp, x, axis=None, keepdims=False):
    return xp.all(x, axis=as_axis(axis), keepdims=keepdims)


@defop("any", differentiable=False)
def any(xp, x, axis=None, keepdims=False):
    return xp.any(x, axis=as_axis(axis), keepdims=keepdims)


@defop("cumsum")
def cumsum(xp, x, axis=None):
    x = as_array(xp, x)
    return xp.cumsum(x, axis=axis, dtype=accumulator_dtype(x))


@cumsum.defvjp
def cumsum_vjp(F, g, y, x, axis=None):
    # each element feeds every later output: its gradient sums g from itself to the end,
    # a cumulative sum of g in reverse
    if axis is None:  # the forward flattened x
        return (F.reshape(F.flip(F.cumsum(F.flip(g, 0), 0), 0), x.shape),)
    return (F.flip(F.cumsum(F.flip(g, axis), axis), axis),)
