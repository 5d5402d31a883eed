"""UnitNormalization: scales each sample to unit L2 norm."""

from kerasette import ops
from kerasette.layers.layer import Layer
from kerasette.layers.normalization.axes import axis_argument, normalized_axes

# the smallest squared norm divided by (Keras's): a zero sample stays zero instead of NaN
_EPSILON = 1e-12


class UnitNormalization(Layer):
    """``x / ||x||_2``, the norm taken over ``axis`` of each sample; no weights.

    Args:
        axis: the axis or axes the norm runs over (default -1).

    Example:
        >>> layer = kerasette.layers.UnitNormalization()
        >>> y = layer(np.array([[3.0, 4.0]]))   # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis_argument(self, axis)
        self.supports_masking = True

    def call(self, inputs):
        axes = tuple(normalized_axes(self, self.axis, ops.shape(inputs)))
        square_sum = ops.sum(ops.square(inputs), axis=axes, keepdims=True)
        # x * min(1 / sqrt(s), 1 / epsilon), written as x / sqrt(max(s, epsilon ** 2))
        return ops.divide(inputs, ops.sqrt(ops.maximum(square_sum, _EPSILON ** 2)))

    def compute_output_shape(self, input_shape):
        normalized_axes(self, self.axis, input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
