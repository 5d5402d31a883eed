"""Standardizing the size-like arguments of layers (kernel sizes, strides, paddings)."""


def standardize_tuple(value, n, argument, layer_name, allow_zero=False):
    """``value`` (an int, or a sequence of ``n`` ints) as a tuple of ``n`` ints.

    Args:
        value: the argument as the user gave it.
        n: how many entries the tuple must have (one per spatial dimension).
        argument: the argument's name, for the error message.
        layer_name: ``'Conv2D "conv2d"'``-style description of the layer, for the error message.
        allow_zero: accept 0 (paddings, croppings); otherwise every entry must be positive.

    Raises:
        ValueError: a wrong length, a non-integer entry, or an entry out of range.
    """
    minimum = 0 if allow_zero else 1
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
        if values is None or len(values) != n or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ValueError(
                f"{layer_name}: {argument} must be an int or a tuple of {n} ints, got {value!r}."
            )
    if any(v < minimum for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{layer_name}: every entry of {argument} must be {kind}, got {value!r}."
        )
    return tuple(int(v) for v in values)


def standardize_padding(value, layer_name, allow_causal=False):
    """``"valid"`` or ``"same"`` (and ``"causal"`` where allowed), lower-cased."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(
            f"{layer_name}: padding must be one of {', '.join(map(repr, allowed))}, got {value!r}."
        )
    return padding


def standardize_pairs(value, rank, argument, layer_name):
    """A padding or cropping of ``rank`` spatial axes as ``((before, after), ...)``, one pair
    per axis: from an int (the same everywhere), ``rank`` ints (symmetric per axis) or
    ``rank`` pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        pair = standardize_tuple(value, 2, argument, layer_name, allow_zero=True)
        return (pair,) * rank
    if not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(
            f"{layer_name}: {argument} must be an int, a tuple of {rank} ints (symmetric per "
            f"axis) or a tuple of {rank} pairs ((before, after) per axis), got {value!r}."
        )
    return tuple(standardize_tuple(entry, 2, f"{argument}[{index}]", layer_name, allow_zero=True)
                 for index, entry in enumerate(value))


def describe(layer):
    """``Conv2D "conv2d_1"``: how error messages name a layer."""
    return f'{type(layer).__name__} "{layer.name}"'
