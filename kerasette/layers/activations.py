"""Activation layers with parameters: ReLU, LeakyReLU, Softmax, ELU, PReLU."""

from kerasette import constraints, initializers, ops, regularizers
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class ReLU(Layer):
    """``min(max_value, x)`` for ``x >= threshold``, ``negative_slope * (x - threshold)`` below.

    Args:
        max_value: an upper bound (None: unbounded).
        negative_slope: slope below the threshold (default 0).
        threshold: where the slope changes (default 0).
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f'ReLU "{self.name}": max_value must be >= 0, got {max_value}.')
        if negative_slope < 0:
            raise ValueError(f'ReLU "{self.name}": negative_slope must be >= 0, got {negative_slope}.')
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True

    def call(self, inputs):
        from kerasette import activations
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(Layer):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below (default slope 0.3, as Keras)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class Softmax(Layer):
    """Softmax along ``axis`` (default -1); ``mask`` entries that are False (or not above 0.5)
    get probability 0. The mask must broadcast against the inputs from the right (as in
    Keras 3, the ``(batch, steps)`` mask of an Embedding does not fit ``(batch, steps,
    features)`` inputs)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.softmax(inputs, axis=self.axis)
        mask_shape, input_shape = tuple(ops.shape(mask)), tuple(ops.shape(inputs))
        if len(mask_shape) > len(input_shape) or any(
                m not in (1, i) for m, i in zip(reversed(mask_shape), reversed(input_shape))):
            raise ValueError(
                f'Softmax "{self.name}": the mask of shape {mask_shape} does not broadcast '
                f"against the inputs of shape {input_shape}; each of its dimensions, counted "
                "from the last, must be 1 or the inputs' (it may have fewer dimensions)."
            )
        if ops.dtype(mask) != "bool":
            mask = ops.greater(mask, 0.5)
        inputs = ops.where(mask, inputs, ops.full_like(inputs, -1e9))
        outputs = ops.softmax(inputs, axis=self.axis)
        # a row masked throughout would otherwise be uniform
        return ops.where(mask, outputs, ops.zeros_like(outputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class ELU(Layer):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below.

    Args:
        alpha: the scale of the negative part (default 1.0).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0``, ``alpha * x`` below, with ``alpha`` a learned
    weight of the input's shape (batch left out).

    Args:
        alpha_initializer: the initializer of ``alpha`` (default "Zeros": a ReLU at first).
        alpha_regularizer, alpha_constraint: a penalty and a projection for ``alpha``.
        shared_axes: the axes (1 is the first after the batch) along which ``alpha`` has size
            1 and is shared, e.g. ``[1, 2]`` for one slope per channel of
            ``(batch, height, width, channels)`` images.

    Example:
        >>> layer = kerasette.layers.PReLU(shared_axes=[1, 2])
        >>> layer(np.zeros((2, 5, 5, 3))).shape, layer.alpha.shape
        ((2, 5, 5, 3), (1, 1, 3))
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        rank = len(input_shape)
        shared = set()
        for axis in self.shared_axes or ():
            if not isinstance(axis, int) or not 1 <= axis < rank:
                raise ValueError(
                    f'PReLU "{self.name}": each of shared_axes must be an axis after the batch '
                    f"(1 to {rank - 1} for input shape {tuple(input_shape)}), got "
                    f"{self.shared_axes}."
                )
            shared.add(axis)
        shape = tuple(1 if axis in shared else input_shape[axis] for axis in range(1, rank))
        if None in shape:
            raise ValueError(
                f'PReLU "{self.name}": alpha needs a known size on every axis it is not shared '
                f"along, got input shape {tuple(input_shape)} with shared_axes="
                f"{self.shared_axes}."
            )
        self.alpha = self.add_weight(name="alpha", shape=shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.input_spec = InputSpec(ndim=rank, axes={axis: input_shape[axis]
                                                     for axis in range(1, rank)
                                                     if axis not in shared})

    def call(self, inputs):
        # relu(x) - alpha * relu(-x): the slope below 0 is alpha, at 0 the gradient is
        # relu's on both sides (Keras's formula, so gradients agree at x == 0 too)
        negative = ops.multiply(self.alpha, ops.relu(ops.negative(inputs)))
        return ops.subtract(ops.relu(inputs), negative)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
