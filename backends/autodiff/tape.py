"""GradientTape: records the engine's ops and runs them backwards.

A tape tracks tensors by identity. ``watch(x)`` marks ``x``; an op recorded
while the tape is active whose inputs include a tracked tensor makes its
output tracked and appends a node (op, inputs, params, output), unless the
output is integer or boolean (:func:`takes_gradient`): gradients never flow
through those. An op with several outputs (``unstack``, ``custom_gradient``)
leaves one node whose output is the tuple of them. The nodes are kept in
creation order, which is already a topological order: ``gradient`` walks them
once in reverse, with no recursion, so graphs of any depth work.

Gradient rules are written with the engine's own ops. While a tape computes
gradients it stops recording itself, but any enclosing tape that tracks the
tensors involved records those ops: nesting tapes gives higher derivatives.

What every backend's tape shares (watching, Variables, persistence, the
recording stack, ``gradient``'s arguments) is ``backends/tape_base.py``.
"""

from ..tape_base import TapeBase


def takes_gradient(array):
    """Whether gradients flow through ``array``: a floating or complex dtype, bfloat16 included
    (whose numpy kind is "V"); never an integer or boolean one (TensorFlow's and JAX's rule)."""
    return array.dtype.kind not in "biu"


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


class GradientTape(TapeBase):
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
        super().__init__(persistent=persistent, watch_accessed_variables=watch_accessed_variables)
        self._engine = engine
        self._tensor_kind = f"{engine.name} tensors"

    # the engine records nodes itself (``Engine._apply`` appends to ``_nodes``)
    def _recording_tapes(self):
        return self._engine._tapes

    def _is_tensor(self, value):
        return type(value) is self._engine.Tensor

    def _is_floating(self, value):
        return takes_gradient(value.data)

    def _variable_value(self, variable):
        return variable.value

    def _seed(self, target, output_gradient):
        if output_gradient is None:
            return self._engine.ones_like(target)
        return self._engine.convert_to_tensor(output_gradient, target.dtype)

    def _add(self, a, b):
        return self._engine.add(a, b)

    def _zeros_like(self, x):
        return self._engine.zeros_like(x)

    def _backpropagate(self, grads, keep):
        """One reverse pass over the nodes (creation order is topological order)."""
        engine, watched = self._engine, self._watched
        Tensor = engine.Tensor
        for node in reversed(self._nodes):
            op = node.op
            if op.n_outputs is None:  # several outputs (unstack, custom_gradient)
                g = self._output_cotangents(node.out, grads, keep)
                if g is None:
                    continue
            else:
                key = id(node.out)
                g = grads.get(key)
                if g is None:
                    continue
                if key not in keep:
                    del grads[key]
            inputs = node.inputs
            if op.sequence:
                input_grads = op.vjp(engine, g, node.out, list(inputs), *node.params, **_kw(node))
            else:
                input_grads = op.vjp(engine, g, node.out, *inputs, *node.params, **_kw(node))
            for x, gx in zip(inputs, input_grads):
                if gx is None or type(x) is not Tensor or id(x) not in watched:
                    continue
                if callable(gx):
                    gx = gx()
                if op.broadcast:
                    gx = engine._unbroadcast(gx, x.data.shape)
                self._accumulate(grads, x, gx)


    def _output_cotangents(self, outs, grads, keep):
        """The cotangents of a node's several outputs, zeros for the floating ones no
        gradient reached (None for integer ones); None when none was reached."""
        if not any(id(out) in grads for out in outs):
            return None
        cotangents = []
        for out in outs:
            g = grads.get(id(out))
            if g is None:
                g = self._engine.zeros_like(out) if takes_gradient(out.data) else None
            elif id(out) not in keep:
                del grads[id(out)]
            cotangents.append(g)
        return cotangents

    # -- jacobian pieces (tape_base.py) ---------------------------------------
    def _basis(self, target, index, batched):
        xp = self._engine.xp
        basis = xp.zeros(target.data.shape, dtype=target.data.dtype)
        rows = basis.reshape(basis.shape[0], -1) if batched else basis.reshape(-1)
        rows[..., index] = 1
        return self._engine.Tensor(basis)

    def _stack(self, tensors, axis):
        return self._engine.stack(tensors, axis=axis)

    def _reshape(self, x, shape):
        return self._engine.reshape(x, shape)


def _kw(node):
    if node.saved is None:
        return node.kwparams
    return dict(node.kwparams, saved=node.saved)
