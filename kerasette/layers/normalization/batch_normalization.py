"""BatchNormalization: normalizes with the batch's statistics while training and with their
moving averages at inference."""

from kerasette import constraints, initializers, ops, regularizers
from kerasette.backends.config import epsilon as fuzz_factor
from kerasette.layers.argument_validation import describe
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer

_RENORM_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


class BatchNormalization(Layer):
    """``gamma * (x - mean) / sqrt(variance + epsilon) + beta`` per feature along ``axis``.

    With ``training=True`` (as in ``fit``) and a trainable layer, ``mean`` and ``variance``
    are the current batch's, and the moving averages are updated:
    ``moving = moving * momentum + batch * (1 - momentum)``. Otherwise (inference, or a
    frozen layer: ``trainable = False``) the moving averages are used, as in Keras 3.

    The weights, in Keras's order: ``gamma`` and ``beta`` (trainable, when ``scale`` and
    ``center``), ``moving_mean`` and ``moving_variance`` (non-trainable).

    Args:
        axis: the feature axis (default -1; 1 for channels_first images).
        momentum: of the moving averages (default 0.99).
        epsilon: added to the variance (default 1e-3).
        center: learn an offset ``beta``.
        scale: learn a factor ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: initializers ("zeros", "ones", "zeros", "ones").
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: projections applied after each update.
        renorm: batch renormalization (Ioffe, 2017): the batch statistics are corrected
            towards moving averages by factors ``r`` and ``d`` (no gradient through them).
        renorm_clipping: ``{"rmax", "rmin", "dmax"}`` bounds for ``r`` and ``|d|``.
        renorm_momentum: momentum of the renormalization averages.
        synchronized: accepted for Keras compatibility; kerasette trains on one device, where
            it changes nothing.

    Example:
        >>> model = kerasette.Sequential([kerasette.Input((8,)), kerasette.layers.Dense(16),
        ...                               kerasette.layers.BatchNormalization()])
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        who = describe(self)
        if isinstance(axis, (list, tuple)) or isinstance(axis, bool):
            raise ValueError(f"{who}: axis must be an int, got {axis!r}.")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.synchronized = synchronized
        self.renorm = renorm
        if renorm:
            renorm_clipping = dict(renorm_clipping or {})
            unknown = set(renorm_clipping) - set(_RENORM_CLIPPING_KEYS)
            if unknown:
                raise ValueError(
                    f"{who}: unknown renorm_clipping keys {sorted(unknown)}; the keys are "
                    f"{list(_RENORM_CLIPPING_KEYS)}."
                )
            rmin, rmax = renorm_clipping.get("rmin"), renorm_clipping.get("rmax")
            dmax = renorm_clipping.get("dmax")
            if rmin is not None and rmax is not None and rmax < rmin:
                raise ValueError(f"{who}: renorm_clipping needs rmax >= rmin, got rmax={rmax}, "
                                 f"rmin={rmin}.")
            if dmax is not None and dmax < 0:
                raise ValueError(f"{who}: renorm_clipping needs dmax >= 0, got dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)
        self.supports_masking = True
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def _feature_axis(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"{describe(self)}: axis {self.axis} is out of range for input shape "
                f"{tuple(input_shape)} (rank {rank})."
            )
        return self.axis % rank

    def build(self, input_shape):
        axis = self._feature_axis(input_shape)
        size = input_shape[axis]
        if size is None:
            raise ValueError(
                f"{describe(self)} needs a known size along axis {self.axis}, got input shape "
                f"{tuple(input_shape)}."
            )
        shape = (size,)
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=shape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=shape,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        if self.renorm:
            # the moving standard deviation is tracked instead of the variance (as in the
            # paper); each starts at the square root of the moving variance's initial value
            stddev = ops.sqrt(self.moving_variance.value)
            self.moving_stddev = self.add_weight(name="moving_stddev", shape=shape,
                                                 initializer=stddev,
                                                 trainable=False, autocast=False)
            self.renorm_mean = self.add_weight(name="renorm_mean", shape=shape,
                                               initializer=self.moving_mean.value,
                                               trainable=False, autocast=False)
            self.renorm_stddev = self.add_weight(name="renorm_stddev", shape=shape,
                                                 initializer=stddev,
                                                 trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: size})
        self._reduction_axes = tuple(a for a in range(len(input_shape)) if a != axis)

    def call(self, inputs, training=None, mask=None):
        dtype = ops.dtype(inputs)
        compute_dtype = "float32" if dtype in ("float16", "bfloat16") else dtype
        inputs = ops.cast(inputs, compute_dtype)
        gamma = None if self.gamma is None else ops.cast(self.gamma, compute_dtype)
        beta = None if self.beta is None else ops.cast(self.beta, compute_dtype)
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            if self.renorm:
                gamma, beta = self._renormalize(mean, variance, gamma, beta, compute_dtype)
            else:
                self._update_moving_statistics(mean, variance)
        else:
            mean = ops.cast(self.moving_mean, compute_dtype)
            variance = ops.cast(self.moving_variance, compute_dtype)
        outputs = ops.batch_normalization(inputs, mean, variance, axis=self.axis, offset=beta,
                                          scale=gamma, epsilon=self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def _moments(self, inputs, mask):
        """The batch mean and variance per feature; with a ``mask`` (the input's shape without
        the feature axis), only the unmasked positions count."""
        if mask is None:
            return ops.moments(inputs, axes=self._reduction_axes)
        if len(ops.shape(mask)) != len(ops.shape(inputs)) - 1:
            raise ValueError(
                f"{describe(self)}: the mask must have one dimension less than the inputs, got "
                f"mask shape {ops.shape(mask)} and input shape {ops.shape(inputs)}."
            )
        weights = ops.cast(ops.expand_dims(mask, -1), ops.dtype(inputs))
        count = ops.add(ops.sum(ops.broadcast_to(weights, ops.shape(inputs)),
                                axis=self._reduction_axes), fuzz_factor())
        mean = ops.divide(ops.sum(ops.multiply(inputs, weights), axis=self._reduction_axes),
                          count)
        centered = ops.multiply(ops.subtract(inputs, _along(mean, self.axis, inputs)), weights)
        variance = ops.divide(ops.sum(ops.square(centered), axis=self._reduction_axes), count)
        return mean, variance

    def _moving_average(self, variable, value, momentum):
        """``variable * momentum + value * (1 - momentum)``, assigned; no gradient flows into
        the statistics."""
        old = ops.cast(variable, ops.dtype(value))
        variable.assign(ops.add(ops.multiply(old, momentum),
                                ops.multiply(ops.stop_gradient(value), 1.0 - momentum)))

    def _update_moving_statistics(self, mean, variance):
        self._moving_average(self.moving_mean, mean, self.momentum)
        self._moving_average(self.moving_variance, variance, self.momentum)

    def _renormalize(self, mean, variance, gamma, beta, dtype):
        """Batch renormalization: the ``gamma`` and ``beta`` that apply the corrections ``r``
        and ``d``, after updating the renormalization and moving statistics."""
        stddev = ops.sqrt(ops.add(variance, self.epsilon))
        renorm_mean = ops.cast(self.renorm_mean, dtype)
        renorm_stddev = ops.maximum(ops.cast(self.renorm_stddev, dtype), self.epsilon ** 0.5)
        r = ops.divide(stddev, renorm_stddev)
        d = ops.divide(ops.subtract(mean, renorm_mean), renorm_stddev)
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = ops.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = ops.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = ops.clip(d, -clipping["dmax"], clipping["dmax"])
        r, d = ops.stop_gradient(r), ops.stop_gradient(d)
        # (x_hat * r + d) * gamma + beta = x_hat * (r * gamma) + (d * gamma + beta)
        new_beta = d if gamma is None else ops.multiply(d, gamma)
        new_gamma = r if gamma is None else ops.multiply(r, gamma)
        if beta is not None:
            new_beta = ops.add(new_beta, beta)

        self._moving_average(self.renorm_mean, mean, self.renorm_momentum)
        self._moving_average(self.renorm_stddev, stddev, self.renorm_momentum)
        self._moving_average(self.moving_mean, mean, self.momentum)
        self._moving_average(self.moving_stddev, stddev, self.momentum)
        moving_stddev = self.moving_stddev.value
        self.moving_variance.assign(
            ops.relu(ops.subtract(ops.square(moving_stddev), self.epsilon)))
        return new_gamma, new_beta

    def compute_output_shape(self, input_shape):
        self._feature_axis(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config


def _along(vector, axis, x):
    """``vector`` (one value per entry of ``x``'s ``axis``) shaped to broadcast against ``x``."""
    shape = [1] * len(ops.shape(x))
    shape[axis] = -1
    return ops.reshape(vector, shape)
