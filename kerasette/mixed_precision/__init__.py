"""Mixed precision (``keras.mixed_precision``): compute in float16 or bfloat16, keep the
weights in float32.

Example (Keras's mixed precision workflow)::

    kerasette.mixed_precision.set_global_policy("mixed_float16")
    model = kerasette.Sequential([
        kerasette.Input((784,)),
        kerasette.layers.Dense(256, activation="relu"),   # computes in float16
        kerasette.layers.Dense(10),
        kerasette.layers.Activation("softmax", dtype="float32"),  # outputs in float32
    ])
    model.compile("adam", "sparse_categorical_crossentropy")  # a LossScaleOptimizer

Under "mixed_float16", ``compile`` wraps the optimizer in a :class:`LossScaleOptimizer`
(``auto_scale_loss=True``), so that small float16 gradients do not underflow to zero.
"""

from kerasette.dtype_policies import DTypePolicy
from kerasette.dtype_policies import dtype_policy as global_policy
from kerasette.dtype_policies import set_dtype_policy as set_global_policy
from kerasette.optimizers.loss_scale_optimizer import LossScaleOptimizer

#: Keras 3's other names for the same things
Policy = DTypePolicy
dtype_policy = global_policy
set_dtype_policy = set_global_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy",
           "set_dtype_policy", "set_global_policy"]
