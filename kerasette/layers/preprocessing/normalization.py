"""Normalization: standardizes features with a mean and variance learned by ``adapt``."""

import numpy as np

from kerasette import ops
from kerasette.backends.config import epsilon
from kerasette.layers.layer import Layer


class Normalization(Layer):
    """``(inputs - mean) / sqrt(variance)`` per feature along ``axis``.

    The statistics come from the ``mean`` and ``variance`` arguments or from
    :meth:`adapt` on data; they are non-trainable weights, saved with the model.

    Args:
        axis: the feature axis or axes kept (default -1); the others are averaged over.
        mean, variance: given statistics (both or neither).
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
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.adapted = mean is not None

    def _stat_shape(self, input_shape):
        rank = len(input_shape)
        keep = {a % rank for a in self.axis}
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(
                    f'Normalization "{self.name}" needs a known size along axis {a}; input shape '
                    f"{tuple(input_shape)}."
                )
        return tuple(input_shape[a] if a in keep else 1 for a in range(rank))

    def build(self, input_shape):
        shape = self._stat_shape(tuple(input_shape))
        self.mean = self.add_weight(name="mean", shape=shape, initializer="zeros", trainable=False)
        self.variance = self.add_weight(name="variance", shape=shape, initializer="ones",
                                        trainable=False)
        self.count = self.add_weight(name="count", shape=(), initializer="zeros",
                                     dtype="int64", trainable=False)
        if self.input_mean is not None:
            self.mean.assign(np.broadcast_to(np.asarray(self.input_mean, self.dtype), shape))
            self.variance.assign(np.broadcast_to(np.asarray(self.input_variance, self.dtype), shape))

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of ``data`` (an array, or batches from an iterable)."""
        if isinstance(data, (np.ndarray, list)) or ops.is_tensor(data):
            batches = [np.asarray(ops.convert_to_numpy(data) if ops.is_tensor(data) else data,
                                  dtype="float64")]
        else:
            batches = [np.asarray(b[0] if isinstance(b, tuple) else b, dtype="float64")
                       for b in data]
        first = batches[0]
        if not self.built:
            self._maybe_build((None,) + first.shape[1:])
        shape = tuple(self.mean.shape)
        rank = first.ndim
        keep = {a % rank for a in self.axis}
        reduce_axes = tuple(a for a in range(rank) if a not in keep)
        count, mean, m2 = 0, np.zeros(shape), np.zeros(shape)
        for batch in batches:  # Chan et al.'s parallel update of mean and variance
            n = int(np.prod([batch.shape[a] for a in reduce_axes])) if reduce_axes else 1
            batch_mean = batch.mean(axis=reduce_axes, keepdims=True)
            batch_m2 = ((batch - batch_mean) ** 2).sum(axis=reduce_axes, keepdims=True)
            delta = batch_mean - mean
            total = count + n
            mean = mean + delta * n / total
            m2 = m2 + batch_m2 + delta**2 * count * n / total
            count = total
        self.mean.assign(mean.astype(self.dtype))
        self.variance.assign((m2 / max(count, 1)).astype(self.dtype))
        self.count.assign(np.asarray(count, dtype="int64"))
        self.adapted = True

    def call(self, inputs):
        inputs = ops.cast(inputs, self.dtype)
        std = ops.maximum(ops.sqrt(self.variance), epsilon())
        if self.invert:
            return ops.add(ops.multiply(inputs, std), self.mean)
        return ops.divide(ops.subtract(inputs, self.mean), std)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": _listify(self.input_mean), "variance": _listify(self.input_variance)})
        return config


def _listify(value):
    if value is None:
        return None
    return np.asarray(value).tolist()
