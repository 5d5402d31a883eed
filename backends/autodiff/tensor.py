"""The engine's tensor: an array of the engine's array module, with Python operators.

A Tensor is a thin box around a raw array (``.data``). It carries no graph
state of its own: tapes track tensors by identity (see ``tape.py``), so a
tensor made outside any tape costs one small object and nothing more.
Each engine subclasses Tensor once and sets ``engine`` on the subclass; the
class therefore says which backend a tensor belongs to.
"""



class Tensor:
    """A tensor of an autodiff engine (numpy or cupy backend)."""

    # _keras_mask: where a layer attaches its output's mask, as on Keras 3's tensors (see
    # backends/masking.py); the weak reference lets the mask table forget a dead tensor
    __slots__ = ("data", "_keras_mask", "__weakref__")
    #: the engine (backend object) that owns tensors of this class
    engine = None
    # numpy defers to our reflected operators (ndarray + Tensor -> Tensor)
    __array_ufunc__ = None

    def __init__(self, data):
        self.data = data

    # -- introspection ----------------------------------------------------
    @property
    def shape(self):
        return tuple(self.data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return int(self.data.size)

    @property
    def backend(self):
        """Name of the backend this tensor belongs to."""
        return self.engine.name

    @property
    def T(self):
        return self.engine.transpose(self)

    def numpy(self):
        """The value as a numpy array."""
        return self.engine.convert_to_numpy(self)

    def __array__(self, dtype=None, copy=None):
        array = self.engine.convert_to_numpy(self)
        return array if dtype is None else array.astype(dtype, copy=False)

    def astype(self, dtype):
        return self.engine.cast(self, dtype)

    def __repr__(self):
        return f"<tensor backend={self.engine.name} shape={self.shape} dtype={self.dtype.name}\n{self.numpy()!r}>"

    def __len__(self):
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        if self.engine._trace is not None:
            self.engine._host_read(self.data, "bool()")
        return bool(self.data)

    def __float__(self):
        if self.engine._trace is not None:
            self.engine._host_read(self.data, "float()")
        return float(self.data)

    def __int__(self):
        if self.engine._trace is not None:
            self.engine._host_read(self.data, "int()")
        return int(self.data)

    def __index__(self):
        if self.engine._trace is not None:
            self.engine._host_read(self.data, "an index")
        return int(self.data)

    def __getitem__(self, key):
        return self.engine.get_item(self, key)

    # -- arithmetic: each operator is the engine's op of the same meaning ----
    def __neg__(self):
        return self.engine.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.engine.abs(self)

    def __invert__(self):
        return self.engine.logical_not(self)

    __hash__ = object.__hash__


def _binary(op_name, reflected=False):
    def method(self, other):
        op = getattr(self.engine, op_name)
        return op(other, self) if reflected else op(self, other)
    method.__name__ = op_name
    return method


for _dunder, _op in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                     ("truediv", "divide"), ("floordiv", "floor_divide"), ("mod", "mod"),
                     ("pow", "power"), ("matmul", "matmul"), ("and", "logical_and"),
                     ("or", "logical_or"), ("xor", "logical_xor")]:
    setattr(Tensor, f"__{_dunder}__", _binary(_op))
    setattr(Tensor, f"__r{_dunder}__", _binary(_op, reflected=True))
for _dunder, _op in [("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                     ("ge", "greater_equal"), ("eq", "equal"), ("ne", "not_equal")]:
    setattr(Tensor, f"__{_dunder}__", _binary(_op))
del _dunder, _op

