"""Linear algebra: matmul, dot, tensordot, einsum, transpose (``jax.numpy``'s)."""

import jax.numpy as jnp

from ..convert import promote, tensor
from ..dispatch import op

__all__ = ["matmul", "dot", "tensordot", "einsum", "transpose"]


@op("x1", "x2")
def matmul(x1, x2):
    return jnp.matmul(*promote(x1, x2))


@op("x1", "x2")
def dot(x1, x2):
    return jnp.dot(*promote(x1, x2))


@op("x1", "x2")
def tensordot(x1, x2, axes=2):
    return jnp.tensordot(*promote(x1, x2), axes=axes)


@op("operands")
def einsum(subscripts, *operands):
    return jnp.einsum(subscripts, *promote(*operands))


@op("x")
def transpose(x, axes=None):
    return jnp.transpose(tensor(x), axes)
