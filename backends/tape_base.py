"""The bookkeeping every backend's GradientTape shares: TensorFlow's tape semantics.

A tape tracks tensors by identity. ``watch(x)`` marks ``x``; while the tape
records, an op on a tracked tensor leaves a node on it and its output becomes
tracked (how a node looks and how the backward pass runs are the backend's
own: ``backends/autodiff/tape.py``, ``backends/jax/tape.py``). Trainable
Variables read while the tape records are watched by default. Only
floating-point (and complex) tensors are tracked, as in TensorFlow and JAX: an
integer or boolean tensor, watched or computed, takes no gradient (None, or
zeros of its dtype with ``unconnected_gradients="zero"``). A tape gives
gradients once, or as often as asked when ``persistent``; tapes nest (an
enclosing tape records the inner tape's backward pass, which gives higher
derivatives), and ``stop_recording`` pauses one tape for a block.

Recording is per thread (per ``contextvars`` context, as ``StatelessScope``):
each backend keeps its recording tapes in a :class:`TapeStack`, so two threads
recording at once never see each other's ops.

This module imports no array library: a backend's tape subclasses
:class:`TapeBase` and supplies the few array-specific pieces.
"""

import contextvars

from . import tree
from .variable import Variable


class TapeStack:
    """The tapes recording in the current thread, innermost last: one stack per
    ``contextvars`` context, so each thread (and each asyncio task) records on its own.

    ``anywhere`` lists the tapes recording in any thread. It is the per-op check of the
    engine's fast path: empty means no tape records anywhere, which is all an op outside
    a tape needs to know. Testing a list costs ~9 ns; ``ContextVar.get`` ~19 ns and
    ``bool()`` of this object ~48 ns (timeit, on a shared 2-core dev machine),
    against ~1 us for a whole small op. Only when ``anywhere`` is non-empty does an op
    ask :meth:`get` for this thread's tapes.

    Args:
        name: the context variable's name (shown in its repr).
    """

    __slots__ = ("_stack", "anywhere", "get")

    def __init__(self, name):
        # tuples, never lists: a context variable's value must not be shared and mutated
        self._stack = contextvars.ContextVar(name, default=())
        self.anywhere = []
        #: ``get()``: this thread's recording tapes, innermost last (a tuple); the context
        #: variable's own method, with no Python call in between (it runs once per op in a tape)
        self.get = self._stack.get

    def __bool__(self):
        return bool(self.anywhere) and bool(self._stack.get())

    def __iter__(self):
        return iter(self._stack.get())

    def push(self, tape, position=None):
        """Puts ``tape`` on this thread's stack, innermost or at ``position``."""
        tapes = self._stack.get()
        if position is None:
            position = len(tapes)
        self._stack.set(tapes[:position] + (tape,) + tapes[position:])
        self.anywhere.append(tape)

    def remove(self, tape):
        """Takes ``tape`` off this thread's stack; returns its position there (None when it
        was not on it)."""
        tapes = self._stack.get()
        if tape not in tapes:
            return None
        position = tapes.index(tape)
        self._stack.set(tapes[:position] + tapes[position + 1:])
        self.anywhere.remove(tape)
        return position


class TapeBase:
    """Watched tensors and Variables, the recording stack, ``gradient``'s argument handling.

    A subclass provides:

    - ``_recording_tapes()``: the backend's :class:`TapeStack`;
    - ``_tapes_changed()``: called after a tape joins or leaves that list (default: nothing);
    - ``_is_tensor(x)``: whether ``x`` is this backend's tensor; ``_tensor_kind``, their name
      in error messages (e.g. ``"jax arrays"``);
    - ``_is_floating(x)``: whether the tensor ``x`` has a floating or complex dtype (the
      only ones a tape tracks);
    - ``_variable_value(variable)``: the value an op reads from ``variable``;
    - ``_seed(target, output_gradient)``: the starting cotangent of a tracked target (ones
      when ``output_gradient`` is None);
    - ``_add(a, b)`` and ``_zeros_like(x)``;
    - ``_backpropagate(grads, keep)``: one reverse pass over ``self._nodes`` that adds
      cotangents into ``grads`` (keyed by ``id``), dropping those of intermediate tensors
      except the ids in ``keep``.

    Args:
        persistent: allow more than one ``gradient`` call.
        watch_accessed_variables: watch every trainable Variable read while the tape
            records.
    """

    _tensor_kind = "tensors"

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._watched = set()  # ids of tracked tensors
        self._keep_alive = []  # the tracked tensors, so that their ids keep their owner
        self._variables = {}  # id(variable) -> (variable, value read first)
        self._nodes = []  # recorded ops, in creation order (a topological order)
        self._used = False
        self._active = False

    # -- hooks --------------------------------------------------------------
    def _recording_tapes(self):
        raise NotImplementedError

    def _tapes_changed(self):
        pass

    # -- recording --------------------------------------------------------
    def __enter__(self):
        if self._active:
            raise RuntimeError("This GradientTape is already recording.")
        self._active = True
        self._recording_tapes().push(self)
        self._tapes_changed()
        return self

    def __exit__(self, *exc):
        self._active = False
        self._recording_tapes().remove(self)
        self._tapes_changed()
        return False

    def watch(self, tensor):
        """Tracks ``tensor`` (a tensor, a Variable, or a nested structure of them).

        Integer and boolean tensors and Variables are accepted and left untracked: they take
        no gradient (TensorFlow's and JAX's rule).
        """
        for item in tree.flatten(tensor)[0]:
            if isinstance(item, Variable):
                self._watch_variable(item, self._variable_value(item))
            elif self._is_tensor(item):
                self._track(item)
            else:
                raise TypeError(
                    f"GradientTape.watch expects {self._tensor_kind} or Variables, got "
                    f"{type(item).__name__}; convert it first with ops.convert_to_tensor."
                )

    def _track(self, tensor):
        if id(tensor) not in self._watched and self._is_floating(tensor):
            self._watched.add(id(tensor))
            self._keep_alive.append(tensor)

    def _watch_variable(self, variable, value):
        if not self._is_floating(value):
            return  # an integer Variable (a step counter, say) takes no gradient
        self._variables.setdefault(id(variable), (variable, value))
        self._track(value)

    def _variable_read(self, variable, value):
        """Called each time an op reads ``variable`` (whose value is ``value``) while this
        tape records."""
        # the common case first, a Variable already watched: its value is tracked with no
        # further call (this runs at every read in a tape; measured ~9% of a small op's
        # instructions when it went through _watch_variable's dtype check each time)
        if id(variable) in self._variables:
            if id(value) not in self._watched:
                self._watched.add(id(value))
                self._keep_alive.append(value)
        elif self._watch_accessed_variables and variable.trainable:
            self._watch_variable(variable, value)

    def stop_recording(self):
        """A context manager in which ops are not recorded on this tape."""
        return _Paused(self)

    def reset(self):
        """Forgets everything recorded so far."""
        self._watched.clear()
        self._keep_alive.clear()
        self._variables.clear()
        self._nodes.clear()

    def watched_variables(self):
        """The Variables this tape watches, in the order first watched."""
        return tuple(variable for variable, _ in self._variables.values())

    # -- differentiation --------------------------------------------------
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of ``target`` (summed over its elements, or weighted by
        ``output_gradients``) with respect to ``sources``.

        Returns the structure of ``sources``; an entry is None where ``target`` does not
        depend on it (``unconnected_gradients="zero"`` gives zeros).
        """
        unconnected_gradients = str(getattr(unconnected_gradients, "value",
                                            unconnected_gradients)).lower()
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError("GradientTape.gradient: unconnected_gradients must be 'none' or "
                             f"'zero', got {unconnected_gradients!r}.")
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can compute gradients only once; "
                "use GradientTape(persistent=True) for several gradient calls."
            )
        self._used = True
        flat_sources, treedef = tree.flatten(sources)
        source_tensors = [self._tensor(s, "sources") for s in flat_sources]
        targets = [self._tensor(t, "targets") for t in tree.flatten(target)[0]]
        seeds = ([None] * len(targets) if output_gradients is None
                 else tree.flatten(output_gradients)[0])
        if len(seeds) != len(targets):
            raise ValueError(
                f"GradientTape.gradient: {len(targets)} targets but {len(seeds)} output_gradients."
            )

        with self.stop_recording():
            grads = {}
            for t, seed in zip(targets, seeds):
                if id(t) in self._watched:  # untracked: unconnected, or an integer
                    self._accumulate(grads, t, self._seed(t, seed))
            self._backpropagate(grads, {id(s) for s in source_tensors})

        result = []
        for s in source_tensors:
            g = grads.get(id(s))
            if g is None and unconnected_gradients == "zero":
                g = self._zeros_like(s)
            result.append(g)
        if not self._persistent:
            self.reset()
        return tree.unflatten(treedef, result)

    def _accumulate(self, grads, x, g):
        """Adds the cotangent ``g`` of ``x`` into ``grads``."""
        previous = grads.get(id(x))
        grads[id(x)] = g if previous is None else self._add(previous, g)

    def _tensor(self, value, role):
        """The tensor a source or target stands for (a Variable: the value the tape saw)."""
        if isinstance(value, Variable):
            entry = self._variables.get(id(value))
            return entry[1] if entry is not None else self._variable_value(value)
        if not self._is_tensor(value):
            raise TypeError(
                f"GradientTape.gradient: {role} must be {self._tensor_kind} or Variables, got "
                f"{type(value).__name__}."
            )
        return value


def check_differentiable_argument(dtype, position, argnums):
    """Raises TypeError when a leaf of the differentiated argument ``position`` has the
    integer or boolean dtype ``dtype`` (a standard name such as "int32").

    ``value_and_grad`` and ``grad`` refuse such arguments on every backend, as
    ``jax.value_and_grad`` does: an integer has no gradient, and a silent None or zeros
    would hide a wrong ``argnums`` or a forgotten cast.
    """
    if dtype.startswith(("float", "bfloat", "complex")):
        return
    raise TypeError(
        f"value_and_grad: argument {position} (argnums={argnums}) holds a {dtype} value; "
        "gradients are taken only with respect to floating-point arguments. Cast it to a "
        "float dtype, or pass it as an argument outside argnums."
    )


class _Paused:
    """Takes a tape off the recording stack for a block, then puts it back in its place."""

    def __init__(self, tape):
        self._tape = tape
        self._position = None

    def __enter__(self):
        self._position = self._tape._recording_tapes().remove(self._tape)
        if self._position is not None:
            self._tape._tapes_changed()

    def __exit__(self, *exc):
        if self._position is not None and self._tape._active:
            self._tape._recording_tapes().push(self._tape, self._position)
            self._tape._tapes_changed()
        return False
