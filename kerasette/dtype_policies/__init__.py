"""Dtype policies (``keras.dtype_policies``): which dtypes a layer computes in and stores its
weights in; see :class:`DTypePolicy` and :mod:`kerasette.mixed_precision`.

A layer's ``dtype`` argument takes a policy, its name, or a serialized policy from a Keras 3
file; ``get``, ``serialize`` and ``deserialize`` convert between them.
"""

from kerasette.dtype_policies.dtype_policy import (
    _CLASS_NAMES,
    DTypePolicy,
    dtype_policy,
    reset_dtype_policy,
    set_dtype_policy,
    standardize_dtype_name,
)

#: the name Keras 3.0-3.3 gave the float policies
FloatDTypePolicy = DTypePolicy


def serialize(policy):
    """The Keras 3 config dict of ``policy``, as layers write it in their configs:
    ``{"module": "keras", "class_name": "DTypePolicy", "config": {"name": ...},
    "registered_name": None}``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """The policy described by ``config`` (what :func:`serialize` gives, or a Keras 3 file's
    ``DTypePolicy`` / ``FloatDTypePolicy`` dict).

    Raises:
        ValueError: ``config`` describes another class (quantized policies are not
            supported) or has no ``name``.
    """
    class_name = config.get("class_name") if isinstance(config, dict) else None
    inner = config.get("config") if isinstance(config, dict) else None
    if class_name not in _CLASS_NAMES or not isinstance(inner, dict) or "name" not in inner:
        raise ValueError(
            f"Could not interpret dtype policy {str(config)[:200]}: expected "
            "{'class_name': 'DTypePolicy', 'config': {'name': ...}} (kerasette supports the "
            "float policies, not quantized ones)."
        )
    return DTypePolicy.from_config({"name": inner["name"]})


def get(identifier):
    """The policy for ``identifier``: None (the global policy), a policy (returned as is), a
    name (``"mixed_float16"``, ``"float32"``), a dtype (``numpy.float16``) or a serialized
    policy dict."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    return DTypePolicy(standardize_dtype_name(identifier) if not isinstance(identifier, str)
                       else identifier)


__all__ = ["DTypePolicy", "FloatDTypePolicy", "get", "serialize", "deserialize",
           "dtype_policy", "set_dtype_policy"]
