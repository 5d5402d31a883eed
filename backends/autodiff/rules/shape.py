"""Shape ops: reshape, expand_dims, squeeze, concatenate, stack, split, broadcast_to,
tile, repeat, pad, flip, transpose-like moves."""

from ..registry import defcomposite, defop


@defop("reshape")
def reshape(xp, x, newshape):
    return xp.reshape(x, newshape)


@reshape.defvjp
def reshape_vjp(F, g, y, x, newshape):
    return (F.reshape(g, x.shape),)


@defop("broadcast_to")
def broadcast_to(xp, x, shape):
    return xp.broadcast_to(x, tuple(shape))


@broadcast_to.defvjp
def broadcast_to_vjp(F, g, y, x, shape):
    return (F._unbroadcast(g, x.shape),)
