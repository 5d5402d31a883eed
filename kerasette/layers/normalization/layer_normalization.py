"""LayerNormalization: normalizes each sample over its feature axes."""

import warnings

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.argument_validation import describe
from kerasette.layers.layer import Layer
from kerasette.layers.normalization.axes import axis_argument, broadcast_shape, normalized_axes


class LayerNormalization(Layer):
    """``gamma * (x - mean) / sqrt(variance + epsilon) + beta``, the statistics taken over
    ``axis`` of each sample separately (so training and inference compute the same thing).

    Args:
        axis: the axis or axes to normalize over (default -1); ``gamma`` and ``beta`` have
            their sizes.
        epsilon: added to the variance (default 1e-3).
        center: learn an offset ``beta``.
        scale: learn a factor ``gamma``.
        rms_scaling: deprecated in Keras 3 (use RMS normalization instead): divide by
            ``sqrt(variance + epsilon)`` without subtracting the mean, and learn no ``beta``.
        beta_initializer, gamma_initializer: initializers ("zeros", "ones").
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: projections applied after each update.

    Example:
        >>> layer = kerasette.layers.LayerNormalization()
        >>> layer(np.random.rand(2, 5)).shape
        (2, 5)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if rms_scaling:
            warnings.warn(
                "LayerNormalization(rms_scaling=True) is deprecated (as in Keras 3): it divides "
                "by the square root of the variance, not by the root mean square.", stacklevel=2)
        super().__init__(**kwargs)
        self.axis = axis_argument(self, axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self.gamma = self.beta = None

    def _axes(self, input_shape):
        """The normalized axes as sorted non-negative indices."""
        return normalized_axes(self, self.axis, input_shape)

    def build(self, input_shape):
        axes = self._axes(input_shape)
        shape = tuple(input_shape[axis] for axis in axes)
        if any(size is None for size in shape):
            raise ValueError(
                f"{describe(self)} needs known sizes along axis {self.axis}, got input shape "
                f"{tuple(input_shape)}."
            )
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(name="gamma", shape=shape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)

    def call(self, inputs):
        dtype = ops.dtype(inputs)
        compute_dtype = "float32" if dtype in ("float16", "bfloat16") else dtype
        x = ops.cast(inputs, compute_dtype)
        shape = ops.shape(x)
        axes = self._axes(shape)
        # gamma and beta hold the normalized axes' sizes: give them 1s elsewhere to broadcast
        broadcast = broadcast_shape(shape, axes)
        mean, variance = ops.moments(x, axes=axes, keepdims=True)
        inverse_std = ops.divide(1.0, ops.sqrt(ops.add(variance, self.epsilon)))
        if self.rms_scaling:
            outputs = ops.multiply(x, inverse_std)
        else:
            outputs = ops.multiply(ops.subtract(x, mean), inverse_std)
        if self.gamma is not None:
            outputs = ops.multiply(outputs, ops.reshape(ops.cast(self.gamma, compute_dtype),
                                                        broadcast))
        if self.beta is not None:
            outputs = ops.add(outputs, ops.reshape(ops.cast(self.beta, compute_dtype), broadcast))
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
