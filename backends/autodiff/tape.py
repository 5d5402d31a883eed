"""GradientTape: records the engine's ops and runs them backwards.

A tape tracks tensors by identity. ``watch(x)`` marks ``x``; an op recorded
while the tape is active whose inputs include a tracked tensor makes its
output tracked and appends a node (op, inputs, params, output). The nodes are
kept in creation order, which is already a topological order: ``gradient``
walks them once in reverse, with no recursion, so graphs of any depth work.

Gradient rules are written with the engine's own ops. While a tape computes
gradients it stops recording itself, but any enclosing tape that tracks the
tensors involved records those ops: nesting tapes gives higher derivatives.
"""

from .. import tree
from ..variable import Variable


class Node:
    """One recorded op application."""

    __slots__ = ("op", "inputs", "params", "kwparams", "out", "saved")

    def __init__(self, op, inputs, params, kwparams, out, saved):
        self.op = op
        self.inputs = inputs
        self.params = params
        self.kwparams = kwparams
        self.out = out
        self.saved = saved


class GradientTape:
    """Records operations for automatic differentiation (TensorFlow-style).

    Args:
        persistent: allow more than one ``gradient`` call.
        watch_accessed_variables: watch every trainable Variable read while
            the tape is active.

    Example:
        >>> x = kerasette.ops.convert_to_tensor(3.0)
        >>> with kerasette.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> float(tape.gradient(y, x))
        6.0
    """

    def __init__(self, engine, persistent=False, watch_accessed_variables=True):
        self._engine = engine
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._watched = set()
        self._keep_alive = []
        self._variable_reads = {}
        self._nodes = []
        self._used = False
        self._active = False

    # -- recording --------------------------------------------------------
    def __enter__(self):
        if self._active:
            raise RuntimeError("This GradientTape is already recording.")
        self._active = True
        self._engine._tapes.append(self)
        return self

    def __exit__(self, *exc):
        self._active = False
        if self in self._engine._tapes:
            self._engine._tapes.remove(self)
        return False

    def watch(self, tensor):
        """Tracks ``tensor`` (a tensor, a Variable, or a nested structure of them)."""
        for item in tree.flatten(tensor)[0]:
            if isinstance(item, Variable):
                self._watch_variable(item, item.value)
            elif type(item) is self._engine.Tensor:
                self._track(item)
            else:
                raise TypeError(
                    f"GradientTape.watch expects {self._engine.name} tensors or Variables, got "
                    f"{type(item).__name__}; convert it first with ops.convert_to_tensor."
                )

    def _track(self, tensor):
        if id(tensor) not in self._watched:
            self._watched.add(id(tensor))
            self._keep_alive.append(tensor)

    def _watch_variable(self, variable, value):
        self._variable_reads.setdefault(id(variable), value)
        self._track(value)

    def _variable_read(self, variable, value):
        """Called by the engine each time an op reads ``variable`` while this tape records."""
        if self._watch_accessed_variables and variable.trainable:
            self._watch_variable(variable, value)
        elif id(variable) in self._variable_reads:
            self._track(value)

    def stop_recording(self):
        """A context manager in which ops are not recorded on this tape."""
        return _Paused(self)

    def reset(self):
        """Forgets everything recorded so far."""
        self._watched.clear()
        self._keep_alive.clear()
        self._variable_reads.clear()
        self._nodes.clear()

    def watched_variables(self):
        """Not tracked by identity here; returns an empty tuple (kept for API parity)."""
        return ()

    # -- differentiation --------------------------------------------------
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of ``target`` (summed over its elements, or weighted by
        ``output_gradients``) with respect to ``sources``.

        Returns the structure of ``sources``; an entry is None where ``target``
        does not depend on it (``unconnected_gradients="zero"`` gives zeros).
        """
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can compute gradients only once; "
                "use GradientTape(persistent=True) for several gradient calls."
            )
        self._used = True
        engine = self._engine
        flat_sources, treedef = tree.flatten(sources)
        source_tensors = [self._source_tensor(s) for s in flat_sources]
        targets = tree.flatten(target)[0]
        seeds = tree.flatten(output_gradients)[0] if output_gradients is not None else [None] * len(targets)
        if len(seeds) != len(targets):
            raise ValueError(
                f"GradientTape.gradient: {len(targets)} targets but {len(seeds)} output_gradients."
            )

        with self.stop_recording():
            grads = {}
            for t, seed in zip(targets, seeds):
                t = self._source_tensor(t)
                if id(t) not in self._watched:
                    continue
                seed = engine.ones_like(t) if seed is None else engine.convert_to_tensor(seed, t.dtype)
                _accumulate(engine, grads, t, seed)
            keep = {id(s) for s in source_tensors}
            _backpropagate(engine, self._nodes, grads, keep, self._watched)

        result = []
        for s in source_tensors:
            g = grads.get(id(s))
            if g is None and unconnected_gradients == "zero":
                g = engine.zeros_like(s)
            result.append(g)
        if not self._persistent:
            self.reset()
        return tree.unflatten(treedef, result)

    def _source_tensor(self, source):
        if isinstance(source, Variable):
            return self._variable_reads.get(id(source), source.value)
        if type(source) is not self._engine.Tensor:
            raise TypeError(
                f"GradientTape.gradient: sources and targets must be {self._engine.name} tensors or "
                f"Variables, got {type(source).__name__}."
            )
        return source


class _Paused:
    def __init__(self, tape):
        self._tape = tape
        self._was_active = False

    def __enter__(self):
        tapes = self._tape._engine._tapes
        self._was_active = self._tape in tapes
        if self._was_active:
            tapes.remove(self._tape)

    def __exit__(self, *exc):
        if self._was_active and self._tape._active:
            self._tape._engine._tapes.append(self._tape)
        return False


def _accumulate(engine, grads, x, g):
    previous = grads.get(id(x))
    grads[id(x)] = g if previous is None else engine.add(previous, g)


def _backpropagate(engine, nodes, grads, keep, watched):
    """One reverse pass over ``nodes`` (creation order is topological order)."""
    Tensor = engine.Tensor
    for node in reversed(nodes):
        key = id(node.out)
        g = grads.get(key)
        if g is None:
            continue
        if key not in keep:
            del grads[key]
        op = node.op
        if op.sequence:
            inputs = node.inputs
            input_grads = op.vjp(engine, g, node.out, list(inputs), *node.params, **_kw(node))
        else:
            inputs = node.inputs
            input_grads = op.vjp(engine, g, node.out, *inputs, *node.params, **_kw(node))
        for x, gx in zip(inputs, input_grads):
            if gx is None or type(x) is not Tensor or id(x) not in watched:
                continue
            if callable(gx):
                gx = gx()
            if op.broadcast:
                gx = engine._unbroadcast(gx, x.data.shape)
            _accumulate(engine, grads, x, gx)


def _kw(node):
    if node.saved is None:
        return node.kwparams
    return dict(node.kwparams, saved=node.saved)
