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


def standardize_pair_of_pairs(value, argument, layer_name):
    """A 2-D padding or cropping as ``((top, bottom), (left, right))``: from an int (the same
    everywhere), a pair (symmetric per dimension) or a pair of pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        pair = standardize_tuple(value, 2, argument, layer_name, allow_zero=True)
        return (pair, pair)
    if not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(
            f"{layer_name}: {argument} must be an int, a pair of ints (height, width) or a pair "
            f"of pairs ((top, bottom), (left, right)), got {value!r}."
        )
    return (standardize_tuple(value[0], 2, f"{argument}[0]", layer_name, allow_zero=True),
            standardize_tuple(value[1], 2, f"{argument}[1]", layer_name, allow_zero=True))


def describe(layer):
    """``Conv2D "conv2d_1"``: how error messages name a layer."""
    return f'{type(layer).__name__} "{layer.name}"'
