"""``Variable``: a named, mutable tensor of one backend, and ``StatelessScope``.

A Variable holds a value in its backend's native tensor type. Ops accept
Variables wherever they accept tensors; a GradientTape watches the trainable
ones it sees read (``watch_accessed_variables=True``).

``StatelessScope`` lets a pure function run code written against Variables:
inside the scope, reads of the mapped variables return the given values and
assignments are collected instead of applied. The trainer uses it to turn a
model call into a function of its weights (the pattern of Keras 3's JAX
trainer), which is what ``value_and_grad`` and ``jax.jit`` need.
"""

import itertools
import threading

import numpy as np

from . import active, config

_uid = itertools.count()
_scope_state = threading.local()


#: functions ``hook(variable, value)`` called when a Variable's own value is read (not a
#: StatelessScope's stand-in) and when it is assigned outside any StatelessScope: a jit
#: recording on the autodiff engine reads such a Variable again, and assigns it again,
#: at each replay (``backends/autodiff/trace.py``)
variable_read_hooks = []
variable_write_hooks = []


def created_after(variable, uid):
    """Whether ``variable`` was made after the one whose ``_uid`` is ``uid``."""
    return variable._uid > uid


def next_uid():
    """A fresh uid: every Variable made from now on has a larger one."""
    return next(_uid)


def _scopes():
    stack = getattr(_scope_state, "stack", None)
    if stack is None:
        stack = _scope_state.stack = []
    return stack


class StatelessScope:
    """Maps variables to stand-in values for the code run inside it.

    Args:
        state_mapping: iterable of ``(variable, value)`` pairs read instead of
            the variables' own values.

    Inside the scope ``variable.assign(v)`` records ``v``; read the final
    values back with :meth:`get_current_value`. The variables themselves are
    not changed.
    """

    def __init__(self, state_mapping=()):
        self._values = {}
        for variable, value in state_mapping:
            self._values[id(variable)] = (variable, value)

    def __enter__(self):
        _scopes().append(self)
        return self

    def __exit__(self, *exc):
        _scopes().pop()
        return False

    def get_current_value(self, variable):
        """The value ``variable`` has inside this scope, or None if untouched."""
        entry = self._values.get(id(variable))
        return None if entry is None else entry[1]

    def _assign(self, variable, value):
        self._values[id(variable)] = (variable, value)


def current_stateless_scope():
    """The innermost active :class:`StatelessScope`, or None."""
    stack = _scopes()
    return stack[-1] if stack else None


class AutocastScope:
    """Inside it, ops read float Variables (those made with ``autocast=True``) as ``dtype``
    (Keras 3's ``AutocastScope``): a layer of a mixed precision policy computes in float16
    with float32 weights, and the cast is an op, so gradients flow back to the float32
    values. ``dtype=None`` turns autocasting off for the code inside (a float32 layer in a
    float16 model).

    The backends cast where an op reads a Variable (:func:`autocast_value`), after a
    recording tape has noted the read, so a GradientTape's gradient for the Variable is in
    its own dtype. ``variable.value`` itself is never cast.
    """

    def __init__(self, dtype):
        self.dtype = dtype

    def __enter__(self):
        _autocast_scopes().append(self)
        return self

    def __exit__(self, *exc):
        _autocast_scopes().pop()
        return False


def _autocast_scopes():
    stack = getattr(_scope_state, "autocast", None)
    if stack is None:
        stack = _scope_state.autocast = []
    return stack


def current_autocast_scope():
    """The innermost active :class:`AutocastScope`, or None."""
    stack = getattr(_scope_state, "autocast", None)
    return stack[-1] if stack else None


def autocast_value(variable, value):
    """``value`` (what an op read from ``variable``) cast to the dtype of the active
    :class:`AutocastScope` when the Variable autocasts and holds floats; else ``value``."""
    stack = getattr(_scope_state, "autocast", None)
    if not stack or stack[-1].dtype is None or not variable.autocast:
        return value
    backend = variable._backend
    dtype = backend.dtype(value)
    if dtype == stack[-1].dtype or dtype not in _AUTOCAST_FROM:
        return value
    return backend.cast(value, stack[-1].dtype)


#: the dtypes an AutocastScope casts from: floats (integer and bool Variables stay as they are)
_AUTOCAST_FROM = frozenset(("float16", "bfloat16", "float32", "float64"))


class Variable:
    """A mutable, named tensor (Keras 3 ``keras.Variable``).

    Args:
        initializer: the initial value (array, tensor, scalar) or a callable
            ``initializer(shape, dtype)`` (then ``shape`` is required).
        shape: the shape, required when ``initializer`` is callable.
        dtype: dtype name; default: the value's dtype for integer and bool
            values, else ``floatx()``.
        trainable: whether gradients and optimizers update it.
        name: a readable name (default ``"variable"``).
        backend: the backend object that owns the value (default: the one
            active when the variable is created).

    Example:
        >>> v = kerasette.Variable(np.zeros((2, 3)), name="w")
        >>> v.assign_add(np.ones((2, 3)))
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", name=None, *, backend=None):
        if backend is None:
            backend = active.get()
        self._backend = backend
        self.name = name or "variable"
        self.path = self.name
        self.trainable = bool(trainable)
        self.autocast = autocast
        self.aggregation = aggregation
        self._uid = next(_uid)
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    f"Variable {self.name!r}: a callable initializer needs a shape, got shape=None."
                )
            dtype = dtype or config.floatx()
            value = initializer(tuple(shape), dtype=dtype)
        else:
            value = initializer
            if dtype is None:
                value_dtype = np.dtype(getattr(value, "dtype", None) or np.asarray(value).dtype)
                dtype = value_dtype.name if value_dtype.kind in "iub" else config.floatx()
        self._value = backend.cast(backend.convert_to_tensor(value), dtype)
        if shape is not None and tuple(self._value.shape) != tuple(shape):
            raise ValueError(
                f"Variable {self.name!r}: initial value has shape {tuple(self._value.shape)}, "
                f"expected {tuple(shape)}."
            )

    # -- reading ----------------------------------------------------------
    @property
    def value(self):
        """The current value as a tensor of the owning backend."""
        stack = _scopes()
        for scope in reversed(stack):  # innermost first; outer scopes still apply
            value = scope.get_current_value(self)
            if value is not None:
                return value
        if variable_read_hooks:
            for hook in variable_read_hooks:
                hook(self, self._value)
        return self._value

    def numpy(self):
        """The value as a numpy array."""
        return self._backend.convert_to_numpy(self.value)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._backend.dtype(self._value)

    @property
    def ndim(self):
        return len(self._value.shape)

    @property
    def backend(self):
        """Name of the backend that owns this variable."""
        return self._backend.name

    # -- writing ----------------------------------------------------------
    def assign(self, value):
        """Sets the value (same shape; cast to this variable's dtype)."""
        value = self._backend.cast(self._backend.convert_to_tensor(value), self.dtype)
        if tuple(value.shape) != self.shape:
            raise ValueError(
                f"Variable {self.name!r} has shape {self.shape}; cannot assign a value of shape "
                f"{tuple(value.shape)}."
            )
        scope = current_stateless_scope()
        if scope is not None:
            scope._assign(self, value)
        else:
            if variable_write_hooks:
                for hook in variable_write_hooks:
                    hook(self, value)
            self._value = value
        return value

    def assign_add(self, value):
        """Adds ``value`` in place."""
        return self.assign(self._backend.add(self.value, value))

    def assign_sub(self, value):
        """Subtracts ``value`` in place."""
        return self.assign(self._backend.subtract(self.value, value))

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"backend={self.backend}, value={self.numpy()!r}>")

    # -- operators: forwarded to the owning backend's ops ---------------
    def __getitem__(self, key):
        return self._backend.get_item(self, key)

    def __len__(self):
        return self.shape[0]

    def __bool__(self):
        return bool(self.numpy())

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __neg__(self):
        return self._backend.negative(self)

    def __pos__(self):
        return self.value

    def __abs__(self):
        return self._backend.abs(self)

    __hash__ = object.__hash__


def _binary(name, reflected=False):
    def method(self, other):
        op = getattr(self._backend, name)
        return op(other, self) if reflected else op(self, other)
    return method


for _dunder, _op in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                     ("truediv", "divide"), ("pow", "power"), ("matmul", "matmul"),
                     ("floordiv", "floor_divide"), ("mod", "mod")]:
    setattr(Variable, f"__{_dunder}__", _binary(_op))
    setattr(Variable, f"__r{_dunder}__", _binary(_op, reflected=True))
for _dunder, _op in [("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                     ("ge", "greater_equal")]:
    setattr(Variable, f"__{_dunder}__", _binary(_op))
del _dunder, _op
