"""The activation functions (``keras.activations``), written with :mod:`kerasette.ops` only.

Each one runs on every backend, is differentiable, works inside ``jax.jit``
and keeps the input's float dtype. Signatures and defaults are Keras 3's.
"""

from kerasette import ops


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: ``max(x, 0)`` with the defaults.

    With the arguments: ``x`` above ``threshold``, else
    ``negative_slope * (x - threshold)``; then capped at ``max_value``.

    Args:
        x: input tensor.
        negative_slope: the slope below the threshold.
        max_value: the largest value returned (None: no cap).
        threshold: below this value the output is damped (or zero).

    Example:
        >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], negative_slope=0.5, max_value=5.0)
        [-5.0, -2.5, 0.0, 5.0, 5.0]
    """
    x = ops.convert_to_tensor(x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return ops.leaky_relu(x, negative_slope=negative_slope)
        negative_part = ops.relu(ops.subtract(threshold, x))
    cap = max_value is not None
    if threshold != 0:
        x = ops.where(ops.greater(x, threshold), x, ops.zeros_like(x))
    elif max_value == 6:
        x = ops.relu6(x)
        cap = False
    else:
        x = ops.relu(x)
    if cap:
        x = ops.clip(x, 0.0, max_value)
    if negative_slope != 0.0:
        x = ops.subtract(x, ops.multiply(negative_slope, negative_part))
    return x


def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return ops.relu6(x)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled exponential linear unit: ``scale * elu(x, alpha)`` with alpha=1.67326324 and
    scale=1.05070098; pairs with the ``lecun_normal`` initializer."""
    return ops.selu(x)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``x`` if ``x >= 0`` else
    ``alpha * (exp(x / alpha) - 1)``."""
    x = ops.convert_to_tensor(x)
    negative = ops.minimum(x, ops.zeros_like(x))
    return ops.add(ops.relu(x), ops.multiply(alpha, ops.expm1(ops.divide(negative, alpha))))


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``: exact (via erf) by default, as Keras 3's
    ``keras.activations.gelu``; ``approximate=True`` uses the tanh approximation."""
    return ops.gelu(x, approximate=approximate)


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -3, 1 above 3, ``x / 6 + 0.5`` between."""
    return ops.hard_sigmoid(x)


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large ``|x|``."""
    return ops.negative(ops.softplus(ops.negative(x)))


def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    return ops.clip(ops.multiply(0.5, ops.add(x, 1.0)), 0.0, 1.0)


def softplus(x):
    """``log(exp(x) + 1)``."""
    return ops.softplus(x)


def softsign(x):
    """``x / (abs(x) + 1)``."""
    return ops.softsign(x)


def squareplus(x, b=4):
    """``(x + sqrt(x ** 2 + b)) / 2``, a smooth relu; ``b`` sets the smoothness."""
    x = ops.convert_to_tensor(x)
    return ops.multiply(0.5, ops.add(x, ops.sqrt(ops.add(ops.square(x), b))))


def sparse_plus(x):
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1) ** 2 / 4`` between."""
    x = ops.convert_to_tensor(x)
    middle = ops.multiply(0.25, ops.square(ops.add(x, 1.0)))
    return ops.where(ops.less_equal(x, -1.0), ops.zeros_like(x),
                     ops.where(ops.greater_equal(x, 1.0), x, middle))


def silu(x):
    """Swish / SiLU: ``x * sigmoid(x)``."""
    return ops.silu(x)


swish = silu


def hard_silu(x):
    """Hard swish: ``x * hard_sigmoid(x)``."""
    return ops.multiply(x, ops.hard_sigmoid(x))


hard_swish = hard_silu


def mish(x):
    """``x * tanh(softplus(x))``."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def tanh_shrink(x):
    """``x - tanh(x)``."""
    return ops.subtract(x, ops.tanh(x))


def hard_tanh(x):
    """``x`` clipped to ``[-1, 1]``."""
    return ops.clip(x, -1.0, 1.0)


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    x = ops.convert_to_tensor(x)
    return ops.where(ops.greater(x, threshold), ops.subtract(x, threshold),
                     ops.where(ops.less(x, -threshold), ops.add(x, threshold),
                               ops.zeros_like(x)))


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    x = ops.convert_to_tensor(x)
    return ops.where(ops.greater(ops.abs(x), threshold), x, ops.zeros_like(x))


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = ops.convert_to_tensor(x)
    return ops.where(ops.greater(x, threshold), x, ops.full_like(x, default_value))


def exponential(x):
    """``exp(x)``."""
    return ops.exp(x)


def linear(x):
    """The identity: returns ``x`` unchanged."""
    return x


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``: a probability distribution."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``: the log of :func:`softmax`, computed stably."""
    return ops.log_softmax(x, axis=axis)


def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis``:
    ``max(x - tau, 0)``, with ``tau`` chosen so that the entries sum to 1 (many are exactly 0).

    Computed without sorting: entry ``j`` is in the support when
    ``1 + k_j * x_j > s_j``, with ``k_j`` the number of entries ``>= x_j`` and ``s_j`` their
    sum (memory grows with the square of the axis length).
    """
    x = ops.moveaxis(ops.convert_to_tensor(x), axis, -1)
    dtype = ops.dtype(x)
    above = ops.cast(ops.greater_equal(ops.expand_dims(x, -1), ops.expand_dims(x, -2)), dtype)
    count = ops.sum(above, axis=-2)  # k_j
    total = ops.sum(ops.multiply(above, ops.expand_dims(x, -1)), axis=-2)  # s_j
    support = ops.cast(ops.greater(ops.add(1.0, ops.multiply(count, x)), total), dtype)
    tau = ops.divide(ops.subtract(ops.sum(ops.multiply(support, x), axis=-1, keepdims=True), 1.0),
                     ops.sum(support, axis=-1, keepdims=True))
    return ops.moveaxis(ops.relu(ops.subtract(x, tau)), -1, axis)


def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)``, where ``a`` and ``b`` are the two halves of ``x``
    along ``axis`` (whose size must be even)."""
    x = ops.convert_to_tensor(x)
    size = ops.shape(x)[axis]
    if size % 2:
        raise ValueError(f"glu splits axis {axis} in two halves; its size must be even, got {size}.")
    a, b = ops.split(x, 2, axis=axis)
    return ops.multiply(a, ops.sigmoid(b))
