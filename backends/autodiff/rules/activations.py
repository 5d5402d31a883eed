"""Activations: forward and gradient side by side, values and kinks as ``jax.nn``.

Each activation is a primitive with a fused forward (a few passes over the
array, no overflow for large ``|x|``) and a gradient rule written with the
engine's ops, so it differentiates again; selu and hard_sigmoid are composites
of those. At a kink the gradient is JAX's: relu'(0) = 0, leaky_relu'(0) = 1,
elu'(0) = alpha, relu6' = 0 at 0 and 6.
"""

import math

from ..registry import defcomposite, defop
from .elementwise import as_floating, erf
from .reductions import as_axis

# selu's constants (Klambauer et al., 2017), to the digits jax.nn uses
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


@defop("relu")
def relu(xp, x):
    return xp.maximum(x, 0)


@relu.defvjp
def relu_vjp(F, g, y, x):
    return (F.where(F.greater(x, 0), g, 0),)


@defop("relu6")
def relu6(xp, x):
    return xp.clip(x, 0, 6)


@relu6.defvjp
def relu6_vjp(F, g, y, x):
    return (F.where(F.nograd(_inside_relu6, x), g, 0),)


def _inside_relu6(xp, x):
    return (x > 0) & (x < 6)


@defop("leaky_relu")
def leaky_relu(xp, x, negative_slope=0.2, *, where=None):
    # where: as select's (a backend's fast path binds its own)
    x = as_floating(xp, x)
    return (where or xp.where)(x >= 0, x, x * negative_slope)


@leaky_relu.defvjp
def leaky_relu_vjp(F, g, y, x, negative_slope=0.2):
    return (F.where(F.greater_equal(x, 0), g, F.multiply(g, negative_slope)),)


@defop("elu")
def elu(xp, x, alpha=1.0, *, where=None):
    # expm1 of min(x, 0): the branch not taken never overflows; where: as select's
    x = as_floating(xp, x)
    return (where or xp.where)(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))


@elu.defvjp
def elu_vjp(F, g, y, x, alpha=1.0):
    # for x <= 0: d/dx alpha * (exp(x) - 1) = alpha * exp(x) = y + alpha
    return (F.where(F.greater(x, 0), g, F.multiply(g, F.add(y, alpha))),)


@defcomposite("selu")
def selu(F, x):
    """``scale * elu(x, alpha)`` with alpha=1.67326324, scale=1.05070098 (self-normalizing)."""
    return F.multiply(F.elu(x, _SELU_ALPHA), _SELU_SCALE)


@defop("gelu", saves=True)
def gelu(xp, x, approximate=True):
    x = as_floating(xp, x)
    if approximate:
        cdf = 0.5 * (1 + xp.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * (x * x * x))))
    else:
        cdf = 0.5 * (erf.forward(xp, x * math.sqrt(0.5)) + 1)
    # the normal cdf (or its tanh approximation) is saved: the slope needs it again
    return x * cdf, cdf


@gelu.defvjp
def gelu_vjp(F, g, y, x, approximate=True, saved=None):
    return (F.multiply(g, F.gelu_slope(x, approximate, saved)),)


@defop("gelu_slope")
def gelu_slope(xp, x, approximate, cdf):
    """d gelu / dx from the forward's saved ``cdf``: y = x * cdf(x), y' = cdf + x * cdf'.
    A primitive of its own, so the first-order gradient is a few fused passes."""
    if approximate:
        # cdf = (1 + tanh(u)) / 2, u = c (x + k x^3): cdf' = 2 cdf (1 - cdf) * c (1 + 3 k x^2)
        x2 = x * x
        return cdf + x * (2 * _SQRT_2_OVER_PI) * (1 + 3 * _GELU_CUBIC * x2) * cdf * (1 - cdf)
    # the normal cdf Phi: Phi' = phi, the density
    return cdf + x * (xp.exp(-0.5 * (x * x)) * (1 / math.sqrt(2 * math.pi)))


@gelu_slope.defvjp
def gelu_slope_vjp(F, g, y, x, approximate, cdf):
    # the second derivative y'' = 2 cdf' + x cdf'', recomputed from x with the engine's ops
    # (not from the saved cdf, a constant) so that it differentiates again
    if approximate:
        # t = tanh(u): cdf' = (1 - t^2) u' / 2, cdf'' = (1 - t^2) (u'' - 2 t u'^2) / 2
        x2 = F.square(x)
        t = F.tanh(F.multiply(F.add(x, F.multiply(F.multiply(x2, x), _GELU_CUBIC)), _SQRT_2_OVER_PI))
        du = F.multiply(F.add(F.multiply(x2, 3 * _GELU_CUBIC), 1), _SQRT_2_OVER_PI)
        d2u = F.multiply(x, 6 * _GELU_CUBIC * _SQRT_2_OVER_PI)
        half_sech2 = F.multiply(F.subtract(1, F.square(t)), 0.5)
        d_cdf = F.multiply(half_sech2, du)
        d2_cdf = F.multiply(half_sech2, F.subtract(d2u, F.multiply(F.multiply(t, 2), F.square(du))))
        curvature = F.add(F.multiply(d_cdf, 2), F.multiply(x, d2_cdf))
    else:
        # cdf' = phi, cdf'' = -x phi: y'' = phi (2 - x^2)
        x2 = F.square(x)
        density = F.multiply(F.exp(F.multiply(x2, -0.5)), 1 / math.sqrt(2 * math.pi))
        curvature = F.multiply(density, F.subtract(2, x2))
    return (F.multiply(g, curvature),)


def _sigmoid(xp, x):
    """1 / (1 + exp(-x)) written as exp(min(x, 0)) / (1 + exp(-|x|)): no exp overflows, and
    for x < 0 it is exp(x) / (1 + exp(x)), which keeps full relative precision down to tiny
    values. (Two exps cost less than selecting between the two forms per element.)"""
    x = as_floating(xp, x)
    y = xp.exp(xp.minimum(x, 0))
    y /= 1 + xp.exp(-xp.abs(x))
    return y


@defop("sigmoid")
def sigmoid(xp, x):
    return _sigmoid(xp, x)


@sigmoid.defvjp
def sigmoid_vjp(F, g, y, x):
    return (F.multiply(g, F.multiply(y, F.subtract(1, y))),)


@defcomposite("hard_sigmoid")
def hard_sigmoid(F, x):
    """``relu6(x + 3) / 6``, as Keras 3 and jax.nn (gradient 1/6 strictly inside (-3, 3))."""
    return F.divide(F.relu6(F.add(x, 3)), 6)


@defop("softplus")
def softplus(xp, x):
    # log(exp(x) + exp(0)) as JAX's logaddexp(x, 0) computes it, without overflow
    # (numpy's own logaddexp measured ~10x slower than these passes)
    x = as_floating(xp, x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


@softplus.defvjp
def softplus_vjp(F, g, y, x):
    return (F.multiply(g, F.sigmoid(x)),)


@defop("softsign")
def softsign(xp, x):
    x = as_floating(xp, x)
    return x / (1 + xp.abs(x))


@softsign.defvjp
def softsign_vjp(F, g, y, x):
    return (F.divide(g, F.square(F.add(F.abs(x), 1))),)


@defop("silu")
def silu(xp, x):
    x = as_floating(xp, x)
    return x * _sigmoid(xp, x)


@silu.defvjp
def silu_vjp(F, g, y, x):
    # (x s)' = s + x s (1 - s) = s (1 + x (1 - s))
    s = F.sigmoid(x)
    return (F.multiply(g, F.multiply(s, F.add(F.multiply(x, F.subtract(1, s)), 1))),)


@defop("softmax")
def softmax(xp, x, axis=-1):
    x = as_floating(xp, x)
    axis = as_axis(axis)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    e /= xp.sum(e, axis=axis, keepdims=True)
    return e


@softmax.defvjp
def softmax_vjp(F, g, y, x, axis=-1):
    # the Jacobian diag(y) - y y^T applied to g, without forming it
    gy = F.multiply(g, y)
    return (F.subtract(gy, F.multiply(y, F.sum(gy, axis=axis, keepdims=True))),)


@defop("log_softmax")
def log_softmax(xp, x, axis=-1):
    x = as_floating(xp, x)
    axis = as_axis(axis)
    shifted = x - xp.max(x, axis=axis, keepdims=True)
    shifted -= xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    return shifted


@log_softmax.defvjp
def log_softmax_vjp(F, g, y, x, axis=-1):
    # d/dx (x - logsumexp(x)) applied to g: g - softmax(x) * sum(g), softmax = exp(y)
    return (F.subtract(g, F.multiply(F.exp(y), F.sum(g, axis=axis, keepdims=True))),)
