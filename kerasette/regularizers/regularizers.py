"""Weight penalties (``keras.regularizers``), written with :mod:`kerasette.ops` only.

A regularizer maps a weight (or a layer's output) to a scalar added to the
loss. ``__call__`` is differentiable, works inside ``jax.jit`` and returns a
scalar of the weight's dtype.
"""

import math

from kerasette import ops
from kerasette.utils.vectors import normalize


class Regularizer:
    """Base class of regularizers (Keras 3 ``keras.regularizers.Regularizer``).

    Subclasses implement ``__call__(x)`` (a scalar penalty, written with
    :mod:`kerasette.ops`) and ``get_config``. Any function of one tensor that
    returns a scalar also works as a regularizer.

    Example:
        >>> class L2Half(kerasette.regularizers.Regularizer):
        ...     def __call__(self, x):
        ...         return 0.5 * ops.sum(ops.square(x))
        ...     def get_config(self):
        ...         return {}
    """

    def __call__(self, x):
        """The penalty for ``x`` (the base class's is 0)."""
        return 0.0

    @classmethod
    def from_config(cls, config):
        """A regularizer built from :meth:`get_config`'s output."""
        return cls(**config)

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    def __repr__(self):
        try:
            arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            arguments = ""
        return f"{type(self).__name__}({arguments})"


def _factor(value, name, who):
    """``value`` as a float, checked to be finite and non-negative."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            math.isinf(value) or math.isnan(value) or value < 0:
        raise ValueError(f"{who}: {name} must be a non-negative finite float, got {value!r}.")
    return float(value)


class L1L2(Regularizer):
    """The penalty ``l1 * sum(|x|) + l2 * sum(x ** 2)`` (Keras 3 ``keras.regularizers.L1L2``).

    Args:
        l1: the L1 factor.
        l2: the L2 factor.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1", "L1L2")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2", "L1L2")

    def __call__(self, x):
        penalty = ops.zeros((), dtype=ops.dtype(x))
        if self.l1:
            penalty = ops.add(penalty, ops.multiply(self.l1, ops.sum(ops.abs(x))))
        if self.l2:
            penalty = ops.add(penalty, ops.multiply(self.l2, ops.sum(ops.square(x))))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """The penalty ``l1 * sum(|x|)`` (Keras 3 ``keras.regularizers.L1``).

    Args:
        l1: the factor.
    """

    def __init__(self, l1=0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x):
        return ops.multiply(self.l1, ops.sum(ops.abs(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """The penalty ``l2 * sum(x ** 2)`` (Keras 3 ``keras.regularizers.L2``).

    Args:
        l2: the factor.

    Example:
        >>> float(kerasette.regularizers.L2(0.1)(np.ones((2, 5), "float32")))
        1.0
    """

    def __init__(self, l2=0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x):
        return ops.multiply(self.l2, ops.sum(ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards being orthogonal
    (Keras 3 ``keras.regularizers.OrthogonalRegularizer``).

    The penalty is ``factor`` times the mean absolute dot product between distinct
    L2-normalized rows (``mode="rows"``) or columns (``mode="columns"``).

    Args:
        factor: the factor.
        mode: "rows" or "columns".
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError(
                f'OrthogonalRegularizer: mode must be "rows" or "columns", got {mode!r}.'
            )
        self.mode = mode

    def __call__(self, x):
        shape = ops.shape(x)
        if len(shape) != 2:
            raise ValueError(
                f"OrthogonalRegularizer needs a 2-D weight, got shape {tuple(shape)}."
            )
        if self.mode == "rows":
            x = normalize(x, axis=1)
            product = ops.matmul(x, ops.transpose(x))
            size = shape[0]
        else:
            x = normalize(x, axis=0)
            product = ops.matmul(ops.transpose(x), x)
            size = shape[1]
        off_diagonal = ops.multiply(product, ops.subtract(1.0, ops.eye(size, dtype=ops.dtype(x))))
        pairs = size * (size - 1.0) / 2.0
        return ops.multiply(self.factor * 0.5 / pairs, ops.sum(ops.abs(off_diagonal)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}
