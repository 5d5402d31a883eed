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
      except the ids in ``keep``;
    - for ``jacobian``: ``_basis(target, index, batched)`` (zeros of the target's shape and
      dtype with a one at flat position ``index``, or at ``index`` of every row when
      ``batched``), ``_stack(tensors, axis)`` and ``_reshape(x, shape)``, the backend's own
      ops (an enclosing tape records them).

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
        unconnected_gradients = _unconnected("gradient", unconnected_gradients)
        self._start_differentiation("gradient")
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
            grads = self._reverse_pass(targets, [self._seed(t, seed) if id(t) in self._watched
                                                 else None for t, seed in zip(targets, seeds)],
                                       source_tensors)

        result = []
        for s in source_tensors:
            g = grads.get(id(s))
            if g is None and unconnected_gradients == "zero":
                g = self._zeros_like(s)
            result.append(g)
        if not self._persistent:
            self.reset()
        return tree.unflatten(treedef, result)

    def jacobian(self, target, sources, unconnected_gradients="none", parallel_iterations=None,
                 experimental_use_pfor=True):
        """The Jacobian of ``target`` with respect to each of ``sources`` (TensorFlow's API).

        Each entry has shape ``target.shape + source.shape``: entry ``[i..., j...]`` is the
        derivative of ``target[i...]`` with respect to ``source[j...]``. It takes one
        reverse pass per element of ``target``. ``sources`` may be a structure (the result
        has it); an entry is None where ``target`` does not depend on that source
        (``unconnected_gradients="zero"``: zeros). ``parallel_iterations`` and
        ``experimental_use_pfor`` are accepted for TensorFlow's signature and ignored.
        An enclosing tape records the computation (a Hessian is ``outer.jacobian`` of an
        inner tape's gradient).

        Example:
            >>> with kerasette.GradientTape() as tape:
            ...     tape.watch(x)
            ...     y = ops.sin(x)  # x of shape (3,)
            >>> tape.jacobian(y, x)  # shape (3, 3), cos(x) on the diagonal
        """
        del parallel_iterations, experimental_use_pfor
        unconnected_gradients = _unconnected("jacobian", unconnected_gradients)
        self._start_differentiation("jacobian")
        target = self._single_target("jacobian", target)
        flat_sources, treedef = tree.flatten(sources)
        source_tensors = [self._tensor(s, "sources") for s in flat_sources]
        shape = tuple(target.shape)
        rows = self._basis_gradients(target, _size(shape), source_tensors, batched=False)
        result = [self._assemble(column, source, unconnected_gradients, axis=0,
                                 shape=shape + tuple(source.shape))
                  for column, source in zip(rows, source_tensors)]
        if not self._persistent:
            self.reset()
        return tree.unflatten(treedef, result)

    def batch_jacobian(self, target, source, unconnected_gradients="none",
                       parallel_iterations=None, experimental_use_pfor=True):
        """The Jacobian of each example of ``target`` with respect to the same example of
        ``source`` (TensorFlow's API): shape ``target.shape + source.shape[1:]``, where entry
        ``[b, i..., j...]`` is the derivative of ``target[b, i...]`` with respect to
        ``source[b, j...]``.

        Examples must be independent (row ``b`` of ``target`` depends only on row ``b`` of
        ``source``, as in a model without batch statistics): one reverse pass per element
        of an example computes that element for every example at once. None where
        ``target`` does not depend on ``source`` (zeros with
        ``unconnected_gradients="zero"``); ``parallel_iterations`` and
        ``experimental_use_pfor`` are accepted and ignored.
        """
        del parallel_iterations, experimental_use_pfor
        unconnected_gradients = _unconnected("batch_jacobian", unconnected_gradients)
        self._start_differentiation("batch_jacobian")
        target = self._single_target("batch_jacobian", target)
        source_tensor = self._tensor(source, "sources")
        shape, source_shape = tuple(target.shape), tuple(source_tensor.shape)
        if len(shape) < 2 or len(source_shape) < 2 or shape[0] != source_shape[0]:
            raise ValueError(
                f"GradientTape.batch_jacobian: target and source need rank 2 or more and the "
                f"same first (batch) dimension, got shapes {shape} and {source_shape}.")
        (column,) = self._basis_gradients(target, _size(shape[1:]), [source_tensor],
                                          batched=True)
        result = self._assemble(column, source_tensor, unconnected_gradients, axis=1,
                                shape=shape + source_shape[1:])
        if not self._persistent:
            self.reset()
        return result

    def _start_differentiation(self, method):
        if self._used and not self._persistent:
            raise RuntimeError(
                f"A non-persistent GradientTape can compute gradients only once (this call: "
                f"{method}); use GradientTape(persistent=True) for several gradient calls."
            )
        self._used = True

    def _single_target(self, method, target):
        leaves = tree.flatten(target)[0]
        if len(leaves) != 1 or leaves[0] is not target:
            raise TypeError(f"GradientTape.{method}: target must be one tensor, got "
                            f"{type(target).__name__}; call it once per target.")
        return self._tensor(target, "targets")

    def _reverse_pass(self, targets, seeds, sources):
        """``{id: cotangent}`` of ``sources`` after one reverse pass from ``targets`` seeded
        with ``seeds`` (None: an untracked target, which contributes nothing)."""
        grads = {}
        for t, seed in zip(targets, seeds):
            if seed is not None:
                self._accumulate(grads, t, seed)
        self._backpropagate(grads, {id(s) for s in sources})
        return grads

    def _basis_gradients(self, target, count, sources, batched):
        """For each source, the ``count`` gradients of ``target`` seeded with each basis
        cotangent (None where that one does not reach the source)."""
        columns = [[] for _ in sources]
        with self.stop_recording():
            for index in range(count):
                grads = {}
                if id(target) in self._watched:
                    grads = self._reverse_pass([target], [self._basis(target, index, batched)],
                                               sources)
                for column, source in zip(columns, sources):
                    column.append(grads.get(id(source)))
        return columns

    def _assemble(self, column, source, unconnected_gradients, axis, shape):
        """One Jacobian from its ``column`` of gradients, stacked along ``axis`` and shaped
        ``shape``; None (or zeros) when no gradient reached ``source``."""
        if column and all(g is None for g in column) and unconnected_gradients == "none":
            return None
        zeros = self._zeros_like(source)
        if not column:  # an empty target: one row of zeros, sliced away below
            stacked = self._stack([zeros], axis)
            stacked = stacked[(slice(None),) * axis + (slice(0, 0),)]
        else:
            stacked = self._stack([zeros if g is None else g for g in column], axis)
        return self._reshape(stacked, shape)

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


def _unconnected(method, value):
    """``unconnected_gradients`` (a string or TensorFlow's enum) as "none" or "zero"."""
    value = str(getattr(value, "value", value)).lower()
    if value not in ("none", "zero"):
        raise ValueError(f"GradientTape.{method}: unconnected_gradients must be 'none' or "
                         f"'zero', got {value!r}.")
    return value


def _size(shape):
    size = 1
    for n in shape:
        size *= int(n)
    return size


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


def custom_gradient_pair(name, result):
    """``(output, grad_fn)``, what a function decorated by ``custom_gradient`` must return;
    anything else raises TypeError naming the function ``name`` (on every backend)."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2 and callable(result[1])):
        raise TypeError(f"custom_gradient: {name} must return a pair (output, grad_fn), got "
                        f"{type(result).__name__}.")
    return result


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
