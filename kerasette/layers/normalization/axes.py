"""The ``axis`` argument of the normalization layers: validated once, resolved per shape."""

from kerasette.layers.argument_validation import describe


def axis_argument(layer, axis):
    """``axis`` as the layers keep it (Keras's form): an int, or a list of ints."""
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(f"{describe(layer)}: axis must be an int or a list of ints, got {axis!r}.")


def normalized_axes(layer, axis, input_shape):
    """``axis`` (an int or a list) as sorted non-negative indices into ``input_shape``;
    ``ValueError`` naming the layer when one is out of range."""
    rank = len(input_shape)
    axes = axis if isinstance(axis, list) else [axis]
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"{describe(layer)}: axis {a} is out of range for input shape "
                             f"{tuple(input_shape)} (rank {rank}).")
    return sorted({a % rank for a in axes})


def broadcast_shape(shape, axes):
    """``shape`` with 1 outside ``axes``: how a weight over ``axes`` broadcasts."""
    return tuple(size if a in axes else 1 for a, size in enumerate(shape))
