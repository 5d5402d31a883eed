"""Scaled dot-product attention, written with other engine ops.

A composite rather than one fused op: its gradient is the gradient of two einsums, a
``where`` and a softmax, each already cross-checked against JAX, so it differentiates to
any order with no rule of its own. A fused op would save the ``(B, N, T, S)`` logits'
memory in the backward pass; at the sequence lengths a CPU trains on, that is not the
bottleneck (the einsums are).
"""

from ...attention import check_attention_arguments, large_negative
from ..registry import defcomposite


@defcomposite("dot_product_attention")
def dot_product_attention(F, query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """``softmax(query . key * scale + bias, masked) . value`` over (B, T, N, H) inputs,
    with grouped-query attention when key/value have fewer heads (see the contract).

    Example:
        >>> q = ops.ones((2, 4, 8, 16)); kv = ops.ones((2, 6, 8, 16))
        >>> ops.dot_product_attention(q, kv, kv).shape
        (2, 4, 8, 16)
    """
    query, key, value = (F.convert_to_tensor(x) for x in (query, key, value))
    check_attention_arguments(F.shape(query), F.shape(key), F.shape(value), flash_attention,
                              attn_logits_soft_cap)
    batch, length, heads, size = F.shape(query)
    kv_heads = F.shape(key)[2]
    groups = heads // kv_heads
    dtype = F.dtype(query)
    if scale is None:
        scale = 1.0 / float(size) ** 0.5
    # query head n = k * groups + g reads key/value head k (JAX's grouping)
    grouped = F.reshape(query, (batch, length, kv_heads, groups, size))
    logits = F.einsum("btkgh,bskh->bkgts", grouped, key)
    logits = F.reshape(logits, (batch, heads, length, F.shape(key)[1]))
    if dtype in ("float16", "bfloat16"):  # the softmax runs in float32, as in Keras
        logits = F.cast(logits, "float32")
    logits = F.multiply(logits, float(scale))
    if bias is not None:
        logits = F.add(logits, F.cast(bias, F.dtype(logits)))
    keep = None if mask is None else F.cast(mask, "bool")
    if is_causal:
        # query t sees keys s <= t (a lower-triangular (T, S) mask)
        causal = F.greater_equal(F.reshape(F.arange(length), (length, 1)),
                                 F.arange(F.shape(key)[1]))
        keep = causal if keep is None else F.logical_and(keep, causal)
    if keep is not None:
        logits = F.where(keep, logits, large_negative(F.dtype(logits)))
    probabilities = F.cast(F.softmax(logits, axis=-1), dtype)
    probabilities = F.reshape(probabilities, (batch, kv_heads, groups, length, -1))
    encoded = F.einsum("bkgts,bskh->btkgh", probabilities, value)
    return F.reshape(encoded, (batch, length, heads, F.shape(value)[3]))
