"""``DTypePolicy``: the dtypes a layer computes in and keeps its weights in (Keras 3's).

A policy is named by a dtype ("float32", "float16", "bfloat16", ...), where both dtypes are
that one, or by a mixed precision name: "mixed_float16" and "mixed_bfloat16" compute in
float16/bfloat16 and keep the variables in float32, so that the optimizer's small updates
are not rounded away while the matmuls run in half precision.

The global policy (:func:`set_dtype_policy`) is what a layer created without ``dtype=``
takes; until one is set it is the policy of ``floatx()``.
"""

import numpy as np

from kerasette.backends.config import floatx

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}

#: class names a Keras 3 file may give a float policy (``FloatDTypePolicy``: Keras 3.0-3.3)
_CLASS_NAMES = ("DTypePolicy", "FloatDTypePolicy")

_global_policy = None  # None: the policy of floatx()


def standardize_dtype_name(name, where="DTypePolicy"):
    """The canonical name of the dtype ``name`` ("float" -> "float32", np.float16 ->
    "float16"); "bfloat16" needs no numpy support to be named."""
    name = getattr(name, "name", name)
    if name in ("bfloat16", "string"):  # "string": string inputs of preprocessing layers
        return name
    try:
        return np.dtype(name).name
    except TypeError as error:
        raise ValueError(
            f"{where}: {name!r} is not a dtype or a dtype policy name: expected a dtype such "
            "as 'float32', 'float16', 'bfloat16', or 'mixed_float16' / 'mixed_bfloat16'."
        ) from error


def require_bfloat16(where):
    """Makes numpy know the dtype "bfloat16" (registered by the package ml_dtypes, which
    jax installs), or raises ImportError saying what ``where`` needs."""
    try:
        np.dtype("bfloat16")
        return
    except TypeError:
        pass
    try:
        import ml_dtypes  # noqa: F401  (registers bfloat16 with numpy)
    except ImportError as error:
        raise ImportError(
            f"{where} computes in bfloat16, which numpy knows only through the package "
            "ml_dtypes: install it (`pip install ml_dtypes`; it comes with jax), or use "
            "'mixed_float16' / 'float16'."
        ) from error


class DTypePolicy:
    """The dtypes of a layer's computations and of its variables (Keras 3
    ``keras.DTypePolicy``).

    Args:
        name: "float32", "float16", "bfloat16", "float64" (both dtypes are that one; any
            other dtype name too, such as "int32" for integer preprocessing), or
            "mixed_float16" / "mixed_bfloat16" (compute in float16 / bfloat16, variables in
            float32). Default: the global policy's name.

    Example:
        >>> policy = kerasette.dtype_policies.DTypePolicy("mixed_float16")
        >>> policy.compute_dtype, policy.variable_dtype
        ('float16', 'float32')
        >>> layer = kerasette.layers.Dense(10, dtype=policy)
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: name must be a string such as 'mixed_float16', "
                            f"got {name!r} of type {type(name).__name__}.")
        if name in _MIXED:
            self._name = name
            self._compute_dtype, self._variable_dtype = _MIXED[name], "float32"
        else:
            self._name = standardize_dtype_name(name)
            self._compute_dtype = self._variable_dtype = self._name
        if self._compute_dtype == "bfloat16":
            require_bfloat16(f'DTypePolicy "{self._name}"')

    @property
    def name(self):
        """The policy's name ("mixed_float16", "float32", ...)."""
        return self._name

    @property
    def compute_dtype(self):
        """The dtype a layer computes in: its inputs are cast to it, and its variables are
        read as it inside ``call``."""
        return self._compute_dtype

    @property
    def variable_dtype(self):
        """The dtype a layer creates its variables in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """None: float policies quantize nothing (Keras 3's attribute)."""
        return None

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    def __hash__(self):
        return hash((type(self).__name__, self.name))

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'


def set_dtype_policy(policy):
    """Sets the global policy: the one layers created from now on without ``dtype=`` take
    (Keras 3 ``keras.config.set_dtype_policy``, ``keras.mixed_precision.set_global_policy``).

    Args:
        policy: a :class:`DTypePolicy` or its name (``"mixed_float16"``).

    Example:
        >>> kerasette.mixed_precision.set_global_policy("mixed_float16")
        >>> kerasette.layers.Dense(4).compute_dtype
        'float16'
    """
    global _global_policy
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError(f"set_dtype_policy: expected a DTypePolicy or its name (such as "
                         f"'mixed_float16'), got {policy!r}.")
    _global_policy = policy


def dtype_policy():
    """The global policy (Keras 3 ``keras.config.dtype_policy``): the one set with
    :func:`set_dtype_policy`, else the policy of ``floatx()``."""
    if _global_policy is None:
        return DTypePolicy(floatx())
    return _global_policy


def reset_dtype_policy():
    """Forgets the global policy (``clear_session``): layers take ``floatx()``'s again."""
    global _global_policy
    _global_policy = None
