"""The op table: every primitive of the engine, its forward and its gradient rule.

A primitive is declared once, forward and gradient side by side::

    @defop("multiply", inputs=2, broadcast=True)
    def multiply(xp, x1, x2):
        return xp.multiply(x1, x2)

    @multiply.defvjp
    def multiply_vjp(F, g, y, x1, x2):
        return F.multiply(g, x2), F.multiply(g, x1)

- ``forward(xp, *inputs, *params)`` computes on raw arrays of the module ``xp``
  (numpy or cupy), never importing either.
- ``vjp(F, g, y, *inputs, *params)`` returns one gradient per input, written
  with the engine's own ops ``F`` on engine tensors, so a gradient can be
  differentiated again. ``y`` is the forward's output. An entry may be None
  (no gradient) or a zero-argument function, called only when that input needs a
  gradient (this spares, e.g., the gradient of a first layer's input data).
- ``broadcast=True``: the engine sums each input's gradient back to the input's
  shape (unbroadcasting happens in one place, the engine).
- ``inputs="sequence"``: the first argument is a sequence of tensors
  (``concatenate``, ``stack``); forward receives a list, vjp returns a list.
- ``saves=True``: forward returns ``(output, saved)``; vjp receives ``saved=``
  as a keyword (e.g. the argmax of each max-pool window).
- ``differentiable=False``: never recorded on a tape (comparisons, argmax).
- ``outputs=N`` (N > 1, non-differentiable ops only): forward returns N arrays, the op
  N tensors (an optimizer kernel's new variable and slots).
- ``outputs="sequence"``: forward returns a sequence of arrays, as many as the call gives
  (``unstack``); the op returns a tuple of tensors, recorded as one node, and vjp receives
  ``g`` as a list with one cotangent per output (zeros for an output no gradient reached)
  and ``y`` as the tuple of outputs.

Ops that are compositions of other ops register with :func:`defcomposite`
and need no gradient rule of their own.

A backend specializes the engine in one way: a table ``{name: Override(forward=...,
vjp=...)}`` handed to ``AutodiffBackend(xp, name, overrides)``, which replaces the
forward and/or the gradient rule of named primitives for that engine only (numpy's
fast paths in ``backends/numpy/fast_paths.py``). An override has the signature of
what it replaces and passes the same cross-checks against JAX
(``tests/backends/test_gradients.py``).
"""

import inspect
from typing import Callable, NamedTuple, Optional

#: name -> Op, every primitive.
OPS = {}
#: name -> function(F, *args, **kwargs), ops written with other ops.
COMPOSITES = {}


class Op:
    """One primitive: a forward on raw arrays and a gradient rule on engine tensors."""

    __slots__ = ("name", "forward", "vjp", "n_inputs", "input_names", "sequence",
                 "broadcast", "saves", "differentiable", "n_outputs")

    def __init__(self, name, forward, inputs, broadcast, saves, differentiable, outputs=1):
        if outputs not in (1, "sequence") and differentiable:
            raise ValueError(f"op {name!r}: only a non-differentiable op may have "
                             f"{outputs} outputs (a differentiable one: outputs='sequence')")
        self.name = name
        self.forward = forward
        self.vjp = None
        self.sequence = inputs == "sequence"
        self.n_inputs = 1 if self.sequence else int(inputs)
        names = list(inspect.signature(forward).parameters)[1:]
        self.input_names = tuple(names[: self.n_inputs])
        self.broadcast = broadcast
        self.saves = saves
        self.differentiable = differentiable
        #: the number of outputs; None for ``outputs="sequence"`` (as many as the call gives)
        self.n_outputs = None if outputs == "sequence" else int(outputs)

    def overridden(self, override):
        """This op with ``override``'s forward and/or gradient rule in place of its own."""
        op = Op.__new__(Op)
        for slot in Op.__slots__:
            setattr(op, slot, getattr(self, slot))
        op.forward = override.forward or self.forward
        op.vjp = override.vjp or self.vjp
        return op

    def defvjp(self, vjp):
        """Sets the gradient rule; returns it unchanged (usable as a decorator)."""
        self.vjp = vjp
        return vjp

    def __repr__(self):
        return f"<Op {self.name}>"


class Override(NamedTuple):
    """A backend's replacement for a primitive's forward and/or gradient rule (None keeps
    the table's), with the same signature: ``forward(xp, *inputs, *params)``,
    ``vjp(F, g, y, *inputs, *params)``."""

    forward: Optional[Callable] = None
    vjp: Optional[Callable] = None


def defop(name, *, inputs=1, broadcast=False, saves=False, differentiable=True, outputs=1):
    """Declares a primitive; decorates its forward. See the module docstring."""
    def decorator(forward):
        if name in OPS or name in COMPOSITES:
            raise ValueError(f"op {name!r} is declared twice")
        op = Op(name, forward, inputs, broadcast, saves, differentiable, outputs)
        OPS[name] = op
        return op
    return decorator


def defcomposite(name):
    """Declares an op written with other engine ops: ``fn(F, *args, **kwargs)``."""
    def decorator(fn):
        if name in OPS or name in COMPOSITES:
            raise ValueError(f"op {name!r} is declared twice")
        COMPOSITES[name] = fn
        return fn
    return decorator
