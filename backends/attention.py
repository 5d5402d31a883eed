"""Argument checks and the masking constant of ``dot_product_attention``, shared by every
backend: plain Python on shapes, so the numpy engine and the JAX backend refuse the same
arguments with the same errors."""


def check_attention_arguments(query, key, value, flash_attention, attn_logits_soft_cap):
    """Raises ``ValueError`` for what ``dot_product_attention`` does not support: inputs not
    4-D, key/value head counts that do not divide the query's, flash attention and soft caps
    (TPU/cuDNN features in Keras). Shared by every backend (shapes as tuples)."""
    shapes = (tuple(query), tuple(key), tuple(value))
    if any(len(shape) != 4 for shape in shapes):
        raise ValueError(
            f"dot_product_attention expects 4-D (batch, length, heads, head size) query, key "
            f"and value, got shapes {shapes[0]}, {shapes[1]} and {shapes[2]}.")
    heads, kv_heads = shapes[0][2], shapes[1][2]
    if shapes[1][2] != shapes[2][2] or (heads is not None and kv_heads and heads % kv_heads):
        raise ValueError(
            f"dot_product_attention: key and value need the same number of heads, dividing "
            f"the query's {heads}; got key shape {shapes[1]}, value shape {shapes[2]}.")
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention=True needs cuDNN or a TPU "
                         "(as in Keras); pass flash_attention=None or False.")
    if attn_logits_soft_cap is not None:
        raise ValueError("dot_product_attention: attn_logits_soft_cap is only supported by "
                         "JAX on TPU (as in Keras); pass None.")


def large_negative(dtype):
    """The logit given to masked positions: Keras's value, far below any real logit and
    still finite in ``dtype`` (so a fully masked row becomes a uniform softmax, not NaN)."""
    return -0.7 * (65500.0 if dtype == "float16" else 3.38953e38)
