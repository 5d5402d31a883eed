"""RMSNormalization: divides each sample by its root mean square."""

from kerasette import ops
from kerasette.layers.layer import Layer
from kerasette.layers.normalization.axes import axis_argument, broadcast_shape, normalized_axes


class RMSNormalization(Layer):
    """``x / sqrt(mean(x ** 2) + epsilon) * scale``, the mean taken over ``axis`` of each
    sample (root mean square normalization, Zhang and Sennrich 2019): no centering, one
    learned ``scale`` over the normalized axes.

    Args:
        axis: the axis or axes to normalize over (default -1).
        epsilon: added to the mean square (default 1e-6).

    Example:
        >>> layer = kerasette.layers.RMSNormalization()
        >>> layer(np.random.rand(2, 5)).shape
        (2, 5)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_argument(self, axis)
        self.epsilon = epsilon
        self.supports_masking = True
        self.scale = None

    def build(self, input_shape):
        axes = normalized_axes(self, self.axis, input_shape)
        self.scale = self.add_weight(name="scale", shape=tuple(input_shape[a] for a in axes),
                                     initializer="ones")

    def call(self, inputs):
        dtype = ops.dtype(inputs)
        # half precision squares overflow: compute in float32 at least, as Keras does
        compute_dtype = "float32" if dtype in ("float16", "bfloat16") else dtype
        x = ops.cast(inputs, compute_dtype)
        shape = ops.shape(x)
        axes = normalized_axes(self, self.axis, shape)
        mean_square = ops.mean(ops.square(x), axis=tuple(axes), keepdims=True)
        outputs = ops.divide(x, ops.sqrt(ops.add(mean_square, self.epsilon)))
        scale = ops.reshape(ops.cast(self.scale, compute_dtype), broadcast_shape(shape, axes))
        return ops.cast(ops.multiply(outputs, scale), dtype)

    def compute_output_shape(self, input_shape):
        normalized_axes(self, self.axis, input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
