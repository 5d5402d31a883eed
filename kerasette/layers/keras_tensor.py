"""Symbolic tensors: what ``keras.Input`` returns and layers return when called on one.

A KerasTensor has a shape (``None`` for unknown sizes), a dtype and a name,
and remembers which layer call produced it (``_keras_history``). Functional
models are the graph these histories form. It may carry a symbolic mask
(``_keras_mask``), as the outputs of ``Embedding(mask_zero=True)`` do.
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


def is_keras_tensor(x):
    """True for a symbolic :class:`KerasTensor`."""
    return isinstance(x, KerasTensor)
