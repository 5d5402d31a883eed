"""GradientTape for the jax backend: TensorFlow's semantics, JAX's gradients.

The same behaviour as the numpy engine's tape (``backends/autodiff/tape.py``):
``watch``, ``gradient(target, sources, output_gradients=None,
unconnected_gradients="none")``, ``stop_recording``, ``reset``, persistent and
nested tapes, trainable Variables read inside watched by default, sources'
structure preserved, None where a source is unconnected.

What an op leaves on the tape is described in ``recording.py``: each node keeps
its ``jax.vjp``. ``gradient`` walks the nodes once in reverse creation order
(already a topological order; no recursion). Cotangents are summed with the
backend's own ``add`` and every backward step runs through
``recording.backward``: enclosing tapes record both, which gives them
higher derivatives.

Python operators on tracked jax arrays (``x * x``, ``x[0]``) are recorded too, see
``operators.py``; JAX's functions called directly (``jnp.sin(x)``) are not: use ``ops``.
"""

import jax
import jax.numpy as jnp

from .. import tree
from ..variable import Variable
from . import operators, recording
from .core import cast
from .dtypes import INEXACT
from .ops.elementwise import add


class GradientTape:
    """Records jax ops for automatic differentiation (TensorFlow-style).

    Args:
        persistent: allow more than one ``gradient`` call.
        watch_accessed_variables: watch every trainable Variable read while the tape
            records.

    Example:
        >>> x = ops.convert_to_tensor(3.0)
        >>> with kerasette.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = ops.multiply(x, x)
        >>> float(tape.gradient(y, x))
        6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._watched = set()  # ids of tracked tensors
        self._keep_alive = []  # the tracked tensors that no node holds
        self._variables = {}  # id(variable) -> (variable, value read first)
        self._nodes = []
        self._used = False
        self._active = False

    # -- recording --------------------------------------------------------
    def __enter__(self):
        if self._active:
            raise RuntimeError("This GradientTape is already recording.")
        self._active = True
        recording.tapes.append(self)
        operators.update()
        return self

    def __exit__(self, *exc):
        self._active = False
        if self in recording.tapes:
            recording.tapes.remove(self)
        operators.update()
        return False

    def watch(self, tensor):
        """Tracks ``tensor`` (a jax array, a Variable, or a nested structure of them)."""
        for item in tree.flatten(tensor)[0]:
            if isinstance(item, Variable):
                self._watch_variable(item, _variable_value(item))
            elif isinstance(item, jax.Array):
                self._track(item)
            else:
                raise TypeError(
                    f"GradientTape.watch expects jax arrays or Variables, got "
                    f"{type(item).__name__}; convert it first with ops.convert_to_tensor."
                )

    def _track(self, tensor):
        if id(tensor) not in self._watched:
            self._watched.add(id(tensor))
            self._keep_alive.append(tensor)

    def _watch_variable(self, variable, value):
        self._variables.setdefault(id(variable), (variable, value))
        self._track(value)

    def _variable_read(self, variable, value):
        """Called each time an op reads ``variable`` while this tape records."""
        if self._watch_accessed_variables and variable.trainable:
            self._watch_variable(variable, value)
        elif id(variable) in self._variables:
            self._track(value)

    def _record(self, node):
        """Appends ``node`` (an op on tensors this tape tracks); its outputs become tracked."""
        self._nodes.append(node)
        for out in node.outputs:
            if out is not None:
                self._watched.add(id(out))

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
        unconnected_gradients = str(getattr(unconnected_gradients, "value", unconnected_gradients)).lower()
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
                if id(t) not in self._watched or t.dtype not in INEXACT:
                    continue
                seed = jnp.ones(t.shape, t.dtype) if seed is None else cast(seed, t.dtype)
                _accumulate(grads, t, seed)
            keep = {id(s) for s in source_tensors}
            self._backpropagate(grads, keep)

        result = []
        for s in source_tensors:
            g = grads.get(id(s))
            if g is None and unconnected_gradients == "zero":
                g = jnp.zeros(s.shape, s.dtype)
            result.append(g)
        if not self._persistent:
            self.reset()
        return tree.unflatten(treedef, result)

    def _backpropagate(self, grads, keep):
        """One reverse pass over the nodes, accumulating cotangents in ``grads`` (by id)."""
        watched = self._watched
        for node in reversed(self._nodes):
            cotangents = [None if out is None else grads.get(id(out)) for out in node.outputs]
            if all(g is None for g in cotangents):
                continue
            for out in node.outputs:
                if out is not None and id(out) not in keep:
                    grads.pop(id(out), None)
            cotangents = [jnp.zeros(shape, dtype) if g is None else g
                          for g, (shape, dtype) in zip(cotangents, node.avals)]
            for x, gx in zip(node.inputs, recording.backward(node, cotangents)):
                if id(x) in watched:
                    _accumulate(grads, x, gx)

    def _tensor(self, value, role):
        if isinstance(value, Variable):
            entry = self._variables.get(id(value))
            return entry[1] if entry is not None else _variable_value(value)
        if not isinstance(value, jax.Array):
            raise TypeError(
                f"GradientTape.gradient: {role} must be jax arrays or Variables, got "
                f"{type(value).__name__}."
            )
        return value


def _variable_value(variable):
    if variable._backend.name != "jax":
        raise ValueError(f"Cannot mix backends: Variable {variable.name!r} belongs to the "
                         f"{variable.backend} backend, used with a jax GradientTape.")
    return variable.value


class _Paused:
    """Takes a tape off the recording stack for a block, then puts it back in its place."""

    def __init__(self, tape):
        self._tape = tape
        self._position = None

    def __enter__(self):
        if self._tape in recording.tapes:
            self._position = recording.tapes.index(self._tape)
            recording.tapes.remove(self._tape)
            operators.update()

    def __exit__(self, *exc):
        if self._position is not None and self._tape._active:
            recording.tapes.insert(self._position, self._tape)
            operators.update()
        return False


def _accumulate(grads, x, g):
    previous = grads.get(id(x))
    grads[id(x)] = g if previous is None else add(previous, g)
