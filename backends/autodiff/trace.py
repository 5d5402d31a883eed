"""``jit`` for the autodiff engine: record a call once, then replay its schedule.

Define-then-run, as TensorFlow 1's graphs were: the first call of a jitted function with
a given input signature (the tree structure, each array's shape and dtype, each Python
value) runs eagerly while a :class:`Recording` watches the engine. Every op applied to a
value that depends on the arguments becomes one step of a fixed schedule: the op's
forward, on raw arrays, with the slots it reads and writes. The tape's backward pass is
made of engine ops too, so the schedule holds the forward pass, the gradient and
whatever follows (an optimizer's update): a whole training step. Later calls with that
signature skip Python's per-op work (tensor boxes, dispatch, the tape) and run the
schedule: one forward call per step on the arrays themselves.

What a schedule cannot capture makes the function run eagerly instead, with one
warning naming the reason:

- a value of the arguments read on the host (``float(x)``, ``bool(x)``, ``x.numpy()``):
  Python control flow may depend on it;
- a schedule that disagrees with the eager function: the second call with a signature
  runs both and compares every output, so a value computed outside the op table (a raw
  array made from an argument by hand) is caught before any replay is trusted.

Ops on constants only (a Python number, an int-seeded draw) are not recorded: their
result is a constant of the schedule. A Variable read outside any StatelessScope mapping
is read again at each replay. A call while a GradientTape records runs eagerly, so the
tape sees its ops.
"""

import os
import threading
import traceback
import warnings

from .. import tree
from .. import variable as variable_module

# signatures traced per function before the next new one just runs eagerly (each trace
# keeps a schedule alive; a function called with ever-changing shapes would pile them up)
MAX_SIGNATURES = 8


class _Eager:
    """A signature that runs eagerly; ``reason`` says why."""

    __slots__ = ("reason",)

    def __init__(self, reason):
        self.reason = reason


class _Ref:
    """A slot read inside an op's parameters (an index array given as a parameter)."""

    __slots__ = ("slot",)

    def __init__(self, slot):
        self.slot = slot


class Untraceable(Exception):
    """Raised inside a recording to stop it; the call goes on eagerly."""


class Recording:
    """What one eager call did to values that depend on its arguments.

    Slots hold the values a replay passes between steps: the argument leaves, each
    recorded op's outputs and the constants the ops read. ``slot_of`` maps ``id`` of a
    raw array that depends on the arguments to its slot; every array seen is kept alive
    while recording, so an id names one array.
    """

    def __init__(self, engine):
        self.engine = engine
        self.thread = threading.get_ident()
        self.slot_of = {}
        self.alive = []
        self.template = []  # per slot: the constant, or None for a value filled in a replay
        self.constant_slot = {}  # id(constant) -> slot
        self.argument_slots = []
        self.variable_reads = []  # (slot, Variable): read again at each replay
        self.variable_writes = []  # (Variable, slot): assigned again at each replay
        # Variables made while recording are the function's own: made again at each eager
        # call, their values are constants of the schedule
        self.first_uid = variable_module.next_uid()
        self.steps = []  # (forward, sequence, input slots, params, kwparams, has refs, out slots)
        self.failure = None

    # -- slots -------------------------------------------------------------
    def _new_slot(self, value):
        self.template.append(value)
        return len(self.template) - 1

    def _dynamic(self, array):
        slot = self._new_slot(None)
        self.slot_of[id(array)] = slot
        self.alive.append(array)
        return slot

    def _input_slot(self, value):
        """The slot of an op input: its own if it depends on the arguments, else a constant's."""
        slot = self.slot_of.get(id(value))
        if slot is not None:
            return slot
        slot = self.constant_slot.get(id(value))
        if slot is None:
            slot = self.constant_slot[id(value)] = self._new_slot(value)
            self.alive.append(value)
        return slot

    # -- what the engine reports ---------------------------------------------
    def argument(self, array):
        self.argument_slots.append(self._dynamic(array))

    def variable_read(self, variable, array):
        """A Variable read outside any StatelessScope mapping: read again at each replay."""
        if id(array) not in self.slot_of and id(array) not in self.constant_slot and not (
                variable_module.created_after(variable, self.first_uid)):
            self.variable_reads.append((self._dynamic(array), variable))

    def variable_write(self, variable, array):
        """A Variable assigned outside any StatelessScope: assigned again at each replay."""
        if not variable_module.created_after(variable, self.first_uid):
            self.variable_writes.append((variable, self._input_slot(array)))

    def host_read(self, array, what):
        """A value taken to the host (``float``, ``bool``, ``numpy()``...)."""
        if id(array) in self.slot_of:
            self.failure = (f"{what} read a value that depends on the arguments, so Python "
                            f"code may branch on it ({_caller()})")
            raise Untraceable(self.failure)

    def record(self, forward, sequence, arrays, params, kwparams, outputs):
        """One op applied: ``outputs = forward(xp, *arrays, *params, **kwparams)``."""
        slot_of = self.slot_of
        dynamic = any(id(a) in slot_of for a in arrays)
        has_refs = False
        if params or kwparams:
            params, refs_p = self._with_refs(params)
            kwparams, refs_k = self._with_refs(kwparams)
            has_refs = refs_p or refs_k
        if not (dynamic or has_refs):
            return  # an op on constants: its outputs stay constants
        if all(id(o) in slot_of for o in outputs):
            return  # the op gave back its input (a cast to the same dtype, an identity)
        slots = [self._input_slot(a) for a in arrays]
        out_slots = tuple(slot_of[id(o)] if id(o) in slot_of else self._dynamic(o)
                          for o in outputs)
        self.steps.append((forward, sequence, tuple(slots), params, kwparams, has_refs,
                           out_slots))

    def _with_refs(self, value):
        """``value`` with each argument-dependent array in it replaced by a :class:`_Ref`."""
        if isinstance(value, (tuple, list)):
            items = [self._with_refs(v) for v in value]
            if not any(r for _, r in items):
                return value, False
            return type(value)(v for v, _ in items), True
        if isinstance(value, dict):
            items = {k: self._with_refs(v) for k, v in value.items()}
            if not any(r for _, r in items.values()):
                return value, False
            return {k: v for k, (v, _) in items.items()}, True
        if isinstance(value, self.engine.Tensor):
            value = value.data
        slot = self.slot_of.get(id(value))
        return (value, False) if slot is None else (_Ref(slot), True)

    def schedule(self, output_leaves):
        """The :class:`Schedule` that gives ``output_leaves`` (raw arrays or Python values)."""
        outputs = []
        for leaf in output_leaves:
            slot = self.slot_of.get(id(leaf))
            outputs.append((slot, None) if slot is not None else (None, leaf))
        return Schedule(self, outputs)


class Schedule:
    """A recorded call, replayed on new argument arrays (see the module docstring)."""

    def __init__(self, recording, outputs):
        engine = recording.engine
        self.xp = engine.xp
        self._ndarray = engine._ndarray
        self.template = list(recording.template)
        self.argument_slots = tuple(recording.argument_slots)
        self.variable_reads = tuple(recording.variable_reads)
        self.variable_writes = tuple(recording.variable_writes)
        self.tensor = engine.Tensor
        self.outputs = tuple(outputs)
        # after each step, drop the slots no later step or output reads (memory, as eager)
        kept = {slot for slot, _ in outputs if slot is not None}
        kept.update(slot for _, slot in self.variable_writes)
        last_read = {}
        for index, step in enumerate(recording.steps):
            for slot in step[2]:
                last_read[slot] = index
            if step[5]:
                for slot in _refs_in((step[3], step[4])):
                    last_read[slot] = index
        frees = [[] for _ in recording.steps]
        for slot, index in last_read.items():
            if slot not in kept and self.template[slot] is None:
                frees[index].append(slot)
        steps = []
        for step, free in zip(recording.steps, frees):
            forward, outs = step[0], step[6]
            # an op that saves a value for its gradient (max pooling's winners), where no
            # gradient is taken (inference): its forward without the saved value
            unsaved = getattr(forward, "without_saved", None)
            if unsaved is not None and len(outs) == 2 and outs[1] not in last_read \
                    and outs[1] not in kept:
                forward, outs = unsaved, outs[:1]
            steps.append((forward,) + step[1:5] + (_Refs(step[3], step[4]) if step[5] else None,
                                                   outs, tuple(free)))
        self.steps = tuple(steps)

    def __len__(self):
        return len(self.steps)

    def run(self, argument_arrays, assign=True):
        """The output leaves for these argument arrays (raw arrays, in the traced order).

        ``assign``: assign the Variables the function assigns outside a StatelessScope;
        False returns ``(outputs, [(variable, array), ...])`` and leaves them as they are."""
        values = self.template.copy()
        for slot, array in zip(self.argument_slots, argument_arrays):
            values[slot] = array
        for slot, variable in self.variable_reads:
            values[slot] = variable.value.data
        xp, ndarray, asarray = self.xp, self._ndarray, self.xp.asarray
        for forward, sequence, ins, params, kwparams, refs, outs, free in self.steps:
            if refs is not None:
                params, kwparams = refs.resolve(values)
            if sequence:
                result = forward(xp, [values[i] for i in ins], *params, **kwparams)
            else:
                result = forward(xp, *[values[i] for i in ins], *params, **kwparams)
            if len(outs) == 1:
                values[outs[0]] = result if type(result) is ndarray else asarray(result)
            else:
                for slot, r in zip(outs, result):
                    values[slot] = r if type(r) is ndarray else asarray(r)
            for slot in free:
                values[slot] = None
        outputs = [values[slot] if slot is not None else constant
                   for slot, constant in self.outputs]
        if not assign:
            return outputs, [(variable, values[slot]) for variable, slot in self.variable_writes]
        for variable, slot in self.variable_writes:
            variable._value = self.tensor(values[slot])
        return outputs


def _caller():
    """Where the code that reached the engine is: the innermost frame outside the
    backends (a layer's call, a loss), as "file:line in function"."""
    backends = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(backends + os.sep):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "inside the engine"


class _Refs:
    """An op's parameters with slots in them, rebuilt from the slots' values at each replay:
    slots directly among the parameters (the common case, e.g. a flag or an index array)
    are put in place by position; deeper ones (an index array inside a key tuple) go
    through :func:`_resolve`."""

    __slots__ = ("params", "kwparams", "positional", "keywords", "nested")

    def __init__(self, params, kwparams):
        self.params, self.kwparams = params, kwparams
        self.positional = [(i, p.slot) for i, p in enumerate(params) if type(p) is _Ref]
        self.keywords = [(k, p.slot) for k, p in kwparams.items() if type(p) is _Ref]
        direct = len(self.positional) + len(self.keywords)
        self.nested = direct != sum(1 for _ in _refs_in((params, kwparams)))

    def resolve(self, values):
        if self.nested:
            return _resolve(self.params, values), _resolve(self.kwparams, values)
        params, kwparams = self.params, self.kwparams
        if self.positional:
            params = list(params)
            for i, slot in self.positional:
                params[i] = values[slot]
        if self.keywords:
            kwparams = dict(kwparams)
            for k, slot in self.keywords:
                kwparams[k] = values[slot]
        return params, kwparams


def _resolve(value, values):
    if type(value) is _Ref:
        return values[value.slot]
    if isinstance(value, (tuple, list)):
        return type(value)(_resolve(v, values) for v in value)
    if isinstance(value, dict):
        return {k: _resolve(v, values) for k, v in value.items()}
    return value


def _refs_in(value):
    if type(value) is _Ref:
        yield value.slot
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _refs_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _refs_in(v)


class _Recorded:
    """A signature's schedule and its outputs' tree structure; ``verified`` once a second
    call agreed with it."""

    __slots__ = ("schedule", "treedef", "verified")

    def __init__(self, schedule, treedef):
        self.schedule = schedule
        self.treedef = treedef
        self.verified = False


class Replayed:
    """``engine.jit(fn)``: ``fn`` recorded once per input signature and replayed after.

    The first call with a signature records it; the second runs ``fn`` eagerly again
    and the schedule beside it, and keeps the schedule only if every output agrees;
    later calls replay it. Outputs are the engine's tensors, as ``fn``'s are.
    """

    def __init__(self, engine, fn):
        self._engine = engine
        self._fn = fn
        self._entries = {}  # signature -> _Recorded or _Eager
        self._warned = False
        self.__name__ = getattr(fn, "__name__", "fn")
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn

    def __call__(self, *args):
        engine = self._engine
        if engine._trace is not None or engine._tapes.anywhere:
            return self._fn(*args)  # inside another recording, or seen by a tape: eager
        leaves, treedef = tree.flatten(args)
        key = self._signature(leaves, treedef)
        if key is None:
            return self._fn(*args)
        entry = self._entries.get(key)
        if type(entry) is _Recorded:
            if entry.verified:
                return self._replay(entry, leaves)
            return self._verify(key, entry, args, leaves)
        if entry is None:
            if len(self._entries) >= MAX_SIGNATURES:
                self._entries[key] = _Eager(f"more than {MAX_SIGNATURES} input signatures")
                return self._fn(*args)
            return self._record(key, args, leaves)
        return self._fn(*args)  # _Eager

    # -- signatures ------------------------------------------------------------
    def _signature(self, leaves, treedef):
        """A hashable key of the call's shapes, dtypes and Python values; None for
        arguments a schedule cannot take (Variables, foreign objects)."""
        Tensor, ndarray = self._engine.Tensor, self._engine._ndarray
        parts = [treedef]
        for leaf in leaves:
            kind = type(leaf)
            if kind is Tensor:
                leaf = leaf.data
                kind = ndarray
            if kind is ndarray:
                parts.append((leaf.shape, leaf.dtype))
            elif leaf is None or kind in (int, float, bool, str):
                parts.append((kind, leaf))
            else:
                return None
        parts = tuple(parts)
        try:
            hash(parts)
        except TypeError:
            return None
        return parts

    def _arrays(self, leaves):
        Tensor = self._engine.Tensor
        return [leaf.data if type(leaf) is Tensor else leaf for leaf in leaves]

    # -- the three kinds of call -------------------------------------------------
    def _record(self, key, args, leaves):
        engine = self._engine
        args, leaves = self._distinct(args, leaves)
        arrays = self._arrays(leaves)
        recording = Recording(engine)
        for array in arrays:
            if type(array) is engine._ndarray:
                recording.argument(array)
            else:  # a Python value: part of the signature, never read from a slot
                recording.argument_slots.append(recording._new_slot(array))
        engine._start_trace(recording)
        try:
            out = self._fn(*args)
        except Untraceable:
            engine._stop_trace()
            self._give_up(key, recording.failure)
            return self._fn(*args)
        finally:
            if engine._trace is recording:
                engine._stop_trace()
        if recording.failure is not None:  # the function caught Untraceable and went on
            self._give_up(key, recording.failure)
            return out
        out_leaves, out_treedef = tree.flatten(out)
        raw = self._arrays(out_leaves)
        if not all(type(a) is engine._ndarray or _is_constant(a) for a in raw):
            self._give_up(key, "it returns values other than tensors and Python constants")
            return out
        self._entries[key] = _Recorded(recording.schedule(raw), out_treedef)
        return out

    def _distinct(self, args, leaves):
        """``(args, leaves)`` with each array passed a second time replaced by a copy.

        One array passed as two arguments (an optimizer slot that starts as the weight
        itself, a constant given twice) would give the two arguments one slot: the schedule
        would tie them together for good, and a replay given two arrays would read one of
        them for both. The recording call gets equal but distinct arrays instead (arrays are
        never written in place, so the function computes the same)."""
        Tensor, ndarray = self._engine.Tensor, self._engine._ndarray
        seen, copied = set(), []
        for leaf in leaves:
            array = leaf.data if type(leaf) is Tensor else leaf
            if type(array) is ndarray and id(array) in seen:
                array = array.copy()
                leaf = Tensor(array) if type(leaf) is Tensor else array
            elif type(array) is ndarray:
                seen.add(id(array))
            copied.append(leaf)
        if all(a is b for a, b in zip(copied, leaves)):
            return args, leaves
        return tree.unflatten(tree.flatten(args)[1], copied), copied

    def _replay(self, entry, leaves):
        Tensor, ndarray = self._engine.Tensor, self._engine._ndarray
        raw = entry.schedule.run(self._arrays(leaves))
        return tree.unflatten(entry.treedef,
                              [Tensor(a) if type(a) is ndarray else a for a in raw])

    def _verify(self, key, entry, args, leaves):
        replayed, assigned = entry.schedule.run(self._arrays(leaves), assign=False)
        out = self._fn(*args)
        expected = self._arrays(tree.flatten(out)[0])
        expected += [variable._value.data for variable, _ in assigned]
        reason = _disagreement(self._engine, expected,
                               replayed + [array for _, array in assigned])
        if reason is None:
            entry.verified = True
        else:
            self._give_up(key, f"its recorded schedule disagreed with the eager call "
                               f"({reason}): some value is computed outside the engine's ops")
        return out

    def _give_up(self, key, reason):
        self._entries[key] = _Eager(reason)
        if not self._warned:
            self._warned = True
            warnings.warn(f"jit: {self.__name__} runs eagerly: {reason}.", RuntimeWarning,
                          stacklevel=4)

    def eager_reasons(self):
        """Why signatures run eagerly: ``[reason, ...]`` (for diagnostics and tests)."""
        return [entry.reason for entry in self._entries.values() if type(entry) is _Eager]

    def replaying(self):
        """How many signatures this function replays (verified schedules)."""
        return sum(type(e) is _Recorded and e.verified for e in self._entries.values())


def _is_constant(value):
    return value is None or isinstance(value, (int, float, bool, str))


def _disagreement(engine, expected, got):
    """None when the eager outputs ``expected`` and the replayed ``got`` agree; else what
    differs. Both ran the same forwards on the same arrays, so they agree to rounding (a
    multi-threaded reduction may sum in another order)."""
    xp, ndarray = engine.xp, engine._ndarray
    if len(expected) != len(got):
        return f"{len(got)} outputs instead of {len(expected)}"
    for index, (e, g) in enumerate(zip(expected, got)):
        if type(e) is not ndarray or type(g) is not ndarray:
            if not (type(e) is type(g) and (e == g or e is g)):
                return f"output {index}: {g!r} instead of {e!r}"
            continue
        if e.shape != g.shape or e.dtype != g.dtype:
            return f"output {index}: {g.dtype}{list(g.shape)} instead of {e.dtype}{list(e.shape)}"
        if e.dtype.kind in "fc":
            if not bool(xp.allclose(g, e, rtol=1e-5, atol=1e-7, equal_nan=True)):
                return f"output {index} differs by up to {float(xp.nanmax(xp.abs(g - e)))}"
        elif not bool(xp.array_equal(g, e)):
            return f"output {index} differs"
    return None
