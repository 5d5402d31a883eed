"""The gradient rules, one module per family of ops. Importing this package fills
``registry.OPS`` and ``registry.COMPOSITES``."""

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
    crossentropy,
    random,
)
