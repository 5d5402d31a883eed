"""Elementwise arithmetic and math: forward and gradient side by side.

Binary ops are declared ``broadcast=True``; the engine unbroadcasts their
gradients. Rules use the engine's ops (``F``) so they differentiate again.
"""

from ..registry import defcomposite, defop


@defop("identity")
def identity(xp, x):
    return x


@identity.defvjp
def identity_vjp(F, g, y, x):
    return (g,)


@defop("add", inputs=2, broadcast=True)
def add(xp, x1, x2):
    return xp.add(x1, x2)


@add.defvjp
def add_vjp(F, g, y, x1, x2):
    return g, g


@defop("subtract", inputs=2, broadcast=True)
def subtract(xp, x1, x2):
    return xp.subtract(x1, x2)


@subtract.defvjp
def subtract_vjp(F, g, y, x1, x2):
    return g, lambda: F.negative(g)


@defop("multiply", inputs=2, broadcast=True)
def multiply(xp, x1, x2):
    return xp.multiply(x1, x2)


@multiply.defvjp
def multiply_vjp(F, g, y, x1, x2):
    return lambda: F.multiply(g, x2), lambda: F.multiply(g, x1)


@defop("divide", inputs=2, broadcast=True)
def divide(xp, x1, x2):
    return xp.true_divide(x1, x2)


@divide.defvjp
def divide_vjp(F, g, y, x1, x2):
    return lambda: F.divide(g, x2), lambda: F.negative(F.divide(F.multiply(g, y), x2))


@defop("negative")
def negative(xp, x):
    return xp.negative(x)


@negative.defvjp
def negative_vjp(F, g, y, x):
    return (F.negative(g),)


@defop("exp")
def exp(xp, x):
    return xp.exp(x)


@exp.defvjp
def exp_vjp(F, g, y, x):
    return (F.multiply(g, y),)


@defop("cast")
def cast(xp, x, dtype):
    return xp.asarray(x).astype(dtype, copy=False)


@cast.defvjp
def cast_vjp(F, g, y, x, dtype):
    # floats pass the gradient back in the input's own dtype; integers get none
    if F.xp.dtype(F.dtype(x)).kind not in "fc":
        return (None,)
    return (F.cast(g, x.dtype),)
