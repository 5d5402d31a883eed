"""A batch as ``fit`` hands it to a ``train_step``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``
(Keras 3 ``keras.utils.pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``)."""


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a batch, with None for what it lacks.

    Use it in a ``train_step`` of your own, whatever ``fit`` was given: a tuple (or list)
    of one to three items is ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``; anything
    else is ``x`` alone.

    Example:
        >>> x, y, sample_weight = kerasette.utils.unpack_x_y_sample_weight((features, labels))
        >>> sample_weight is None
        True
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError(
        f"A data batch must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of "
        f"{len(data)} items."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch ``fit`` passes to a ``train_step``: ``x`` alone when there is no ``y`` (as
    ``(x,)`` when ``x`` is itself a tuple or list, so that it is not taken for ``(x, y)``),
    else ``(x, y)``, or ``(x, y, sample_weight)`` with sample weights."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
