"""Normalization: standardizes features with a mean and variance learned by ``adapt``."""

import numpy as np

from kerasette import ops
from kerasette.backends.config import epsilon
from kerasette.layers.layer import Layer


class Normalization(Layer):
    """``(inputs - mean) / sqrt(variance)`` per feature along ``axis``.

    The statistics come from the ``mean`` and ``variance`` arguments (then the layer has
    no weights, as in Keras) or from :meth:`adapt` on data (then they are the
    non-trainable weights ``mean``, ``variance`` and ``count``, shaped like the kept
    axes, saved with the model in Keras's layout).

    Args:
        axis: the feature axis or axes kept (default -1); the others are averaged over.
            None keeps no axis: one mean and variance for everything.
        mean, variance: given statistics (both or neither), a scalar or an array shaped
            like the kept axes (or its trailing part; it broadcasts).
        invert: apply the inverse transformation instead.

    Example:
        >>> norm = kerasette.layers.Normalization()
        >>> norm.adapt(x_train)
        >>> model = kerasette.Sequential([kerasette.Input((8,)), norm, kerasette.layers.Dense(1)])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        self.axis = (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f'Normalization "{self.name}": pass both mean and variance, or neither.')
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(
                f'Normalization "{self.name}": mean and variance must have the same shape, got '
                f"{np.shape(mean)} and {np.shape(variance)}."
            )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.adapted = mean is not None
        self.supports_masking = True

    def _layout(self, input_shape):
        """``(kept axes, reduced axes, broadcast shape)`` for an input of ``input_shape``."""
        rank = len(input_shape)
        for a in self.axis:
            if not -rank <= a < rank:
                raise ValueError(
                    f'Normalization "{self.name}": axis {a} is out of range for input shape '
                    f"{tuple(input_shape)} (rank {rank})."
                )
        keep = tuple(sorted({a % rank for a in self.axis}))
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(
                    f'Normalization "{self.name}" needs a known size along axis {a}; input shape '
                    f"{tuple(input_shape)}."
                )
        reduce = tuple(a for a in range(rank) if a not in keep)
        broadcast = tuple(input_shape[a] if a in keep else 1 for a in range(rank))
        return keep, reduce, broadcast

    def build(self, input_shape):
        keep, self._reduce_axes, self._broadcast_shape = self._layout(tuple(input_shape))
        self._keep_axes = keep
        stat_shape = tuple(input_shape[a] for a in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stat_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stat_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), initializer="zeros",
                                         dtype="int64", trainable=False)
            return
        # given statistics: their dimensions line up with the kept axes from the right
        mean = np.asarray(self.input_mean, dtype=self.dtype)
        variance = np.asarray(self.input_variance, dtype=self.dtype)
        expanded = [1] * len(input_shape)
        for i in range(1, mean.ndim + 1):
            expanded[keep[-i]] = mean.shape[-i]
        self._fixed_mean = np.broadcast_to(mean.reshape(expanded), self._broadcast_shape)
        self._fixed_variance = np.broadcast_to(variance.reshape(expanded), self._broadcast_shape)

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of ``data``: an array or tensor, or an iterable of
        batches (a list of arrays, a generator or a PyDataset yielding arrays or
        ``(x, y)`` tuples)."""
        if self.input_mean is not None:
            raise ValueError(
                f'Normalization "{self.name}" was given mean and variance; adapt() computes them '
                "instead: create the layer without mean and variance to adapt it."
            )
        if _is_array(data) or (isinstance(data, list) and not all(_is_array(b) for b in data)):
            batches = [_float64(data)]
        else:  # an iterable of batches (a list of arrays, a generator, a PyDataset), as Keras
            batches = [_float64(b[0] if isinstance(b, tuple) else b) for b in data]
        if not batches:
            raise ValueError(f'Normalization "{self.name}": adapt() received no data.')
        first = batches[0]
        if not self.built:
            self._maybe_build((None,) + first.shape[1:])
        stat_shape = tuple(self.adapt_mean.shape)
        reduce_axes = self._reduce_axes
        count, mean, m2 = 0, np.zeros(stat_shape), np.zeros(stat_shape)
        for batch in batches:  # Chan et al.'s parallel update of mean and variance
            n = int(np.prod([batch.shape[a] for a in reduce_axes])) if reduce_axes else 1
            batch_mean = batch.mean(axis=reduce_axes)
            batch_m2 = ((batch - batch.mean(axis=reduce_axes, keepdims=True)) ** 2).sum(
                axis=reduce_axes)
            delta = batch_mean - mean
            total = count + n
            mean = mean + delta * n / total
            m2 = m2 + batch_m2 + delta**2 * count * n / total
            count = total
        self.adapt_mean.assign(mean.astype(self.dtype))
        self.adapt_variance.assign((m2 / max(count, 1)).astype(self.dtype))
        self.count.assign(np.asarray(count, dtype="int64"))
        self.adapted = True

    def _statistics(self):
        """The mean and variance shaped to broadcast against the input."""
        if self.input_mean is not None:
            return (ops.convert_to_tensor(self._fixed_mean, self.dtype),
                    ops.convert_to_tensor(self._fixed_variance, self.dtype))
        return (ops.reshape(self.adapt_mean, self._broadcast_shape),
                ops.reshape(self.adapt_variance, self._broadcast_shape))

    @property
    def mean(self):
        """The mean the layer subtracts, shaped to broadcast against the input (kept axes at
        their size, the others 1), in the compute dtype: given, learned by :meth:`adapt`,
        or zeros when built without either; None before the layer is built (Keras 3's
        public attribute)."""
        return ops.cast(self._statistics()[0], self.compute_dtype) if self.built else None

    @property
    def variance(self):
        """The variance the layer divides by (its square root), shaped as :attr:`mean`."""
        return ops.cast(self._statistics()[1], self.compute_dtype) if self.built else None

    def call(self, inputs):
        inputs = ops.cast(inputs, self.dtype)
        mean, variance = self._statistics()
        std = ops.maximum(ops.sqrt(variance), epsilon())
        if self.invert:
            return ops.add(ops.multiply(inputs, std), mean)
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": _listify(self.input_mean), "variance": _listify(self.input_variance)})
        return config


def _is_array(value):
    return isinstance(value, np.ndarray) or ops.is_tensor(value)


def _float64(value):
    return np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value,
                      dtype="float64")


def _listify(value):
    if value is None:
        return None
    return np.asarray(value).tolist()
