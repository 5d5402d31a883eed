"""The jax backend's ops, one module per family of the contract. Each module lists its
contract names in ``__all__``; :mod:`~kerasette.backends.jax.backend` binds them."""

from . import (  # noqa: F401
    activations,
    attention,
    convolution,
    crossentropy,
    elementwise,
    image,
    indexing,
    linalg,
    normalization,
    optimizers,
    pooling,
    random,
    recurrent,
    reductions,
    shape,
)

MODULES = (elementwise, activations, reductions, linalg, shape, indexing, convolution,
           pooling, normalization, recurrent, attention, crossentropy, optimizers, image)
