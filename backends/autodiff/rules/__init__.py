"""The gradient rules, one module per family of ops. Importing this package fills
``registry.OPS`` and ``registry.COMPOSITES``.

In every rule, ``F`` is the engine itself: its ops, called on engine tensors, so that a
gradient is recorded like any computation and can be differentiated again (see
:mod:`..registry` for the signatures of forwards, ``vjp`` rules and composites)."""

from . import (  # noqa: F401
    elementwise,
    activations,
    reductions,
    linalg,
    shape,
    indexing,
    convolution,
    pooling,
    normalization,
    recurrent,
    attention,
    image,
    crossentropy,
    ctc,
    random,
    optimizers,
    custom_gradient,
    control_flow,
)
