"""Weight constraints (``keras.constraints``): projections applied after each optimizer update.

Written with :mod:`kerasette.ops` only, so they run on every backend and
inside a jit-compiled train step.
"""

from kerasette import ops
from kerasette.backends.config import epsilon


class Constraint:
    """Base class of weight constraints (Keras 3 ``keras.constraints.Constraint``).

    A constraint is called with a weight's new value and returns the projected
    value (the base class returns it unchanged).

    Example:
        >>> class NonNegative(kerasette.constraints.Constraint):
        ...     def __call__(self, w):
        ...         return ops.maximum(w, 0.0)
    """

    def __call__(self, w):
        """The projected value of ``w``."""
        return w

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A constraint built from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def _norms(w, axis):
    """The L2 norms of ``w`` along ``axis``, keeping dimensions."""
    return ops.sqrt(ops.sum(ops.square(w), axis=_axis(axis), keepdims=True))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _rescale(w, norms, desired):
    """``w`` scaled so that its norms become ``desired``."""
    return ops.multiply(w, ops.divide(desired, ops.add(norms, epsilon())))


class MaxNorm(Constraint):
    """Rescales the weights incident to each unit to a norm of at most ``max_value``
    (Keras 3 ``keras.constraints.MaxNorm``).

    Args:
        max_value: the largest norm allowed.
        axis: the axis (or list of axes) along which norms are taken: 0 for a Dense kernel
            ``(input_dim, units)``; ``[0, 1, 2]`` for a Conv2D kernel.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        return _rescale(w, norms, ops.clip(norms, 0.0, self.max_value))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero (Keras 3 ``keras.constraints.NonNeg``)."""

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.maximum(w, ops.zeros_like(w))


class UnitNorm(Constraint):
    """Rescales the weights incident to each unit to norm 1 (Keras 3
    ``keras.constraints.UnitNorm``).

    Args:
        axis: the axis (or list of axes) along which norms are taken.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.divide(w, ops.add(_norms(w, self.axis), epsilon()))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Rescales the weights incident to each unit to a norm between ``min_value`` and
    ``max_value`` (Keras 3 ``keras.constraints.MinMaxNorm``).

    Args:
        min_value: the smallest norm allowed.
        max_value: the largest norm allowed.
        rate: how strictly: the norm becomes ``rate * clip(norm) + (1 - rate) * norm``
            (1.0 enforces the bounds at once).
        axis: the axis (or list of axes) along which norms are taken.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, self.min_value, self.max_value)
        desired = ops.add(ops.multiply(self.rate, clipped), ops.multiply(1.0 - self.rate, norms))
        return _rescale(w, norms, desired)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}
