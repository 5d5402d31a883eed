"""InputSpec: what a layer accepts, checked at every call with an error that names everything."""


class InputSpec:
    """Constraints on a layer input (Keras 3 ``keras.InputSpec``).

    Args:
        dtype: expected dtype name, or None.
        shape: expected full shape (None entries unconstrained), or None.
        ndim, min_ndim, max_ndim: constraints on the rank.
        axes: ``{axis: size}`` for specific axes (negative allowed).
        allow_last_axis_squeeze: also accept an input of rank ``ndim + 1`` whose last axis
            has size 1, and one of rank ``ndim - 1`` when the expected last axis has size 1
            (``shape`` or ``axes`` says so); the other checks then apply to the input with
            that last axis dropped or added. Functional models use it for their inputs.
        name: the name of the input this spec is for (a model's input), or None.
        optional: the input may be None.

    Example:
        >>> spec = InputSpec(shape=(None, 28, 28, 1), allow_last_axis_squeeze=True)
        >>> # accepts inputs of shape (batch, 28, 28, 1) and (batch, 28, 28)
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    def _last_axis_size(self):
        """The expected size of the last axis, when the spec says it (else None)."""
        if self.shape:
            return self.shape[-1]
        if self.ndim:
            return self.axes.get(-1, self.axes.get(self.ndim - 1))
        return None

    def aligned_shape(self, shape):
        """``shape`` as this spec sees it: with ``allow_last_axis_squeeze``, a last axis of
        size 1 dropped from an input of rank ``ndim + 1``, or added to one of rank
        ``ndim - 1`` when the spec's last axis has size 1; otherwise ``shape`` itself."""
        shape = tuple(shape)
        if not self.allow_last_axis_squeeze or self.ndim is None or len(shape) == self.ndim:
            return shape
        if len(shape) == self.ndim + 1 and shape[-1] == 1:
            return shape[:-1]
        if len(shape) == self.ndim - 1 and self._last_axis_size() == 1:
            return shape + (1,)
        return shape


def _describe(layer):
    return f'{type(layer).__name__} "{layer.name}"'


def assert_input_compatibility(layer, input_specs, input_shapes):
    """Raises ``ValueError`` when ``input_shapes`` break ``input_specs``; the message names the
    layer, the expected property and the received shape, e.g.
    ``Dense "dense_2" expected last dimension 784, got 28 (input shape (None, 28, 28))``."""
    if input_specs is None:
        return
    specs = input_specs if isinstance(input_specs, (list, tuple)) else [input_specs]
    shapes = input_shapes if _is_list_of_shapes(input_shapes) else [input_shapes]
    if len(shapes) < len([s for s in specs if not s.optional]):
        raise ValueError(
            f"{_describe(layer)} expects {len(specs)} inputs, got {len(shapes)} (input shapes {shapes})."
        )
    for index, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is None or shape is None:
            continue
        which = "" if len(specs) == 1 else f" input {index}"
        if spec.name and len(specs) > 1:
            which += f' ("{spec.name}")'
        shape = tuple(shape)
        if spec.shape is not None:
            # a spec of a whole shape (a model's input) names that shape in every complaint
            _check_whole_shape(layer, which, spec, shape)
            continue
        received, shape = shape, spec.aligned_shape(shape)
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(
                f"{_describe(layer)}{which} expected an input of rank {spec.ndim}"
                f"{_squeeze_note(spec)}, got rank {rank} (input shape {received})."
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{_describe(layer)}{which} expected an input of rank >= {spec.min_ndim}, got rank "
                f"{rank} (input shape {received})."
            )
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{_describe(layer)}{which} expected an input of rank <= {spec.max_ndim}, got rank "
                f"{rank} (input shape {received})."
            )
        for axis, size in spec.axes.items():
            if size is None:
                continue
            if not -rank <= axis < rank:
                raise ValueError(
                    f"{_describe(layer)}{which} expected axis {axis} of size {size}, but the input "
                    f"has rank {rank} (input shape {received})."
                )
            got = shape[axis]
            if got is not None and got != size:
                where = ("last dimension " if axis == -1 or axis == rank - 1
                         else f"axis {axis} of size ")
                raise ValueError(
                    f"{_describe(layer)}{which} expected {where}{size}, got {got} "
                    f"(input shape {received})."
                )


def _squeeze_note(spec):
    """What else a spec with ``allow_last_axis_squeeze`` accepts, for error messages."""
    if not spec.allow_last_axis_squeeze:
        return ""
    lower = f" or {spec.ndim - 1}" if spec._last_axis_size() == 1 else ""
    return f" (or {spec.ndim + 1} with a last axis of size 1{lower})"


def _check_whole_shape(layer, which, spec, shape):
    """The checks of a spec with a full ``shape``: every known size, the rank (up to a
    squeezable last axis), and ``axes``, in one message that names both shapes."""
    aligned = spec.aligned_shape(shape)
    fits = len(aligned) == len(spec.shape) and all(
        expected is None or got is None or expected == got
        for expected, got in zip(spec.shape, aligned))
    fits = fits and all(size is None or aligned[axis] in (None, size)
                        for axis, size in spec.axes.items() if -len(aligned) <= axis < len(aligned))
    if not fits:
        expected_rank = got_rank = ""
        if len(aligned) != len(spec.shape):
            expected_rank, got_rank = f" (rank {len(spec.shape)})", f" (rank {len(shape)})"
        raise ValueError(f"{_describe(layer)}{which} expected input shape {spec.shape}"
                         f"{expected_rank}, got {shape}{got_rank}.")


def _is_list_of_shapes(value):
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(
        isinstance(v, (list, tuple)) or v is None for v in value)
