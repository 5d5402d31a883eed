"""InputSpec: what a layer accepts, checked at every call with an error that names everything."""


class InputSpec:
    """Constraints on a layer input (Keras 3 ``keras.InputSpec``).

    Args:
        dtype: expected dtype name, or None.
        shape: expected full shape (None entries unconstrained), or None.
        ndim, min_ndim, max_ndim: constraints on the rank.
        axes: ``{axis: size}`` for specific axes (negative allowed).
        allow_last_axis_squeeze: accepted for Keras compatibility.
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
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}


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
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(
                f"{_describe(layer)}{which} expected an input of rank {spec.ndim}, got rank {rank} "
                f"(input shape {shape})."
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{_describe(layer)}{which} expected an input of rank >= {spec.min_ndim}, got rank "
                f"{rank} (input shape {shape})."
            )
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{_describe(layer)}{which} expected an input of rank <= {spec.max_ndim}, got rank "
                f"{rank} (input shape {shape})."
            )
        for axis, size in spec.axes.items():
            if size is None:
                continue
            if not -rank <= axis < rank:
                raise ValueError(
                    f"{_describe(layer)}{which} expected axis {axis} of size {size}, but the input "
                    f"has rank {rank} (input shape {shape})."
                )
            got = shape[axis]
            if got is not None and got != size:
                where = "last dimension" if axis == -1 or axis == rank - 1 else f"axis {axis}"
                raise ValueError(
                    f"{_describe(layer)}{which} expected {where} {size}, got {got} "
                    f"(input shape {shape})."
                )
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(
                        f"{_describe(layer)}{which} expected input shape {spec.shape}, got {shape}."
                    )


def _is_list_of_shapes(value):
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(
        isinstance(v, (list, tuple)) or v is None for v in value)
