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

This module imports no array library: a backend's tape subclasses
:class:`TapeBase` and supplies the few array-specific pieces.
"""

from . import tree
from .variable import Variable


class TapeBase:
    """Watched tensors and Variables, the recording stack, ``gradient``'s argument handling.

    A subclass provides:

    - ``_recording_tapes()``: the list of tapes currently recording, innermost last;
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
        self._recording_tapes().append(self)
        self._tapes_changed()
        return self

    def __exit__(self, *exc):
        self._active = False
        tapes = self._recording_tapes()
        if self in tapes:
            tapes.remove(self)
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
        if self._watch_accessed_variables and variable.trainable:
            self._watch_variable(variable, value)
        elif id(variable) in self._variables:
            self._track(value)

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
        tapes = self._tape._recording_tapes()
        if self._tape in tapes:
            self._position = tapes.index(self._tape)
            tapes.remove(self._tape)
            self._tape._tapes_changed()

    def __exit__(self, *exc):
        if self._position is not None and self._tape._active:
            self._tape._recording_tapes().insert(self._position, self._tape)
            self._tape._tapes_changed()
        return False
