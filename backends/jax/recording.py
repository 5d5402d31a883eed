"""Recording ops on GradientTapes, with JAX computing every gradient.

While a tape records, an op whose inputs the tape tracks runs as
``outputs, vjp = jax.vjp(f, *inputs)`` and leaves a :class:`Node` on the tape:
the pure function ``f`` of the tracked inputs, those inputs, the outputs and
``vjp``. The tape runs the nodes backwards (see ``tape.py``); each step is
``vjp(cotangents)``, so even the tape's gradients come from JAX.

Higher derivatives: a backward step is itself an op of the node's inputs and
the cotangents, ``jax.vjp(f, *inputs)[1](cotangents)``. When another tape is
recording (an enclosing one), :func:`backward` runs that step through
:func:`apply`, so the enclosing tape records it like any op and sees how the
gradient depends on the inputs. The same mechanism serves every op and every
order; no op has code of its own for it.

Tensors are tracked by identity (``id``); nodes hold strong references to
their inputs and outputs, so an id never changes owner while a tape can read it.
"""

import jax

from ..tape_base import TapeStack
from .dtypes import INEXACT

#: The tapes recording in this thread, innermost last (``tapes.anywhere``: in any thread).
tapes = TapeStack("kerasette.jax.tapes")


class Node:
    """One recorded op application.

    Attributes:
        fn: the pure function of ``inputs`` that the op computed, returning the list of
            its floating outputs.
        inputs: the tracked input arrays (the ones gradients flow to).
        outputs: those outputs; None for an output that is one of the op's inputs (an op
            that returned its input unchanged), which carries no gradient of its own.
        avals: ``(shape, dtype)`` of every output, for zero cotangents.
        vjp: ``jax.vjp``'s function from output cotangents to input cotangents.
    """

    __slots__ = ("fn", "inputs", "outputs", "avals", "vjp")

    def __init__(self, fn, inputs, outputs, avals, vjp):
        self.fn = fn
        self.inputs = inputs
        self.outputs = outputs
        self.avals = avals
        self.vjp = vjp


def notify_variable_read(variable, value):
    """Tells the recording tapes that an op read ``variable`` (whose value is ``value``)."""
    for tape in tapes:
        tape._variable_read(variable, value)


def apply(fn, values, unrecorded=None):
    """``fn(*values)``, recorded on every recording tape that tracks one of ``values``.

    Args:
        fn: a pure function returning an array or a list/tuple of arrays.
        values: its arguments; the floating jax arrays among them can be tracked, the
            others (integer arrays, Python scalars, None) are constants.
        unrecorded: an equivalent of ``fn(*values)`` without arguments, run instead when
            no tape tracks any of ``values`` (a cheaper way to the same result).
    """
    candidates = [i for i, v in enumerate(values)
                  if isinstance(v, jax.Array) and v.dtype in INEXACT]
    recorders, tracked = [], set()
    for tape in tapes:
        watched = tape._watched
        hits = [i for i in candidates if id(values[i]) in watched]
        if hits:
            recorders.append(tape)
            tracked.update(hits)
    if not recorders:
        return unrecorded() if unrecorded is not None else fn(*values)

    positions = sorted(tracked)
    inputs = tuple(values[i] for i in positions)
    layout = {}

    def split_outputs(*xs):
        # fn of the tracked inputs only (the rest are constants), its floating outputs
        # apart from the others, which JAX carries along without differentiating
        full = list(values)
        for i, x in zip(positions, xs):
            full[i] = x
        leaves, treedef = jax.tree_util.tree_flatten(fn(*full))
        floating = [leaf.dtype in INEXACT for leaf in leaves]
        layout["treedef"], layout["floating"] = treedef, floating
        return ([leaf for leaf, f in zip(leaves, floating) if f],
                [leaf for leaf, f in zip(leaves, floating) if not f])

    outputs, vjp, others = jax.vjp(split_outputs, *inputs, has_aux=True)
    floats, rest = iter(outputs), iter(others)
    leaves = [next(floats) if f else next(rest) for f in layout["floating"]]
    result = jax.tree_util.tree_unflatten(layout["treedef"], leaves)

    seen = {id(v) for v in values}
    recorded = []
    for out in outputs:
        # an output that is an input (or repeats another output) is that same tensor:
        # its gradient is already accounted for under its id
        recorded.append(None if id(out) in seen else out)
        seen.add(id(out))
    if any(out is not None for out in recorded):
        node = Node(lambda *xs: split_outputs(*xs)[0], inputs, recorded,
                    [(out.shape, out.dtype) for out in outputs], vjp)
        for tape in recorders:
            tape._record(node)
    return result


def backward(node, cotangents):
    """The input cotangents of ``node`` for its output ``cotangents``; recorded on the
    recording tapes (enclosing ones) that track the node's inputs or the cotangents."""
    if not tapes:
        return node.vjp(list(cotangents))
    n = len(node.inputs)

    def step(*values):
        return tuple(jax.vjp(node.fn, *values[:n])[1](list(values[n:])))

    return apply(step, node.inputs + tuple(cotangents),
                 unrecorded=lambda: node.vjp(list(cotangents)))
