"""Reduction metrics: ``Sum``, ``Mean``, and ``MeanMetricWrapper`` (the mean of a per-sample function).

Sample weights follow Keras 3: values are first reduced to one per sample
over the axes the weights do not cover, then weighted; ``Mean`` divides the
weighted total by the total weight.
"""

from kerasette import ops
from kerasette.backends.masking import get_keras_mask
from kerasette.losses.loss import (
    apply_mask,
    divide_no_nan,
    serialize_callable,
    squeeze_or_expand_to_same_rank,
)
from kerasette.metrics.metric import Metric


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype, mask=None):
    """``(values, sample_weight)`` with one value (and one weight) per sample.

    Axes of ``values`` beyond the rank of ``sample_weight`` are reduced with
    ``reduce_fn`` before weighting; the remaining non-batch axes after it.
    ``mask`` (boolean, or None) is folded into ``sample_weight`` when one is given.
    """
    values = ops.cast(ops.convert_to_tensor(values), dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(ops.convert_to_tensor(sample_weight), dtype)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype=dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = ops.ndim(sample_weight), ops.ndim(values)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = ops.multiply(values, sample_weight)
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if ops.ndim(values) > 1:
        values = reduce_fn(values, axis=tuple(range(1, ops.ndim(values))))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the values seen.

    Args:
        name: the metric's name (default ``"sum"``).
        dtype: the dtype of the state and the result.

    Example:
        >>> m = Sum()
        >>> m.update_state([1, 3, 5, 7])
        >>> m.result()   # 16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        """Adds the sum of ``values`` (times ``sample_weight``, when given)."""
        values, _ = reduce_to_samplewise_values(values, sample_weight, ops.sum, self.dtype)
        self.total.assign_add(ops.sum(values))

    def result(self):
        return ops.cast(self.total, self.dtype)


class Mean(Metric):
    """The (weighted) mean of the values seen: ``total / count``.

    Args:
        name: the metric's name (default ``"mean"``).
        dtype: the dtype of the state and the result.

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> m.result()   # 2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable((), "zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        """Adds the values of one batch; each sample counts ``sample_weight`` times (default 1)."""
        self._update(values, sample_weight)

    def _update(self, values, sample_weight, mask=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, ops.mean,
                                                            self.dtype, mask=mask)
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            num_samples = ops.sum(sample_weight)
        elif ops.ndim(values) >= 1:
            num_samples = ops.shape(values)[0]
        else:
            num_samples = 1
        self.count.assign_add(ops.cast(num_samples, self.dtype))

    def result(self):
        return divide_no_nan(self.total, ops.cast(self.count, self.dtype))


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function ``fn(y_true, y_pred, **kwargs)`` over all samples seen.

    Args:
        fn: the function, returning one value per sample (a loss function, say).
        name: the metric's name.
        dtype: the dtype of the state and the result.
        **kwargs: keyword arguments passed to ``fn`` on every call.

    Example:
        >>> m = MeanMetricWrapper(kerasette.losses.mean_squared_error, name="mse")
        >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
        >>> m.result()   # 0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds ``fn(y_true, y_pred)`` of one batch, weighted by ``sample_weight``; entries
        masked by a mask attached to ``y_pred`` (a model's output after
        ``Embedding(mask_zero=True)``, say) do not count, as in Keras 3."""
        prediction_mask = get_keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if prediction_mask is not None:
            sample_weight = apply_mask(sample_weight, prediction_mask, dtype=self.dtype,
                                       reduction="sum")
        self._update(values, sample_weight, mask=self.compute_values_mask(y_true, y_pred))

    def compute_values_mask(self, y_true, y_pred):
        """A boolean mask of the values that count when weighted, or None (all count)."""
        return None

    def get_config(self):
        """``name``, ``dtype``, the keyword arguments of ``fn``, and ``fn`` itself unless
        the class fixes it (``BinaryAccuracy(threshold=0.7)`` gives ``threshold``)."""
        config = super().get_config()
        if type(self).__init__ is MeanMetricWrapper.__init__:
            config["fn"] = serialize_callable(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            from kerasette.metrics import _function_by_config

            config["fn"] = _function_by_config(config["fn"])
        return cls(**config)
