"""Scaled dot-product attention: ``jax.nn.dot_product_attention``, as Keras 3's jax backend
calls it off TPU."""

import jax.nn as jnn
import jax.numpy as jnp

from ...attention import check_attention_arguments
from ..convert import tensor
from ..dispatch import op

__all__ = ["dot_product_attention"]


def _four_dimensional(x):
    # jax.nn wants bias and mask as 4-D arrays; the contract lets them broadcast
    return None if x is None else jnp.reshape(x, (1,) * (4 - x.ndim) + x.shape)


@op("query", "key", "value", "bias")
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    query, key, value = tensor(query), tensor(key), tensor(value)
    check_attention_arguments(query.shape, key.shape, value.shape, flash_attention,
                              attn_logits_soft_cap)
    dtype = jnp.result_type(query.dtype, key.dtype, value.dtype)
    query, key, value = query.astype(dtype), key.astype(dtype), value.astype(dtype)
    if bias is not None:
        bias = _four_dimensional(tensor(bias).astype(dtype))
    if mask is not None:
        mask = _four_dimensional(tensor(mask).astype(bool))
    return jnn.dot_product_attention(query, key, value, bias=bias, mask=mask, scale=scale,
                                     is_causal=is_causal, implementation="xla")
