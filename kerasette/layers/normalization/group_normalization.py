"""GroupNormalization: normalizes each sample over groups of channels."""

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.argument_validation import describe
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class GroupNormalization(Layer):
    """Splits the channels (``axis``) into ``groups`` contiguous groups and normalizes each
    sample over each group (its channels and all other non-batch axes), then applies a
    per-channel ``gamma`` and ``beta`` (Wu and He 2018). ``groups=1`` normalizes over all of
    a sample, like LayerNormalization over every axis; ``groups=-1`` (one group per channel)
    is instance normalization.

    Args:
        groups: the number of groups, dividing the channel count (default 32; -1: one per
            channel).
        axis: the channel axis (default -1).
        epsilon: added to the variance (default 1e-3).
        center, scale: learn the offset ``beta`` / the factor ``gamma``.
        beta_initializer, gamma_initializer: initializers ("zeros", "ones").
        beta_regularizer, gamma_regularizer: penalties added to the loss.
        beta_constraint, gamma_constraint: projections applied after each update.

    Example:
        >>> layer = kerasette.layers.GroupNormalization(groups=2)
        >>> layer(np.random.rand(2, 5, 4)).shape
        (2, 5, 4)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and
                                                                        groups != -1):
            raise ValueError(f"{describe(self)}: groups must be a positive integer (or -1 for "
                             f"instance normalization), got {groups!r}.")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"{describe(self)}: axis must be an int, got {axis!r}.")
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.autocast = False
        self.gamma = self.beta = None

    def _channel_axis(self, input_shape):
        rank = len(input_shape)
        if not -rank < self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"{describe(self)}: axis {self.axis} is not a channel axis of input "
                             f"shape {tuple(input_shape)} (rank {rank}; axis 0 is the batch).")
        return self.axis % rank

    def build(self, input_shape):
        axis = self._channel_axis(input_shape)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"{describe(self)} needs a known size along axis {self.axis}, got "
                             f"input shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = channels
        if self.groups > channels or channels % self.groups:
            raise ValueError(f"{describe(self)}: groups={self.groups} must divide the "
                             f"{channels} channels of input shape {tuple(input_shape)}.")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=(channels,),
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if self.center:
            self.beta = self.add_weight(name="beta", shape=(channels,),
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)

    def call(self, inputs):
        dtype = ops.dtype(inputs)
        compute_dtype = "float32" if dtype in ("float16", "bfloat16") else dtype
        x = ops.cast(inputs, compute_dtype)
        shape = ops.shape(x)
        axis = self._channel_axis(shape)
        # the channel axis split in two: (groups, channels per group)
        grouped_shape = shape[:axis] + (self.groups, shape[axis] // self.groups) + shape[axis + 1:]
        grouped = ops.reshape(x, grouped_shape)
        reduced = [a for a in range(1, len(grouped_shape)) if a != axis]
        mean, variance = ops.moments(grouped, axes=reduced, keepdims=True)
        # gamma and beta per channel, in the grouped layout
        parameter_shape = [1] * len(grouped_shape)
        parameter_shape[axis:axis + 2] = grouped_shape[axis:axis + 2]
        inverse = ops.divide(1.0, ops.sqrt(ops.add(variance, self.epsilon)))
        if self.gamma is not None:
            inverse = ops.multiply(inverse, ops.reshape(ops.cast(self.gamma, compute_dtype),
                                                        parameter_shape))
        shift = ops.negative(ops.multiply(mean, inverse))
        if self.beta is not None:
            shift = ops.add(shift, ops.reshape(ops.cast(self.beta, compute_dtype),
                                               parameter_shape))
        outputs = ops.add(ops.multiply(grouped, inverse), shift)
        return ops.cast(ops.reshape(outputs, shape), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        self._channel_axis(input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config
