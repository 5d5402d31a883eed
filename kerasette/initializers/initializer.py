"""``Initializer``: the base class of every initializer, and the dtype rule they share."""

import numpy as np

from kerasette.backends.config import floatx
from kerasette.dtype_policies.dtype_policy import require_bfloat16


class Initializer:
    """Base class of initializers (Keras 3 ``keras.initializers.Initializer``).

    An initializer is called as ``initializer(shape, dtype=None)`` and returns
    the initial value. kerasette's initializers return **numpy arrays** of the
    requested dtype (default ``floatx()``), computed on the host; the Variable
    moves them to its backend. That is why the same seed gives bit-identical
    initial weights on every backend.

    Subclasses implement ``__call__`` and, when they take arguments,
    ``get_config`` (the default ``from_config`` passes the config to the
    constructor).

    Example:
        >>> class Halves(kerasette.initializers.Initializer):
        ...     def __call__(self, shape, dtype=None):
        ...         return np.full(shape, 0.5, dtype=dtype or "float32")
    """

    def __call__(self, shape, dtype=None):
        """The initial value of a tensor of ``shape`` and ``dtype`` (default ``floatx()``)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement __call__(shape, dtype=None)."
        )

    def get_config(self):
        """The constructor arguments, as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An initializer built from :meth:`get_config`'s output."""
        return cls(**config)

    def clone(self):
        """A new initializer with the same configuration."""
        return self.__class__.from_config(self.get_config())

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


def numpy_dtype(dtype, who=None, kinds=None):
    """``dtype`` (None for ``floatx()``, a name, a numpy or jax dtype) as a numpy dtype.

    Args:
        dtype: the requested dtype.
        who: the initializer asking, for error messages.
        kinds: the numpy dtype kinds allowed ("f" for floats only), default any.
    """
    if dtype is None:
        dtype = floatx()
    if isinstance(dtype, str) and dtype == "bfloat16":
        require_bfloat16(who or "An initializer")
    result = np.dtype(dtype)
    kind = "f" if result.name == "bfloat16" else result.kind
    if kinds is not None and kind not in kinds:
        raise ValueError(
            f"{who or 'This initializer'} draws floating-point values; got dtype "
            f"{result.name!r}. Use a float dtype such as 'float32'."
        )
    return result
