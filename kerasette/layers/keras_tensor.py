"""Symbolic tensors: what ``keras.Input`` returns and layers return when called on one.

A KerasTensor has a shape (``None`` for unknown sizes), a dtype and a name,
and remembers which layer call produced it (``_keras_history``). Functional
models are the graph these histories form. It may carry a symbolic mask
(``_keras_mask``), as the outputs of ``Embedding(mask_zero=True)`` do.

Ops of ``kerasette.ops`` and Python operators (``x + 1``, ``x[:, 0]``, ``x > 0``) on
KerasTensors add op nodes to the graph, as in Keras 3 (:mod:`kerasette.layers.core.op_layer`).
"""

import itertools


_ids = itertools.count()


class KerasTensor:
    """A symbolic tensor of known shape and dtype, produced by a layer call in a graph.

    ``_keras_mask`` is the symbolic mask of the tensor (a boolean KerasTensor, e.g. of shape
    ``(None, timesteps)``) when the layer that made it attached one, else None.
    """

    _keras_mask = None

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name if name is not None else f"keras_tensor_{next(_ids)}"
        #: (layer, node_index, tensor_index) of the call that made this tensor
        self._keras_history = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is symbolic: it has no value. It stands for a layer's output inside a "
            "functional model; call the model on data to get values."
        )

    def __bool__(self):
        raise TypeError(f"{self!r} is symbolic and has no truth value.")

    __hash__ = object.__hash__
    #: numpy defers to the reflected operators below (``np.float32(2) * x``)
    __array_ufunc__ = None

    # Python operators are ops (Keras 3's mapping; ``==`` stays identity, as in Keras 3)
    def __add__(self, other):
        return _operator("add", self, other)

    def __radd__(self, other):
        return _operator("add", other, self)

    def __sub__(self, other):
        return _operator("subtract", self, other)

    def __rsub__(self, other):
        return _operator("subtract", other, self)

    def __mul__(self, other):
        return _operator("multiply", self, other)

    def __rmul__(self, other):
        return _operator("multiply", other, self)

    def __matmul__(self, other):
        return _operator("matmul", self, other)

    def __rmatmul__(self, other):
        return _operator("matmul", other, self)

    def __truediv__(self, other):
        return _operator("true_divide", self, other)

    def __rtruediv__(self, other):
        return _operator("true_divide", other, self)

    def __floordiv__(self, other):
        return _operator("floor_divide", self, other)

    def __rfloordiv__(self, other):
        return _operator("floor_divide", other, self)

    def __mod__(self, other):
        return _operator("mod", self, other)

    def __rmod__(self, other):
        return _operator("mod", other, self)

    def __pow__(self, other):
        return _operator("power", self, other)

    def __rpow__(self, other):
        return _operator("power", other, self)

    def __neg__(self):
        return _operator("negative", self)

    def __abs__(self):
        return _operator("absolute", self)

    def __round__(self, ndigits=None):
        from kerasette.layers.core.op_layer import symbolic_op
        return symbolic_op("round", (self,), {"decimals": ndigits or 0})

    def __lt__(self, other):
        return _operator("less", self, other)

    def __le__(self, other):
        return _operator("less_equal", self, other)

    def __gt__(self, other):
        return _operator("greater", self, other)

    def __ge__(self, other):
        return _operator("greater_equal", self, other)

    def __ne__(self, other):
        return _operator("not_equal", self, other)

    def __and__(self, other):
        return _operator("logical_and", self, other)

    def __rand__(self, other):
        return _operator("logical_and", other, self)

    def __or__(self, other):
        return _operator("logical_or", self, other)

    def __ror__(self, other):
        return _operator("logical_or", other, self)

    def __xor__(self, other):
        return _operator("logical_xor", self, other)

    def __rxor__(self, other):
        return _operator("logical_xor", other, self)

    def __invert__(self):
        return _operator("logical_not", self)

    def __getitem__(self, key):
        return _operator("get_item", self, key)


def _operator(op_name, *args):
    from kerasette.layers.core.op_layer import operator_op  # (op_layer imports this module)
    return operator_op(op_name, *args)


def is_keras_tensor(x):
    """True for a symbolic :class:`KerasTensor`."""
    return isinstance(x, KerasTensor)
