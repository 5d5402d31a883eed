"""Dense: ``activation(inputs @ kernel + bias)``."""

from kerasette import activations, constraints, initializers, ops, regularizers
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class Dense(Layer):
    """A densely-connected layer: ``output = activation(dot(input, kernel) + bias)``.

    Inputs of rank > 2 are multiplied along their last axis.

    Args:
        units: size of the output's last dimension.
        activation: name or function (default: none, i.e. linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (default "glorot_uniform", "zeros").
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: projections applied after each update.
        lora_rank, quantization_config: accepted for Keras 3 compatibility (configs written by
            Keras carry them); LoRA and quantization are not supported, so they must be None.

    Example:
        >>> layer = kerasette.layers.Dense(64, activation="relu")
        >>> layer(np.zeros((32, 784))).shape
        (32, 64)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None or quantization_config is not None:
            raise NotImplementedError(
                f'Dense "{self.name}": LoRA and quantization are not supported by kerasette '
                f"(got lora_rank={lora_rank!r}, quantization_config={quantization_config!r})."
            )
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f'Dense "{self.name}": units must be a positive integer, got {units!r}.')
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f'Dense "{self.name}" needs a known last dimension, got input shape {input_shape}.'
            )
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        x = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        return config
