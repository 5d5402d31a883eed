"""A CPU stand-in for CuPy, so that CI runs the cupy backend without a GPU.

Put ``tests/cupy_standin`` first on ``sys.path`` (``tests/conftest.py`` does, when the real
CuPy is not installed) and ``import cupy`` gives this module: numpy underneath, and
CuPy's behaviour where the engine could go wrong without noticing on numpy:

- arrays are their own type (:class:`ndarray`, wrapping a numpy array), not numpy's: an
  op mixing one with a numpy array raises ``TypeError`` as CuPy does, so a rule that builds
  a constant with numpy, or hands a device array to numpy, fails here as on a GPU;
- a reduction to one value gives a 0-d array, never a host scalar (as CuPy);
- implicit conversion to a numpy array (``numpy.asarray(a)``, ``__array__``) raises
  ``TypeError`` as CuPy's does; ``asnumpy`` and ``.get()`` are the ways out;
- every read of a device value on the host (``bool()``, ``float()``, ``int()``,
  ``.item()``, ``.tolist()``, ``asnumpy``, ``.get()``) is a synchronisation on a GPU: each is
  counted in :data:`SYNCS` (by kind), so a test can prove a training step makes none;
- ``cuda.runtime.getDeviceCount()`` reports one device.

What needs real CUDA (``ElementwiseKernel``, ``RawKernel``, memory pools) is absent:
``STANDIN`` is True, and the backend's fused kernels stay out of its table here.
"""

import builtins
import collections
import functools
import types

import numpy

#: this is the stand-in, not CuPy
STANDIN = True

#: host reads of device values, by kind (``"bool"``, ``"float"``, ``"asnumpy"``, ...)
SYNCS = collections.Counter()


def _sync(kind):
    SYNCS[kind] += 1


def _mixing(value, where):
    raise TypeError(
        f"Unsupported type {type(value)} in {where}: the cupy stand-in, like CuPy, refuses "
        "numpy arrays among device arrays (move them with cupy.asarray first)")


class ndarray:
    """A device array (numpy underneath); see the module docstring."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, shape=None, dtype=float, *, _array=None):
        self._a = numpy.empty(shape, dtype) if _array is None else _array

    # -- the ways out --------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None):
        _sync("get")
        return self._a.copy()

    def __bool__(self):
        _sync("bool")
        return bool(self._a)

    def __float__(self):
        _sync("float")
        return float(self._a)

    def __int__(self):
        _sync("int")
        return int(self._a)

    def __index__(self):
        _sync("index")
        return self._a.__index__()

    def __complex__(self):
        _sync("complex")
        return complex(self._a)

    def item(self, *args):
        _sync("item")
        return self._a.item(*args)

    def tolist(self):
        _sync("tolist")
        return self._a.tolist()

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (_wrap(self._a[i]) for i in range(len(self._a)))

    def __len__(self):
        return len(self._a)

    def __repr__(self):
        return f"standin.{self._a!r}"

    __str__ = __repr__

    def __hash__(self):
        raise TypeError("unhashable type: 'cupy.ndarray'")

    def __reduce__(self):
        raise TypeError("the cupy stand-in's arrays are not pickled (CuPy's would copy to the "
                        "host): use asnumpy")

    # -- numpy's protocols: numpy functions on device arrays run here (as CuPy's do) ---
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(getattr(ufunc, method), inputs, kwargs, ufunc.__name__)

    def __array_function__(self, func, types, args, kwargs):
        return _call(func, args, kwargs, func.__name__)

    # -- indexing -------------------------------------------------------------------
    def __getitem__(self, key):
        return _wrap(self._a[_unwrap_key(key)])

    def __setitem__(self, key, value):
        self._a[_unwrap_key(key)] = _unwrap(value, "__setitem__", allow_host=True)

    # -- attributes and methods: numpy's, with results wrapped -------------------------
    def __getattr__(self, name):
        if name.startswith("__"):  # numpy's __array_interface__ and kin: no way out
            raise AttributeError(name)
        attribute = getattr(self._a, name)
        if callable(attribute):
            @functools.wraps(attribute)
            def method(*args, **kwargs):
                return _call(attribute, args, kwargs, name)
            return method
        return _wrap(attribute)

    @property
    def T(self):
        return _wrap(self._a.T)

    @property
    def real(self):
        return _wrap(self._a.real)

    @property
    def imag(self):
        return _wrap(self._a.imag)

    @property
    def flat(self):
        return _wrap(self._a.reshape(-1))

    @property
    def shape(self):
        return self._a.shape

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    @property
    def dtype(self):
        return self._a.dtype

    @property
    def ndim(self):
        return self._a.ndim

    @property
    def size(self):
        return self._a.size

    @property
    def device(self):
        return cuda.Device(0)


def _operator(name):
    def op(self, *args):
        return _call(getattr(self._a, name), args, {}, name)
    op.__name__ = name
    return op


for _name in ("add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "floordiv",
              "rfloordiv", "mod", "rmod", "pow", "rpow", "matmul", "rmatmul", "and", "rand",
              "or", "ror", "xor", "rxor", "lshift", "rlshift", "rshift", "rrshift", "lt", "le",
              "gt", "ge", "eq", "ne", "neg", "pos", "abs", "invert", "divmod", "rdivmod"):
    setattr(ndarray, f"__{_name}__", _operator(f"__{_name}__"))


def _inplace(name):
    def op(self, other):
        getattr(self._a, name)(_unwrap(other, name))
        return self
    op.__name__ = name
    return op


for _name in ("iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "iand", "ior",
              "ixor", "ilshift", "irshift", "imatmul"):
    setattr(ndarray, f"__{_name}__", _inplace(f"__{_name}__"))


# ---------------------------------------------------------------------------- (un)wrapping
def _wrap(value):
    """numpy results as device values: arrays and numpy scalars become :class:`ndarray`
    (a reduction gives a 0-d array, as CuPy's); containers are wrapped item by item."""
    kind = type(value)
    if kind is numpy.ndarray:
        return ndarray(_array=value)
    if isinstance(value, numpy.generic):
        return ndarray(_array=numpy.asarray(value))
    if kind is tuple or kind is list:
        return kind(_wrap(v) for v in value)
    return value


def _unwrap(value, where, allow_host=False):
    kind = type(value)
    if kind is ndarray:
        return value._a
    if kind is numpy.ndarray and not allow_host:
        _mixing(value, where)
    if kind is tuple or kind is list:
        return kind(_unwrap(v, where, allow_host) for v in value)
    if kind is dict:
        return {k: _unwrap(v, where, allow_host) for k, v in value.items()}
    return value


def _unwrap_key(key):
    # CuPy takes host index arrays and device ones alike
    return _unwrap(key, "indexing", allow_host=True)


def _call(fn, args, kwargs, where, allow_host=False):
    out = kwargs.get("out")
    result = fn(*_unwrap(args, where, allow_host), **_unwrap(kwargs, where, allow_host))
    if out is not None:  # the same device array(s) the caller gave as ``out``
        return out[0] if type(out) is tuple and len(out) == 1 else out
    return _wrap(result)


# ---------------------------------------------------------------------------- the module
def asnumpy(a, stream=None, order="C", out=None):
    """The way out to the host (a synchronisation on a GPU: counted)."""
    if type(a) is ndarray:
        _sync("asnumpy")
        return a._a.copy()
    return numpy.asarray(a)


def _from_host(name):
    """``asarray``/``array``/...: host data (numpy arrays, lists) in, a device array out."""
    fn = getattr(numpy, name)

    @functools.wraps(fn)
    def make(*args, **kwargs):
        result = fn(*_unwrap(args, name, allow_host=True), **_unwrap(kwargs, name, allow_host=True))
        if type(result) is numpy.ndarray and args and type(args[0]) is numpy.ndarray \
                and result is args[0]:
            result = result.copy()  # host memory never becomes device memory
        return _wrap(result)
    return make


asarray = _from_host("asarray")
array = _from_host("array")
ascontiguousarray = _from_host("ascontiguousarray")
asanyarray = _from_host("asanyarray")


def _passthrough(value):
    return isinstance(value, (type, types.ModuleType)) or value is None


class _Ufunc:
    """A numpy ufunc on device arrays, with its methods (``add.at``, ``maximum.reduce``:
    CuPy 13 has them for the common ufuncs)."""

    def __init__(self, ufunc):
        self._u = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        return _call(self._u, args, kwargs, self.__name__)

    def __getattr__(self, name):
        attribute = getattr(self._u, name)
        if not callable(attribute):
            return attribute
        return lambda *args, **kwargs: _call(attribute, args, kwargs, f"{self.__name__}.{name}")


def __getattr__(name):
    """numpy's name, with device arrays in and out."""
    value = getattr(numpy, name)
    if isinstance(value, numpy.ufunc):
        globals()[name] = _Ufunc(value)
        return globals()[name]
    if _passthrough(value) or not callable(value):
        return value
    if name in ("dtype", "finfo", "iinfo", "result_type", "promote_types", "can_cast",
                "issubdtype", "broadcast_shapes", "isscalar", "shape", "ndim", "size"):
        return value

    @functools.wraps(value)
    def function(*args, **kwargs):
        return _call(value, args, kwargs, name)
    globals()[name] = function
    return function


class _Lib:
    class stride_tricks:
        @staticmethod
        def as_strided(x, shape=None, strides=None):
            return _wrap(numpy.lib.stride_tricks.as_strided(_unwrap(x, "as_strided"), shape,
                                                            strides))


lib = _Lib()


class _Random(types.ModuleType):
    """``cupy.random``: numpy's generators with device arrays out."""

    def __getattr__(self, name):
        value = getattr(numpy.random, name)
        if name in ("default_rng", "Generator", "RandomState"):
            def make(*args, **kwargs):
                return _Generator(value(*_unwrap(args, name), **_unwrap(kwargs, name)))
            return make
        if callable(value):
            return lambda *args, **kwargs: _call(value, args, kwargs, name)
        return value


class _Generator:
    def __init__(self, generator):
        self._g = generator

    def __getattr__(self, name):
        attribute = getattr(self._g, name)
        return lambda *args, **kwargs: _call(attribute, args, kwargs, name)


random = _Random("cupy.random")


class _Runtime:
    @staticmethod
    def getDeviceCount():
        return 1


class _Device:
    def __init__(self, device=0):
        self.id = device

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"<CUDA Device {self.id} (CPU stand-in)>"


cuda = types.SimpleNamespace(runtime=_Runtime(), Device=_Device,
                             get_device_id=lambda: 0)

__version__ = "0.0-standin"
del builtins
