"""SpectralNormalization: a layer's kernel divided by its largest singular value while
training (Miyato et al., 2018), estimated by power iteration."""

from kerasette import initializers, ops
from kerasette.layers.core.wrapper import Wrapper
from kerasette.layers.input_spec import InputSpec
from kerasette.utils.vectors import normalize


class SpectralNormalization(Wrapper):
    """Wraps a layer with a ``kernel`` (Dense, convolutions) or ``embeddings`` (Embedding)
    weight and, on each call with ``training=True``, replaces it with ``kernel / sigma``,
    ``sigma`` its spectral norm (of the kernel as a ``(-1, last_dim)`` matrix) estimated by
    ``power_iterations`` steps of power iteration from the kept vector ``vector_u``. Calls at
    inference use the kernel as it is. This constrains the layer's Lipschitz constant, as
    GAN discriminators need.

    As in Keras 3, the normalized kernel is assigned to the wrapped layer's variable: a
    direct call keeps it, while in ``fit`` (a stateless step) the step's forward pass uses it
    and its gradient flows through the normalization, and only ``vector_u`` (non-trainable)
    carries over to the next step. An all-zero kernel is left as it is.

    Weights, as in Keras: the wrapper's own "kernel" (the wrapped layer's, shared) and
    "vector_u" ``(1, last_dim)`` (non-trainable, truncated-normal with stddev 0.02), then the
    wrapped layer's under ``layer/``.

    Args:
        layer: the layer to normalize.
        power_iterations: the power-iteration steps per training call (default 1).

    Example:
        >>> layer = kerasette.layers.SpectralNormalization(kerasette.layers.Dense(8))
        >>> layer(np.ones((2, 4)), training=True).shape
        (2, 8)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, int) or power_iterations <= 0:
            raise ValueError(
                f'SpectralNormalization "{self.name}": power_iterations must be a positive '
                f"integer, got {power_iterations!r}."
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(
                f'SpectralNormalization "{self.name}": the wrapped layer '
                f'{type(self.layer).__name__} "{self.layer.name}" has neither a kernel nor '
                "embeddings to normalize."
            )
        self.kernel = kernel
        self.vector_u = self.add_weight(
            name="vector_u", shape=(1, kernel.shape[-1]), trainable=False,
            initializer=initializers.TruncatedNormal(stddev=0.02), dtype=kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            vector_u, kernel = self.normalized_weights()
            self.vector_u.assign(vector_u)
            self.kernel.assign(kernel)
        return ops.cast(self.layer(inputs), ops.dtype(inputs))

    def normalized_weights(self):
        """``(vector_u, kernel / sigma)``: the power iteration's new vector and the kernel
        divided by its estimated spectral norm (both unchanged for an all-zero kernel)."""
        kernel = ops.convert_to_tensor(self.kernel)
        matrix = ops.reshape(kernel, (-1, kernel.shape[-1]))
        vector_u = ops.convert_to_tensor(self.vector_u)
        for _ in range(self.power_iterations):
            vector_v = normalize(ops.matmul(vector_u, ops.transpose(matrix)), axis=None)
            vector_u = normalize(ops.matmul(vector_v, matrix), axis=None)
        # the singular vectors are estimates, not functions to differentiate (as Keras)
        vector_u, vector_v = ops.stop_gradient(vector_u), ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, matrix), ops.transpose(vector_u))
        # where, not cond: one traced program; a zero kernel divides by 1 and keeps its u
        zero = ops.all(ops.equal(kernel, 0))
        sigma = ops.where(zero, ops.ones_like(sigma), sigma)
        vector_u = ops.where(zero, ops.convert_to_tensor(self.vector_u), vector_u)
        return vector_u, ops.divide(kernel, ops.reshape(sigma, ()))

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
