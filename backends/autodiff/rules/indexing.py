"""Indexing: get_item (``x[key]``), take, take_along_axis, one_hot.

Two primitives carry every gather of the engine and are each other's gradient:

- ``gather(x, key)`` is ``x[key]`` for a *normalized* key (ints, slices, None,
  Ellipsis and raw integer index arrays of ``xp``; no tensors, no boolean masks).
  Its gradient scatters the output gradient into zeros of ``x``'s shape.
- ``scatter_add_into_zeros(g, shape, key)`` adds ``g`` into zeros at ``key``;
  repeated indices accumulate. Its gradient gathers at the same key.

So a gradient through indexing differentiates again to any order. get_item,
take, take_along_axis, and the slicing in shape.py all build keys and call gather.
"""

from ... import config
from ..registry import defcomposite, defop
from .shape import checked_axes
from ..tensor import Tensor
from ...variable import Variable


@defop("gather")
def gather(xp, x, key):
    return x[key]


@gather.defvjp
def gather_vjp(F, g, y, x, key):
    return (F.scatter_add_into_zeros(g, x.shape, key),)


@defop("scatter_add_into_zeros")
def scatter_add_into_zeros(xp, g, shape, key):
    out = xp.zeros(shape, dtype=g.dtype)
    if any(isinstance(k, xp.ndarray) for k in (key if type(key) is tuple else (key,))):
        # index arrays may repeat a position: add.at accumulates where out[key] += g keeps one
        xp.add.at(out, key, g)
    else:
        # a basic key (ints, slices) selects each element at most once: plain assignment
        out[key] = g
    return out


@scatter_add_into_zeros.defvjp
def scatter_add_into_zeros_vjp(F, g, y, x, shape, key):
    return (F.gather(g, key),)


@defcomposite("get_item")
def get_item(F, x, key):
    if type(key) is not slice and type(key) is not int:  # the common keys need no work
        key = normalize_key(F, key)
    return F.gather(x, key)


def normalize_key(F, key):
    """A key for ``x[key]`` as a tuple that ``gather`` accepts: tensors and lists become raw
    index arrays of ``F.xp``, boolean masks the integer positions of their true entries."""
    normalized = []
    for k in key if type(key) is tuple else (key,):
        if k is None or k is Ellipsis or isinstance(k, (int, slice)):
            normalized.append(k)
            continue
        k = index_array(F, k)
        if k.dtype.kind not in "iub":
            raise IndexError(f"get_item: index arrays must be integer or boolean, got {k.dtype.name}; "
                             "cast the indices with ops.cast(indices, 'int32').")
        if k.ndim == 0:  # a scalar index: a plain int (or bool) is basic indexing
            F._host_read(k, "a tensor used as a scalar index")
            normalized.append(bool(k) if k.dtype.kind == "b" else int(k))
        elif k.dtype.kind == "b":
            # a mask over len(k.shape) axes selects the same elements as its nonzero positions
            F._host_read(k, "a boolean mask index (its result's shape depends on the values)")
            normalized.extend(k.nonzero())
        else:
            normalized.append(k)
    return tuple(normalized)


def index_array(F, indices):
    """``indices`` (tensor, Variable, list, numpy array) as a raw index array of ``F.xp``."""
    if isinstance(indices, Variable):
        indices = F.convert_to_tensor(indices)
    if isinstance(indices, Tensor):
        if indices.engine is not F:
            raise ValueError(f"Cannot mix backends: a {indices.engine.name} tensor indexes a {F.name} tensor.")
        indices = indices.data
    if not isinstance(indices, F.xp.ndarray):
        indices = F.xp.asarray(indices)
        if indices.size == 0 and indices.dtype.kind == "f":  # [] is an empty list of positions
            indices = indices.astype("int32")
    return indices


@defcomposite("take")
def take(F, x, indices, axis=None):
    if axis is None:
        x, axis = F.reshape(x, (-1,)), 0
    (axis,) = checked_axes("take", axis, F.ndim(x))
    indices = index_array(F, indices)
    if indices.ndim == 0:
        F._host_read(indices, "take with a scalar index (a Python int)")
        indices = int(indices)
    return F.gather(x, (slice(None),) * axis + (indices,))


@defcomposite("take_along_axis")
def take_along_axis(F, x, indices, axis=None):
    indices = index_array(F, indices)
    if axis is None:
        x, axis = F.reshape(x, (-1,)), 0
    shape = F.shape(x)
    (axis,) = checked_axes("take_along_axis", axis, len(shape))
    if indices.ndim != len(shape):
        raise ValueError(f"take_along_axis: indices have {indices.ndim} dimensions, the input "
                         f"{len(shape)} (shape {shape}); they must match.")
    # as numpy: every other axis indexed by its own arange, broadcast against the indices
    key = tuple(indices if d == axis else
                F.xp.arange(n).reshape(tuple(-1 if e == d else 1 for e in range(len(shape))))
                for d, n in enumerate(shape))
    return F.gather(x, key)


@defop("one_hot", differentiable=False)
def one_hot(xp, x, num_classes, axis=-1, dtype=None):
    # an id outside [0, num_classes) equals no class: its row stays all zeros
    hot = (xp.expand_dims(x, -1) == xp.arange(num_classes)).astype(dtype or config.floatx())
    return hot if axis == -1 else xp.moveaxis(hot, -1, axis)
