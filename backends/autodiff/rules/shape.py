"""Shape ops: reshape, expand_dims, squeeze, concatenate, stack, split, unstack,
broadcast_to, tile, repeat, pad, flip, moveaxis, slice.

Primitives here move elements without arithmetic, so each gradient moves the
output gradient back: reshape it, slice it, flip it. Ops that are another op in
disguise (expand_dims and squeeze are reshapes, tile a broadcast, moveaxis a
transpose, split and slice are slicing) are composites with no rule of their own.
Slicing is the ``gather`` primitive of ``indexing.py``.
"""

import math

from ..registry import defcomposite, defop


@defop("reshape")
def reshape(xp, x, newshape):
    return xp.reshape(x, newshape)


@reshape.defvjp
def reshape_vjp(F, g, y, x, newshape):
    return (F.reshape(g, x.shape),)


@defop("broadcast_to")
def broadcast_to(xp, x, shape):
    return xp.broadcast_to(x, tuple(shape))


@broadcast_to.defvjp
def broadcast_to_vjp(F, g, y, x, shape):
    return (F._unbroadcast(g, x.shape),)


@defcomposite("expand_dims")
def expand_dims(F, x, axis):
    shape = F.shape(x)
    ndim = len(shape) + (1 if isinstance(axis, int) else len(axis))
    new_axes = checked_axes("expand_dims", axis, ndim)
    sizes = iter(shape)
    return F.reshape(x, tuple(1 if i in new_axes else next(sizes) for i in range(ndim)))


@defcomposite("squeeze")
def squeeze(F, x, axis=None):
    shape = F.shape(x)
    if axis is None:
        return F.reshape(x, tuple(n for n in shape if n != 1))
    axes = checked_axes("squeeze", axis, len(shape))
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has size {shape[a]}, not 1 (input shape {shape}).")
    return F.reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


@defop("concatenate", inputs="sequence")
def concatenate(xp, xs, axis=0):
    return xp.concatenate(xs, axis=axis)


@concatenate.defvjp
def concatenate_vjp(F, g, y, xs, axis=0):
    # each input's gradient is its own stretch of g along the joined axis
    flat = axis is None  # numpy flattens the inputs and joins them end to end
    axis = 0 if flat else checked_axes("concatenate", axis, y.ndim)[0]

    def piece(x, start, stop):
        grad = _slice_along(F, g, axis, slice(start, stop))
        return F.reshape(grad, x.shape) if flat else grad
    grads, start = [], 0
    for x in xs:
        stop = start + (math.prod(x.shape) if flat else x.shape[axis])
        grads.append(lambda x=x, start=start, stop=stop: piece(x, start, stop))
        start = stop
    return grads


@defop("stack", inputs="sequence")
def stack(xp, x, axis=0):
    return xp.stack(x, axis=axis)


@stack.defvjp
def stack_vjp(F, g, y, x, axis=0):
    axis = checked_axes("stack", axis, y.ndim)[0]
    return [(lambda i=i: _slice_along(F, g, axis, i)) for i in range(len(x))]


@defcomposite("split")
def split(F, x, indices_or_sections, axis=0):
    shape = F.shape(x)
    axis = checked_axes("split", axis, len(shape))[0]
    n = shape[axis]
    if isinstance(indices_or_sections, (list, tuple)) or getattr(indices_or_sections, "ndim", 0):
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    else:
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(
                f"split: axis {axis} of size {n} cannot be split into {sections} equal sections; "
                "pass a list of split points for unequal parts."
            )
        bounds = list(range(0, n + 1, n // sections)) if n else [0] * (sections + 1)
    return [_slice_along(F, x, axis, slice(start, stop)) for start, stop in zip(bounds[:-1], bounds[1:])]


@defop("unstack", outputs="sequence")
def unstack(xp, x, num=None, axis=0):
    axis = checked_axes("unstack", axis, x.ndim)[0]
    n = x.shape[axis]
    if num is not None and int(num) != n:
        raise ValueError(f"unstack: num={num} but axis {axis} of shape {tuple(x.shape)} has "
                         f"{n} slices.")
    before = (slice(None),) * axis
    return [x[before + (i,)] for i in range(n)]  # views: the slices copy nothing


@unstack.defvjp
def unstack_vjp(F, g, y, x, num=None, axis=0):
    # one stack of the slices' gradients, where a gather per slice would scatter each into
    # a zero array of the input's size (a scan over n steps would cost n times the input)
    return (F.stack(g, axis=checked_axes("unstack", axis, x.ndim)[0]),)


@defcomposite("tile")
def tile(F, x, repeats):
    shape = F.shape(x)
    repeats = (int(repeats),) if not _is_sequence(repeats) else tuple(int(r) for r in repeats)
    ndim = max(len(shape), len(repeats))
    shape = (1,) * (ndim - len(shape)) + shape
    repeats = (1,) * (ndim - len(repeats)) + repeats
    # tiling is a broadcast: (1, n0, 1, n1, ...) -> (r0, n0, r1, n1, ...) -> (r0 * n0, r1 * n1, ...)
    # and its gradient, the sum over the copies, comes from broadcast_to's
    interleaved = tuple(d for n in shape for d in (1, n))
    tiled = F.broadcast_to(F.reshape(x, interleaved), tuple(d for r, n in zip(repeats, shape) for d in (r, n)))
    return F.reshape(tiled, tuple(r * n for r, n in zip(repeats, shape)))


@defcomposite("repeat")
def repeat(F, x, repeats, axis=None):
    if axis is None:
        x, axis = F.reshape(x, (-1,)), 0
    shape = F.shape(x)
    axis = checked_axes("repeat", axis, len(shape))[0]
    repeats = [int(r) for r in _as_list(repeats)]
    if len(repeats) > 1:
        # a different count per element: a gather of each index its own number of times
        if len(repeats) != shape[axis]:
            raise ValueError(f"repeat: {len(repeats)} repeats for axis {axis} of size {shape[axis]}.")
        indices = F.xp.repeat(F.xp.arange(shape[axis]), F.xp.asarray(repeats))
        return _slice_along(F, x, axis, indices)
    # the same count for every element: a broadcast along a new axis right after `axis`
    count = repeats[0]
    expanded = shape[: axis + 1] + (1,) + shape[axis + 1:]
    repeated = F.broadcast_to(F.reshape(x, expanded), shape[: axis + 1] + (count,) + shape[axis + 1:])
    return F.reshape(repeated, shape[:axis] + (shape[axis] * count,) + shape[axis + 1:])


@defcomposite("pad")
def pad(F, x, pad_width, mode="constant", constant_values=None):
    x = F.convert_to_tensor(x)
    pairs = _pad_pairs(pad_width, x.ndim)
    if mode == "constant":
        value = 0 if constant_values is None else constant_values
        return F.pad_constant(x, pairs, float(value) if x.dtype.kind in "fc" else int(value))
    if mode not in ("reflect", "symmetric", "edge"):
        raise ValueError(f"pad: unknown mode {mode!r}; expected constant, reflect, symmetric or edge.")
    if constant_values is not None:
        raise ValueError(f"pad: constant_values is only for mode='constant', got mode={mode!r}.")
    # Each padded element is a copy of an input element: numpy's own pad of the positions
    # 0..n-1 says which (however many times the pattern repeats), and the copy is a
    # gather, whose gradient scatter-adds every copy back onto its source.
    for axis, (before, after) in enumerate(pairs):
        if before or after:
            positions = F.xp.pad(F.xp.arange(x.shape[axis]), (before, after), mode=mode)
            x = _slice_along(F, x, axis, positions)
    return x


@defop("pad_constant")
def pad_constant(xp, x, pairs, value):
    return xp.pad(x, pairs, mode="constant", constant_values=value)


@pad_constant.defvjp
def pad_constant_vjp(F, g, y, x, pairs, value):
    # the constant border has no source: the input's gradient is the interior
    return (F.gather(g, tuple(slice(before, before + n) for (before, _), n in zip(pairs, x.shape))),)


def _pad_pairs(pad_width, ndim):
    """``pad_width`` as numpy reads it (int, (before, after), ((b, a),), or one pair per
    axis) -> a tuple of ``ndim`` (before, after) pairs of ints."""
    width = pad_width.tolist() if hasattr(pad_width, "tolist") else pad_width
    if not _is_sequence(width):
        width = [[width]]
    elif not any(_is_sequence(w) for w in width):
        width = [width]
    if len(width) == 1:
        width = width * ndim
    if len(width) == ndim and all(len(w) in (1, 2) for w in width):
        pairs = tuple((int(w[0]), int(w[-1])) for w in width)
        if all(n >= 0 for pair in pairs for n in pair):
            return pairs
    raise ValueError(f"pad: pad_width {pad_width!r} does not give a non-negative (before, after) "
                     f"pair for each of the {ndim} axes.")


@defop("flip")
def flip(xp, x, axis=None):
    return xp.flip(x, axis=tuple(axis) if isinstance(axis, list) else axis)


@flip.defvjp
def flip_vjp(F, g, y, x, axis=None):
    return (F.flip(g, axis=axis),)


@defcomposite("moveaxis")
def moveaxis(F, x, source, destination):
    ndim = F.ndim(x)
    source = checked_axes("moveaxis", source, ndim, keep_order=True)
    destination = checked_axes("moveaxis", destination, ndim, keep_order=True)
    if len(source) != len(destination):
        raise ValueError(f"moveaxis: source {source} and destination {destination} differ in length.")
    order = [a for a in range(ndim) if a not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return F.transpose(x, tuple(order))


@defcomposite("slice")
def slice_block(F, inputs, start_indices, shape):
    starts = [int(s) for s in _as_list(start_indices)]
    sizes = [int(n) for n in _as_list(shape)]
    if len(starts) != len(sizes) or len(starts) != F.ndim(inputs):
        raise ValueError(f"slice: start_indices {starts} and shape {sizes} need one entry per axis "
                         f"of the input (shape {F.shape(inputs)}).")
    # a size of -1 runs to the end of the axis, as in tf.slice
    return F.gather(inputs, tuple(slice(s, None if n == -1 else s + n) for s, n in zip(starts, sizes)))


def _slice_along(F, x, axis, index):
    """``x[:, ..., index]`` with ``index`` at position ``axis`` (a slice, int or index array)."""
    return F.gather(x, (slice(None),) * axis + (index,))


def checked_axes(op, axis, ndim, keep_order=False):
    """``axis`` (int or sequence, negatives allowed) as a tuple of non-negative ints, sorted
    unless ``keep_order``; an axis out of range or repeated raises an error naming ``op``."""
    axes = [axis] if not _is_sequence(axis) else list(axis)
    normalized = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for {ndim} dimensions.")
        normalized.append(a % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: repeated axis in {axis!r}.")
    return tuple(normalized) if keep_order else tuple(sorted(normalized))


def _is_sequence(value):
    return isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) > 0


def _as_list(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    elif hasattr(value, "data") and hasattr(value.data, "tolist"):  # an engine tensor
        value.engine._host_read(value.data, "a tensor used as a list of sizes")
        value = value.data.tolist()
    return list(value) if isinstance(value, (list, tuple)) else [value]
