"""Reductions over axes: sum, mean, max, min, prod, var, std, logsumexp, arg-reductions."""

from ..registry import defcomposite, defop


def normalize_axes(axis, ndim):
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else a for a in axis))


def restore_reduced_axes(F, g, x_shape, axis, keepdims):
    """Reshapes a reduction's gradient ``g`` so it broadcasts against the input shape."""
    if keepdims or axis is None and not x_shape:
        return g
    shape = list(x_shape)
    for a in normalize_axes(axis, len(x_shape)):
        shape[a] = 1
    return F.reshape(g, tuple(shape))


@defop("sum")
def sum(xp, x, axis=None, keepdims=False):
    return xp.sum(x, axis=_axis(axis), keepdims=keepdims)


@sum.defvjp
def sum_vjp(F, g, y, x, axis=None, keepdims=False):
    g = restore_reduced_axes(F, g, x.shape, axis, keepdims)
    return (F.broadcast_to(g, x.shape),)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis
