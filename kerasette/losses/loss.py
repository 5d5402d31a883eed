"""``Loss``: the base class of every loss, and how per-sample values become one number.

A loss is ``call(y_true, y_pred)`` returning per-sample values (one per
sample, or one per timestep/pixel), then a *reduction* that weighs them by
``sample_weight`` and sums or averages them, exactly as Keras 3 does
(``keras/src/losses/loss.py``):

- ``"sum_over_batch_size"`` (default) and ``"mean"``: the weighted sum divided
  by the number of per-sample values (not by the sum of the weights);
- ``"mean_with_sample_weight"``: the weighted sum divided by the sum of the
  weights;
- ``"sum"``: the weighted sum;
- ``"none"`` or ``None``: the weighted per-sample values, unreduced.

Everything here is written with :mod:`kerasette.ops` only, so a loss runs on
every backend and inside ``jax.jit``.
"""

import inspect

from kerasette import ops
from kerasette.backends import config
from kerasette.backends.masking import get_keras_mask
from kerasette.utils.naming import auto_name, to_snake_case
from kerasette.serialization import get_registered_name, serialize_keras_object

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


class Loss:
    """Base class of losses: subclass it and implement :meth:`call`.

    Args:
        name: a name for the loss (default: the snake-cased class name).
        reduction: how the per-sample losses become the returned value, one of
            ``"sum_over_batch_size"`` (default), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None`` (see the
            module docstring).
        dtype: the dtype the inputs are converted to and the loss computed in
            (default ``floatx()``, float32).

    Example:
        >>> class MeanSquaredError(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
        >>> MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]])   # 0.5
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype or config.floatx()

    @property
    def dtype(self):
        """The dtype the loss is computed in (a string such as ``"float32"``)."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss of ``y_pred`` against ``y_true``, weighted by ``sample_weight``.

        ``sample_weight`` may be a scalar, one weight per sample (shape
        ``(batch,)``), or any shape that broadcasts against the per-sample
        losses after a trailing axis of 1 is added or removed.

        A mask attached to ``y_pred`` (the output of a model whose layers carry one, e.g.
        after ``Embedding(mask_zero=True)``) leaves the masked entries out, as Keras 3
        does: with ``"sum_over_batch_size"`` the loss is the mean over the others.
        """
        prediction_mask = get_keras_mask(y_pred)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        values = self.call(y_true, y_pred)
        mask = None
        for part in (prediction_mask, get_keras_mask(values),
                     self.compute_loss_mask(y_true, y_pred)):
            if part is not None:
                mask = part if mask is None else ops.logical_and(mask, part)
        return reduce_weighted_values(values, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def call(self, y_true, y_pred):
        """The per-sample losses (a tensor); subclasses implement this."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def compute_loss_mask(self, y_true, y_pred):
        """A boolean tensor of the per-sample losses that count, or None when all count.

        Masked-out entries are left out of the average: with
        ``"sum_over_batch_size"`` the sum is divided by the number of entries
        that count (``SparseCategoricalCrossentropy(ignore_class=...)`` uses this).
        """
        return None

    def get_config(self):
        """The constructor arguments as a JSON-friendly dict (Keras 3's keys)."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """A new loss from the dict :meth:`get_config` returned."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name} reduction={self.reduction}>"


class LossFunctionWrapper(Loss):
    """A :class:`Loss` made from a function ``fn(y_true, y_pred, **kwargs)`` of per-sample values.

    Before calling ``fn``, a trailing axis of size 1 is added to or removed
    from one of the inputs when their ranks differ by one (labels of shape
    ``(batch,)`` against predictions of shape ``(batch, 1)``).

    Args:
        fn: the loss function, returning per-sample values.
        reduction, name, dtype: as :class:`Loss`.
        **kwargs: keyword arguments passed to ``fn`` on every call.

    Example:
        >>> loss = LossFunctionWrapper(huber, delta=2.0)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        """``name``, ``reduction``, the keyword arguments of ``fn``, and ``fn`` itself unless
        the class fixes it (``Huber(delta=2.0)`` gives ``delta``)."""
        config = super().get_config()
        if type(self).__init__ is LossFunctionWrapper.__init__:
            config["fn"] = serialize_callable(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            from kerasette import losses

            config["fn"] = losses.deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        name = getattr(self.fn, "__name__", repr(self.fn))
        return f"<LossFunctionWrapper({name}, kwargs={self._fn_kwargs})>"


def serialize_callable(obj):
    """Keras 3's config of a loss or metric: an object with ``get_config``, or a function.

    A function is written by name, as ``keras.losses.serialize`` writes one:
    ``{"module": "builtins", "class_name": "function", "config": "huber",
    "registered_name": "function"}`` (a registered function by its registered name);
    an object as :func:`kerasette.saving.serialize_keras_object`
    writes it (``"module": "keras.losses"`` for built-in classes).
    """
    if inspect.isfunction(obj):
        return {"module": "builtins", "class_name": "function",
                "config": get_registered_name(obj) or obj.__name__, "registered_name": "function"}
    return serialize_keras_object(obj)


def standardize_reduction(reduction):
    """``reduction`` if it is one of :data:`REDUCTIONS`, else ``ValueError`` listing them."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid reduction {reduction!r}: expected one of "
            + ", ".join(repr(r) for r in REDUCTIONS) + "."
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """``(x1, x2)`` with a trailing axis of size 1 removed or added when their ranks differ by one.

    The tensor with the extra trailing 1 is squeezed, except that when the
    other one is 1-D (and ``expand_rank_1``) the 1-D one gets an axis instead
    (Keras 3's rule: labels ``(batch,)`` against predictions ``(batch, 1)``
    become ``(batch, 1)`` both).
    """
    x1_rank, x2_rank = ops.ndim(x1), ops.ndim(x2)
    if x1_rank == x2_rank:
        return x1, x2
    if x1_rank == x2_rank + 1 and ops.shape(x1)[-1] == 1:
        if x2_rank == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, axis=-1)
        else:
            x1 = ops.squeeze(x1, axis=-1)
    if x2_rank == x1_rank + 1 and ops.shape(x2)[-1] == 1:
        if x1_rank == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, axis=-1)
        else:
            x2 = ops.squeeze(x2, axis=-1)
    return x1, x2


def divide_no_nan(x1, x2):
    """``x1 / x2``, and 0 where ``x2`` is 0 (``keras.ops.divide_no_nan``)."""
    x2 = ops.convert_to_tensor(x2)
    zero = ops.equal(x2, 0)
    return ops.where(zero, ops.zeros_like(x2), ops.divide(x1, ops.where(zero, ops.ones_like(x2), x2)))


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sums or averages already-weighted ``values`` according to ``reduction``.

    Scalars and empty 1-D tensors are returned as they are, as in Keras 3.
    """
    shape = ops.shape(values)
    if reduction is None or reduction == "none" or shape == () or shape == (0,):
        return values
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            return divide_no_nan(loss, ops.cast(ops.sum(sample_weight), ops.dtype(loss)))
        # the number of values is known from the shape: no need to guard a zero at run time
        count = _num_elements(shape)
        if count == 0:
            return ops.zeros_like(loss)
        loss = ops.divide(loss, ops.cast(count, ops.dtype(loss)))
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Weighs the per-sample ``values`` by ``sample_weight`` (and ``mask``) and reduces them."""
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=dtype)
    if mask is not None:
        mask = ops.convert_to_tensor(mask)
    sample_weight = apply_mask(sample_weight, mask, dtype=ops.dtype(values), reduction=reduction)
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, ops.dtype(values))
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        _check_broadcastable(ops.shape(sample_weight), ops.shape(values))
        values = ops.multiply(values, sample_weight)
    return reduce_values(values, sample_weight, reduction)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Folds a boolean ``mask`` into ``sample_weight`` (None when both are None).

    For the averaging reductions the kept entries get weight ``total / kept``,
    so that dividing by the total number of entries averages over the kept ones.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = ops.cast(_num_elements(ops.shape(mask)), dtype)
        kept = ops.sum(ops.cast(mask, dtype))
        mask_weight = divide_no_nan(total, kept)
        float_mask = ops.where(ops.cast(mask, "bool"), mask_weight, ops.zeros_like(mask_weight))
    else:
        float_mask = ops.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = ops.cast(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return ops.multiply(sample_weight, float_mask)


def _check_broadcastable(weight_shape, values_shape):
    for w, v in zip(reversed(weight_shape), reversed(values_shape)):
        if w != v and w != 1 and v != 1:
            raise ValueError(
                f"sample_weight of shape {weight_shape} does not broadcast against the per-sample "
                f"losses of shape {values_shape}: give one weight per sample, of shape "
                f"{values_shape[:1]} or {values_shape}.")


def _num_elements(shape):
    count = 1
    for n in shape:
        count *= n
    return count
