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

What every backend's tape shares (watching, Variables, persistence, the recording
stack, ``gradient``'s arguments) is ``backends/tape_base.py``; this file adds JAX's
arrays and the backward pass.

Python operators on tracked jax arrays (``x * x``, ``x[0]``) are recorded too, see
``operators.py``; JAX's functions called directly (``jnp.sin(x)``) are not: use ``ops``.
"""

import jax
import jax.numpy as jnp

from ..tape_base import TapeBase
from . import operators, recording
from .arrays import cast
from .dtypes import INEXACT
from .ops.elementwise import add
from .ops.shape import reshape, stack


class GradientTape(TapeBase):
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

    _tensor_kind = "jax arrays"

    def _recording_tapes(self):
        return recording.tapes

    def _tapes_changed(self):
        # routes jax arrays' Python operators to recorded ops while any tape records
        operators.update()

    def _is_tensor(self, value):
        return isinstance(value, jax.Array)

    def _variable_value(self, variable):
        if variable._backend.name != "jax":
            raise ValueError(f"Cannot mix backends: Variable {variable.name!r} belongs to the "
                             f"{variable.backend} backend, used with a jax GradientTape.")
        return variable.value

    def _record(self, node):
        """Appends ``node`` (an op on tensors this tape tracks); its outputs become tracked."""
        self._nodes.append(node)
        for out in node.outputs:
            if out is not None:
                self._watched.add(id(out))

    def _is_floating(self, value):
        return value.dtype in INEXACT

    def _seed(self, target, output_gradient):
        if output_gradient is None:
            return jnp.ones(target.shape, target.dtype)
        return cast(output_gradient, target.dtype)

    def _add(self, a, b):
        # the backend's own add, so that enclosing tapes record the sum
        return add(a, b)

    def _zeros_like(self, x):
        return jnp.zeros(x.shape, x.dtype)

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
                    self._accumulate(grads, x, gx)

    # -- jacobian pieces (tape_base.py) ---------------------------------------
    def _basis(self, target, index, batched):
        basis = jnp.zeros(target.shape, target.dtype)
        if batched:
            rows = basis.reshape(target.shape[0], -1).at[:, index].set(1)
        else:
            rows = basis.reshape(-1).at[index].set(1)
        return rows.reshape(target.shape)

    def _stack(self, tensors, axis):
        # the backend's own ops: an enclosing tape records them
        return stack(tensors, axis=axis)

    def _reshape(self, x, shape):
        return reshape(x, shape)
