"""AutodiffBackend: the reverse-mode engine bound to an array module ``xp``.

One class serves numpy and cupy (Chainer/thinc style): it is handed ``xp`` and
never imports an array library itself. Every primitive in the op table
(``registry.OPS``) becomes a method with the contract's signature; composites
(``registry.COMPOSITES``) become methods too. A backend specializes the engine
in one way only: a table of overrides (``registry.Override``: the forward and/or
the gradient rule of named primitives) given to the constructor; numpy's fast
paths are ``backends/numpy/fast_paths.py``. Nothing here asks which array
module it runs on.
"""

import functools
import threading

from .. import config, tree
from ..interface import Backend, contract_signature
from ..tape_base import TapeStack, check_differentiable_argument
from ..variable import Variable, autocast_value, variable_read_hooks, variable_write_hooks
from . import registry
from . import rules  # noqa: F401  (fills the op table)
from .tape import GradientTape as _Tape, Node as _Node
from .tensor import Tensor as _TensorBase
from .trace import Replayed


class AutodiffBackend(Backend):
    """The kerasette autodiff engine over the array module ``xp``.

    Args:
        xp: the array module (``numpy`` or ``cupy``).
        name: the backend's name.
        overrides: ``{primitive name: registry.Override}``, this backend's fast paths in
            place of the table's forwards and gradient rules (None: the table as it is).
    """

    #: ``jit`` records a step once and replays its schedule (``trace.py``)
    compiles_steps = True

    def __init__(self, xp, name, overrides=None):
        self.xp = xp
        self.name = name
        self._ndarray = xp.ndarray
        # Tensor subclass of this engine: the class says which backend a tensor belongs to.
        self.Tensor = type("Tensor", (_TensorBase,), {"__slots__": (), "engine": self,
                                                      "__module__": f"kerasette.backends.{name}"})
        self._tapes = TapeStack(f"kerasette.{name}.tapes")  # per thread
        self._recording = self._tapes.anywhere  # the per-op check: empty when no tape records
        self._recording_here = self._tapes.get  # this thread's tapes
        self._trace = None  # the Recording of a jit's first call, while it runs
        self._ops = dict(registry.OPS)
        self.overrides = dict(overrides or {})
        for op_name, override in self.overrides.items():
            if op_name not in self._ops:
                raise ValueError(
                    f"The {name} backend overrides {op_name!r}, which is not a primitive of the "
                    f"engine's op table (registry.OPS); override a primitive by its name, e.g. "
                    f"'select' or 'conv_general'.")
            self._ops[op_name] = self._ops[op_name].overridden(override)
        for op_name, op in self._ops.items():
            setattr(self, op_name, self._bind(op))
        for op_name, fn in registry.COMPOSITES.items():
            setattr(self, op_name, self._bind_composite(op_name, fn))

    # ------------------------------------------------------------------ dispatch
    def _bind_composite(self, name, fn):
        method = functools.partial(fn, self)
        method.__name__ = name
        method.__qualname__ = f"{type(self).__name__}.{name}"
        if name in _contract_names():
            method.__doc__ = getattr(Backend, name).__doc__
            method.__signature__ = contract_signature(name)
        else:
            method.__doc__ = fn.__doc__
        return method

    def _bind(self, op):
        apply = self._apply
        n = op.n_inputs
        if op.sequence:
            def method(*args, **kwargs):
                if not args:
                    args = (kwargs.pop(op.input_names[0]),)
                return apply(op, tuple(args[0]), args[1:], kwargs)
        else:
            names = op.input_names

            def method(*args, **kwargs):
                if len(args) < n:
                    args = args + tuple(kwargs.pop(k) for k in names[len(args):])
                return apply(op, args[:n], args[n:], kwargs)
            if not op.saves and n in (1, 2) and op.n_outputs == 1:
                method = self._fast_path(op, method)
        method.__name__ = op.name
        method.__qualname__ = f"{type(self).__name__}.{op.name}"
        if op.name in _contract_names():
            method.__doc__ = getattr(Backend, op.name).__doc__
            method.__signature__ = contract_signature(op.name)
        return method

    def _fast_path(self, op, general):
        """``general`` preceded by a shortcut for the common case: no tape recording, inputs
        that are this engine's tensors or Variables (or Python numbers next to one). It skips
        the conversions and bookkeeping of :meth:`_apply`; anything else takes ``general``."""
        Tensor, ndarray, tapes = self.Tensor, self._ndarray, self._recording
        forward, xp, asarray = op.forward, self.xp, self.xp.asarray
        numbers = (int, float)

        engine = self

        if op.n_inputs == 1:
            def unary(*args, **kwargs):
                if tapes or not args:
                    return general(*args, **kwargs)
                x = args[0]
                if type(x) is Variable and x._backend is engine:
                    x = autocast_value(x, x.value)  # no tape records: no read to report
                if type(x) is not Tensor:
                    return general(*args, **kwargs)
                result = forward(xp, x.data, *args[1:], **kwargs)
                return Tensor(result if type(result) is ndarray else asarray(result))
            return unary

        def binary(*args, **kwargs):
            if tapes or len(args) < 2:
                return general(*args, **kwargs)
            a, b = args[0], args[1]
            # Variables (optimizer slots, metric state) read outside a tape: their values
            if type(a) is Variable and a._backend is engine:
                a = autocast_value(a, a.value)
            if type(b) is Variable and b._backend is engine:
                b = autocast_value(b, b.value)
            if type(a) is Tensor:
                if type(b) is Tensor:
                    b = b.data
                elif type(b) not in numbers:
                    return general(*args, **kwargs)
                a = a.data
            elif type(b) is Tensor and type(a) in numbers:
                b = b.data
            else:
                return general(*args, **kwargs)
            result = forward(xp, a, b, *args[2:], **kwargs)
            return Tensor(result if type(result) is ndarray else asarray(result))
        return binary

    def _apply(self, op, inputs, params, kwparams):
        """Runs ``op`` on ``inputs`` and records it on every tape that tracks an input."""
        Tensor = self.Tensor
        arrays = []
        converted = None
        for i, x in enumerate(inputs):
            if type(x) is Tensor:
                arrays.append(x.data)
                continue
            x = self._input(x)
            if converted is None:
                converted = list(inputs)
            converted[i] = x
            arrays.append(x.data if type(x) is Tensor else x)
        if converted is not None:
            inputs = tuple(converted)
            if not any(type(a) is self._ndarray for a in arrays):
                # only Python scalars: give them floatx / int32, as convert_to_tensor does,
                # rather than numpy's float64 / int64
                arrays = [self._to_array(a) if isinstance(a, (int, float)) else a for a in arrays]
        if op.saves and not self._recording and hasattr(op.forward, "without_saved"):
            # no tape records and no jit traces: nothing will read the saved value
            result = op.forward.without_saved(self.xp, *arrays, *params, **kwparams)
            return Tensor(result if type(result) is self._ndarray else self.xp.asarray(result))
        if op.sequence:
            result = op.forward(self.xp, arrays, *params, **kwparams)
        else:
            result = op.forward(self.xp, *arrays, *params, **kwparams)
        if op.n_outputs != 1:  # several outputs: a kernel (never on a tape), or unstack
            ndarray, asarray = self._ndarray, self.xp.asarray
            result = tuple(r if type(r) is ndarray else asarray(r) for r in result)
            if self._trace is not None:
                self._traced(op.forward, op.sequence, arrays, params, kwparams, result)
            outs = tuple(Tensor(r) for r in result)
            if self._recording and op.differentiable:
                self._record_outputs(op, inputs, params, kwparams, outs)
            return outs
        saved = None
        if op.saves:
            result, saved = result
        if type(result) is not self._ndarray:
            result = self.xp.asarray(result)
        if self._trace is not None:
            self._traced(op.forward, op.sequence, arrays, params, kwparams,
                         (result,) if saved is None else (result, saved))
        out = Tensor(result)
        if self._recording and op.differentiable and result.dtype.kind not in "biu":
            # one node, shared by every tape that tracks an input (nested tapes); an integer
            # or boolean output (argmax, a comparison, a cast to int) is never tracked
            # (tape.takes_gradient, inlined: the call cost ~40 ns of the ~1.8 us per op in a tape)
            node = None
            for tape in self._recording_here():
                watched = tape._watched
                for x in inputs:
                    if id(x) in watched:
                        if node is None:
                            node = _Node(op, inputs, params, kwparams, out, saved)
                        watched.add(id(out))
                        tape._nodes.append(node)
                        break
        return out

    def _record_outputs(self, op, inputs, params, kwparams, outs):
        """Records an op with several outputs (``outputs="sequence"``) as one node on every
        tape that tracks an input; its floating outputs become tracked."""
        floating = [out for out in outs if out.data.dtype.kind not in "biu"]
        if not floating:
            return
        node = None
        for tape in self._recording_here():
            watched = tape._watched
            if any(id(x) in watched for x in inputs):
                if node is None:
                    node = _Node(op, inputs, params, kwparams, outs, None)
                for out in floating:
                    watched.add(id(out))
                tape._nodes.append(node)

    # ------------------------------------------------------------------ jit: record, replay
    def _start_trace(self, recording):
        """Starts reporting every op to ``recording`` (see ``trace.py``); the fast paths
        step aside while it records, so that every op reaches :meth:`_apply`."""
        self._trace = recording
        self._recording.append(recording)
        variable_read_hooks.append(self._variable_read_in_trace)
        variable_write_hooks.append(self._variable_write_in_trace)

    def _stop_trace(self):
        recording, self._trace = self._trace, None
        self._recording.remove(recording)
        variable_read_hooks.remove(self._variable_read_in_trace)
        variable_write_hooks.remove(self._variable_write_in_trace)

    def _traced(self, forward, sequence, arrays, params, kwparams, outputs):
        recording = self._trace
        if recording.thread == threading.get_ident():
            recording.record(forward, sequence, arrays, params, kwparams, outputs)

    def _variable_read_in_trace(self, variable, value):
        recording = self._trace
        if (variable._backend is self and type(value) is self.Tensor
                and recording.thread == threading.get_ident()):
            recording.variable_read(variable, value.data)

    def _variable_write_in_trace(self, variable, value):
        recording = self._trace
        if (variable._backend is self and type(value) is self.Tensor
                and recording.thread == threading.get_ident()):
            recording.variable_write(variable, value.data)

    def _host_read(self, array, what):
        """Reports ``array`` taken to the host as a Python value while a jit records."""
        recording = self._trace
        if recording is not None and recording.thread == threading.get_ident():
            recording.host_read(array, what)

    def nograd(self, fn, *inputs):
        """``fn(xp, *arrays)`` on the raw arrays of ``inputs`` (tensors, Variables, raw arrays
        or Python values), as a tensor that takes no gradient.

        For the constants that gradient rules and random ops compute from values (a ReLU
        mask, the share of a tied maximum, a random draw from a seed state): a jit
        recording records the call as one step, so a replay computes it again from its
        own values. ``fn`` must compute only from its arguments (and static values such
        as shapes and dtypes).

        Example:
            >>> mask = F.nograd(lambda xp, a: (a > 0) & (a < 6), x)
        """
        arrays = [x.data if isinstance(x, _TensorBase)
                  else self._read_variable(x).data if isinstance(x, Variable) else x
                  for x in inputs]
        result = fn(self.xp, *arrays)
        if type(result) is not self._ndarray:
            result = self.xp.asarray(result)
        if self._trace is not None:
            self._traced(fn, False, arrays, (), {}, (result,))
        return self.Tensor(result)

    def _input(self, x):
        """An op input that is not already this engine's tensor: a tensor or a raw constant."""
        if isinstance(x, Variable):
            return self._read_variable(x)
        if isinstance(x, (int, float, bool)) or type(x) is self._ndarray:
            return x
        if isinstance(x, _TensorBase):
            raise ValueError(
                f"Cannot mix backends: got a {x.engine.name} tensor in a {self.name} op. "
                f"Convert it with ops.convert_to_numpy first."
            )
        return self._to_array(x)

    def _read_variable(self, variable):
        if variable._backend is not self:
            raise ValueError(
                f"Cannot mix backends: Variable {variable.name!r} belongs to the "
                f"{variable.backend} backend, used in a {self.name} op."
            )
        value = variable.value
        if type(value) is not self.Tensor:
            value = self.convert_to_tensor(value)
        if self._recording:
            for tape in self._recording_here():
                tape._variable_read(variable, value)
        return autocast_value(variable, value)  # after the read is noted: the cast records

    def _to_array(self, x, dtype=None):
        """Raw array of ``xp`` from a Python scalar, list, numpy array or foreign array."""
        xp = self.xp
        module = type(x).__module__
        if module.startswith(("jax", "jaxlib")) or module.startswith("torch"):
            raise ValueError(
                f"Cannot mix backends: got a {module.split('.')[0]} array in a {self.name} op. "
                "Convert it with numpy.asarray first."
            )
        array = _as_array(xp, x, dtype)
        if self._trace is not None and array is not x:
            # a conversion of an argument's array (a cast, a copy to the GPU) is a step
            self._traced(_as_array, False, (x,), (dtype,), {}, (array,))
        return array

    def _unbroadcast(self, g, shape):
        """Sums ``g`` down to ``shape``: the one place broadcasting is undone. ``g`` must have
        ``shape`` broadcast up (only summing, never expanding, is done here)."""
        if tuple(g.shape) == tuple(shape):
            return g
        extra = len(g.shape) - len(shape)
        axes = tuple(range(extra)) + tuple(
            extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
        g = self.sum(g, axis=axes, keepdims=True) if axes else g
        return self.reshape(g, tuple(shape))

    # ------------------------------------------------------------------ arrays and dtypes
    def convert_to_tensor(self, x, dtype=None):
        # a tensor already of the asked dtype is returned as it is: no cast node on a tape
        if type(x) is self.Tensor:
            return x if dtype is None or x.data.dtype == dtype else self.cast(x, dtype)
        if isinstance(x, Variable):
            value = self._read_variable(x)
            return value if dtype is None or value.data.dtype == dtype else self.cast(value, dtype)
        if isinstance(x, _TensorBase):
            self._input(x)  # raises the mixing error
        return self.Tensor(self._to_array(x, dtype))

    def convert_to_numpy(self, x):
        if isinstance(x, Variable):
            x = x.value
        if isinstance(x, _TensorBase):
            x = x.data
        if self._trace is not None:
            self._host_read(x, "convert_to_numpy")
        return self._to_numpy(x)

    def _to_numpy(self, array):
        """Raw ``xp`` array to numpy (cupy overrides this to copy from the GPU)."""
        return self.xp.asarray(array)

    def is_tensor(self, x):
        return type(x) is self.Tensor

    def dtype(self, x):
        if isinstance(x, Variable):
            x = x.value
        if isinstance(x, _TensorBase):
            return _dtype_name(x.data.dtype)
        return _dtype_name(self._to_array(x).dtype)

    def shape(self, x):
        if isinstance(x, (_TensorBase, Variable)):
            return tuple(x.shape)
        return tuple(self.xp.shape(x))

    def ndim(self, x):
        return len(self.shape(x))

    def size(self, x):
        size = 1
        for n in self.shape(x):
            size *= n
        return size

    def zeros(self, shape, dtype=None):
        return self.Tensor(self.xp.zeros(_shape(shape), dtype=dtype or config.floatx()))

    def ones(self, shape, dtype=None):
        return self.Tensor(self.xp.ones(_shape(shape), dtype=dtype or config.floatx()))

    def full(self, shape, fill_value, dtype=None):
        fill_value = self.convert_to_numpy(fill_value) if isinstance(fill_value, (_TensorBase, Variable)) else fill_value
        return self.Tensor(self.xp.full(_shape(shape), fill_value, dtype=dtype or config.floatx()))

    def zeros_like(self, x, dtype=None):
        return self.Tensor(self.xp.zeros(self.shape(x), dtype=dtype or self.dtype(x)))

    def ones_like(self, x, dtype=None):
        return self.Tensor(self.xp.ones(self.shape(x), dtype=dtype or self.dtype(x)))

    def full_like(self, x, fill_value, dtype=None):
        return self.Tensor(self.xp.full(self.shape(x), fill_value, dtype=dtype or self.dtype(x)))

    def arange(self, start, stop=None, step=1, dtype=None):
        if dtype is None:
            values = (start, stop, step)
            dtype = "int32" if all(isinstance(v, int) or v is None for v in values) else config.floatx()
        if stop is None:
            start, stop = 0, start
        return self.Tensor(self.xp.arange(start, stop, step, dtype=dtype))

    def eye(self, N, M=None, k=0, dtype=None):
        return self.Tensor(self.xp.eye(N, M, k, dtype=dtype or config.floatx()))

    # ------------------------------------------------------------------ autodiff
    def GradientTape(self, persistent=False, watch_accessed_variables=True):
        return _Tape(self, persistent=persistent, watch_accessed_variables=watch_accessed_variables)

    def Variable(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", name=None):
        return Variable(initializer, shape=shape, dtype=dtype, trainable=trainable,
                        autocast=autocast, aggregation=aggregation, name=name, backend=self)

    def value_and_grad(self, fn, argnums=0, has_aux=False):
        single = isinstance(argnums, int)
        positions = (argnums,) if single else tuple(argnums)

        def wrapped(*args, **kwargs):
            args = list(args)
            for p in positions:
                if p >= len(args):
                    raise ValueError(
                        f"value_and_grad: argnums={argnums} but the function was called with "
                        f"{len(args)} positional arguments."
                    )
            tape = _Tape(self, persistent=False, watch_accessed_variables=False)
            with tape:
                for p in positions:
                    # a fresh tensor per argument leaf; an identity op, so enclosing
                    # tapes still see the link to the caller's tensors
                    args[p] = tree.map_structure(self._identity, args[p])
                    for leaf in tree.flatten(args[p])[0]:
                        check_differentiable_argument(self.dtype(leaf), p, argnums)
                    tape.watch(args[p])
                out = fn(*args, **kwargs)
            value, aux = out if has_aux else (out, None)
            value_tensor = self.convert_to_tensor(value)
            if value_tensor.data.size != 1:
                raise ValueError(
                    f"value_and_grad: the function must return a scalar, got shape {value_tensor.shape}."
                )
            sources = [args[p] for p in positions]
            grads = tape.gradient(value_tensor, sources, unconnected_gradients="zero")
            grads = grads[0] if single else tuple(grads)
            return ((value_tensor, aux) if has_aux else value_tensor), grads

        wrapped.__name__ = wrapped.__qualname__ = f"value_and_grad({getattr(fn, '__name__', 'fn')})"
        wrapped.__doc__ = getattr(fn, "__doc__", None)
        return wrapped

    def grad(self, fn, argnums=0, has_aux=False):
        value_and_grad = self.value_and_grad(fn, argnums=argnums, has_aux=has_aux)

        def wrapped(*args, **kwargs):
            value, grads = value_and_grad(*args, **kwargs)
            return (grads, value[1]) if has_aux else grads

        wrapped.__name__ = wrapped.__qualname__ = f"grad({getattr(fn, '__name__', 'fn')})"
        wrapped.__doc__ = getattr(fn, "__doc__", None)
        return wrapped

    def _identity(self, x):
        if type(x) is not self.Tensor:
            x = self.convert_to_tensor(x)
        return self._apply(self._ops["identity"], (x,), (), {})

    def jit(self, fn, static_argnums=None, donate_argnums=None):
        """``fn`` recorded on its first call per input signature and replayed after (see
        ``trace.py``); ``static_argnums`` and ``donate_argnums`` are accepted for JAX's
        signature (a replay never reuses its arguments' arrays)."""
        if static_argnums is not None:
            return fn  # a Python-valued argument that changes the code: run it eagerly
        return Replayed(self, fn)


def _as_array(xp, x, dtype=None):
    """``x`` as an array of ``xp``; Python scalars and lists become floatx and int32."""
    if dtype is not None:
        return xp.asarray(x, dtype=dtype)
    array = xp.asarray(x)
    if not hasattr(x, "dtype"):  # Python scalars and lists: floatx and int32, as Keras
        if array.dtype.kind == "f":
            array = array.astype(config.floatx())
        elif array.dtype.kind in "iu":
            array = array.astype("int32")
    return array


_DTYPE_NAMES = {}


def _dtype_name(dtype):
    """``dtype.name``, remembered: numpy computes the name in Python on every access, and
    the optimizers and losses ask for it several times per variable and step."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = dtype.name
    return name


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)


@functools.cache
def _contract_names():
    from ..interface import contract_names
    return frozenset(contract_names())
