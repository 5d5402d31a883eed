"""Neural-network ops (``keras.ops.nn``): activations, convolution and pooling, normalization, losses, attention.

The same functions as the flat :mod:`kerasette.ops` namespace, grouped as Keras 3 groups them:
``kerasette.ops.nn.X is kerasette.ops.X``. ``KERAS_NAMES`` lists the names Keras 3.15 has here;
the ones kerasette does not have yet are missing from the module (``tests/test_ops_namespaces.py``
reports them).
"""

from kerasette.ops import _grouped

#: every name of ``keras.ops.nn`` in Keras 3.15
KERAS_NAMES = (
    "adaptive_average_pool", "adaptive_max_pool", "average_pool", "batch_normalization",
    "binary_crossentropy", "categorical_crossentropy", "celu", "conv", "conv_transpose",
    "ctc_decode", "ctc_loss", "depth_to_space", "depthwise_conv", "dot_product_attention",
    "elu", "fold", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "layer_normalization", "leaky_relu", "log_sigmoid", "log_softmax", "max_pool",
    "moments", "multi_hot", "normalize", "one_hot", "polar", "psnr", "relu", "relu6",
    "rms_normalization", "selu", "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax",
    "softplus", "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus",
    "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh_shrink", "threshold", "unfold",
)

__all__ = _grouped(KERAS_NAMES, globals())
