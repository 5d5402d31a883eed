"""Merging layers: combine a list of tensors (Add, Subtract, Multiply, Average, Maximum,
Minimum, Concatenate, Dot).

Masks follow Keras 3: the output of an elementwise merge is masked where every input is
(the OR of the inputs' masks, when all of them have one); Multiply, Maximum and Minimum
also leave masked entries out of the result. Concatenate's mask joins the inputs' masks
(an input without one counts as unmasked).
"""

import functools
import math

from kerasette import ops
from kerasette.backends.masking import get_keras_mask, set_keras_mask
from kerasette.layers.layer import Layer
from kerasette.utils.vectors import normalize


def _broadcast_shapes(shapes, layer):
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    result = []
    for dims in zip(*padded):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(
                f'{type(layer).__name__} "{layer.name}" got inputs of incompatible shapes '
                f"{[tuple(s) for s in shapes]}."
            )
        if known:
            result.append(known.pop())
        elif any(d is None for d in dims):
            result.append(None)
        else:
            result.append(1)
    return tuple(result)


class Merge(Layer):
    """Base of the elementwise merging layers: ``call`` takes a list of same-shape tensors."""

    #: how many inputs the layer takes (None: two or more)
    expected_inputs = None

    def _check_inputs(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(
                input_shape[0], (list, tuple)):
            raise ValueError(
                f'{type(self).__name__} "{self.name}" must be called on a list of tensors, got '
                f"input shape {input_shape}."
            )
        count = len(input_shape)
        if self.expected_inputs is not None and count != self.expected_inputs:
            raise ValueError(
                f'{type(self).__name__} "{self.name}" takes exactly {self.expected_inputs} inputs, '
                f"got {count} (shapes {list(input_shape)})."
            )
        if count < 2 and self.expected_inputs is None:
            raise ValueError(
                f'{type(self).__name__} "{self.name}" needs at least 2 inputs, got {count}.'
            )

    def build(self, input_shape):
        self._check_inputs(input_shape)
        _broadcast_shapes(input_shape, self)

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        return _broadcast_shapes(input_shape, self)

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        return self._merge(list(inputs))

    def compute_mask(self, inputs, mask=None):
        """The OR of the inputs' masks when every input has one, else None."""
        masks = _check_masks(self, inputs, mask)
        if masks is None or any(m is None for m in masks):
            return None
        return functools.reduce(ops.logical_or, masks)

    def _merge_without_masked(self, op, inputs):
        """``op`` folded over the inputs, where a masked entry of an input takes the value
        the other inputs give (so it never wins a maximum); masked where all inputs are
        masked, when all have a mask."""
        masks = _entry_masks(inputs)
        output, output_mask = inputs[0], masks[0]
        for x, mask in zip(inputs[1:], masks[1:]):
            if mask is not None:
                x = ops.where(mask, x, output)
            if output_mask is not None:
                output = ops.where(output_mask, output, x)
            output_mask = None if mask is None or output_mask is None else ops.logical_or(
                output_mask, mask)
            output = op(output, x)
        if output_mask is not None:
            set_keras_mask(output, ops.any(output_mask, axis=-1))
        return output


def _check_masks(layer, inputs, mask):
    """``mask`` as a list with one entry per input (None when no mask is given)."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)) or not isinstance(inputs, (list, tuple)):
        raise ValueError(
            f'{type(layer).__name__} "{layer.name}": compute_mask needs a list of inputs and '
            f"a list of masks, one per input; got {type(inputs).__name__} inputs and mask "
            f"{mask!r}."
        )
    if len(mask) != len(inputs):
        raise ValueError(
            f'{type(layer).__name__} "{layer.name}": compute_mask got {len(mask)} masks for '
            f"{len(inputs)} inputs; pass one per input (None for an input without a mask)."
        )
    return list(mask)


def _entry_masks(inputs):
    """Each input's attached mask widened to the input's shape, or None."""
    masks = [get_keras_mask(x) for x in inputs]
    return [None if mask is None else _widened(mask, x) for x, mask in zip(inputs, masks)]


def _widened(mask, x):
    """``mask`` broadcast over the last axis of ``x``: a ``(batch, steps)`` mask covers
    every feature of its step."""
    return ops.broadcast_to(ops.expand_dims(mask, -1), ops.shape(x))


class Add(Merge):
    """Elementwise sum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.add, inputs)


class Subtract(Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    expected_inputs = 2

    def _merge(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Elementwise product of the inputs; a masked entry counts as 1, and the entries masked
    in every input are 0."""

    def _merge(self, inputs):
        masks = _entry_masks(inputs)
        if all(mask is None for mask in masks):
            return functools.reduce(ops.multiply, inputs)
        factors = [x if mask is None else ops.where(mask, x, ops.ones_like(x))
                   for x, mask in zip(inputs, masks)]
        output = functools.reduce(ops.multiply, factors)
        if any(mask is None for mask in masks):
            return output
        output_mask = functools.reduce(ops.logical_or, masks)
        output = ops.where(output_mask, output, ops.zeros_like(output))
        set_keras_mask(output, ops.any(output_mask, axis=-1))
        return output


class Average(Merge):
    """Elementwise mean of the inputs."""

    def _merge(self, inputs):
        return ops.divide(functools.reduce(ops.add, inputs), float(len(inputs)))


class Maximum(Merge):
    """Elementwise maximum of the inputs (masked entries left out)."""

    def _merge(self, inputs):
        return self._merge_without_masked(ops.maximum, inputs)


class Minimum(Merge):
    """Elementwise minimum of the inputs (masked entries left out)."""

    def _merge(self, inputs):
        return self._merge_without_masked(ops.minimum, inputs)


class Concatenate(Layer):
    """Joins a list of tensors along ``axis`` (default -1); other dimensions must agree."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def _output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 or not isinstance(
                input_shape[0], (list, tuple)):
            raise ValueError(
                f'Concatenate "{self.name}" must be called on a list of tensors, got input shape '
                f"{input_shape}."
            )
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(
                f'Concatenate "{self.name}" needs inputs of the same rank, got shapes '
                f"{[tuple(s) for s in input_shape]}."
            )
        rank = ranks.pop()
        axis = self.axis % rank
        result = list(input_shape[0])
        for shape in input_shape[1:]:
            for i, (a, b) in enumerate(zip(result, shape)):
                if i == axis:
                    continue
                if a is not None and b is not None and a != b:
                    raise ValueError(
                        f'Concatenate "{self.name}" (axis={self.axis}) needs inputs whose other '
                        f"dimensions match, got shapes {[tuple(s) for s in input_shape]}."
                    )
                if a is None:
                    result[i] = b
        sizes = [s[axis] for s in input_shape]
        result[axis] = None if any(d is None for d in sizes) else sum(sizes)
        return tuple(result)

    def build(self, input_shape):
        self._output_shape(input_shape)

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """The inputs' masks (all True for an input without one), each widened to its
        input's shape, joined along ``axis``, then reduced with ``any`` over the last axis;
        None when no input has a mask."""
        masks = _check_masks(self, inputs, mask)
        if masks is None or all(m is None for m in masks):
            return None
        widened = []
        for x, m in zip(inputs, masks):
            if m is None:
                m = ops.ones_like(x, dtype="bool")
            elif ops.ndim(m) < ops.ndim(x):
                m = _widened(m, x)
            widened.append(m)
        return ops.any(ops.concatenate(widened, axis=self.axis), axis=-1)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(Merge):
    """The dot product of two tensors along one axis of each, sample by sample: for ``x`` of
    shape ``(batch, n)`` and ``y`` of shape ``(batch, n)``, ``(batch, 1)``; in general the
    axes of ``x`` but ``axes[0]`` (batch first), then those of ``y`` but the batch and
    ``axes[1]``.

    Args:
        axes: one axis for both inputs, or a pair ``(axis_of_x, axis_of_y)``; negative
            axes count from the end. The batch axis (0) cannot be one.
        normalize: L2-normalize both inputs along their axis first, so the result is the
            cosine similarity.

    Example:
        >>> x, y = np.ones((4, 3, 5)), np.ones((4, 5, 2))
        >>> kerasette.layers.Dot(axes=(2, 1))([x, y]).shape
        (4, 3, 2)
    """

    expected_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and not (
                isinstance(axes, (list, tuple)) and len(axes) == 2
                and all(isinstance(a, int) for a in axes)):
            raise ValueError(
                f'Dot "{self.name}": axes must be an int or a pair of ints, got {axes!r}.'
            )
        # a pair is kept as a list: the form it has after a trip through a file's JSON
        self.axes = axes if isinstance(axes, int) else list(axes)
        self.normalize = normalize
        self.supports_masking = True

    def _axes_for(self, ranks):
        """The two axes as non-negative indices for inputs of ``ranks``."""
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return [axis % rank if axis < 0 else axis for axis, rank in zip(axes, ranks)]

    def _output_shape(self, input_shape):
        self._check_inputs(input_shape)
        x_shape, y_shape = (list(shape) for shape in input_shape)
        x_axis, y_axis = self._axes_for((len(x_shape), len(y_shape)))
        if x_axis == 0 or y_axis == 0 or x_axis >= len(x_shape) or y_axis >= len(y_shape):
            raise ValueError(
                f'Dot "{self.name}": axes {self.axes} must name a non-batch axis of each input, '
                f"got input shapes {tuple(x_shape)} and {tuple(y_shape)}."
            )
        x_size, y_size = x_shape[x_axis], y_shape[y_axis]
        if x_size is not None and y_size is not None and x_size != y_size:
            raise ValueError(
                f'Dot "{self.name}": axis {x_axis} of the first input has size {x_size} but '
                f"axis {y_axis} of the second has size {y_size} (input shapes "
                f"{tuple(x_shape)} and {tuple(y_shape)}); they must be equal."
            )
        del x_shape[x_axis], y_shape[y_axis]
        shape = x_shape + y_shape[1:]
        return tuple(shape + [1] if len(shape) == 1 else shape)

    def build(self, input_shape):
        self._output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def _merge(self, inputs):
        x, y = inputs
        x_axis, y_axis = self._axes_for((ops.ndim(x), ops.ndim(y)))
        if self.normalize:
            x, y = normalize(x, axis=x_axis), normalize(y, axis=y_axis)
        return batch_dot(x, y, x_axis, y_axis)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def batch_dot(x, y, x_axis, y_axis):
    """For each sample ``b``, ``x[b]`` and ``y[b]`` contracted along ``x_axis`` and ``y_axis``
    (counted with the batch): one batched matmul of ``(batch, rest_of_x, n)`` by
    ``(batch, n, rest_of_y)``. A result with no axis besides the batch gets one of size 1."""
    x = ops.moveaxis(x, x_axis, -1)
    y = ops.moveaxis(y, y_axis, 1)
    x_shape, y_shape = ops.shape(x), ops.shape(y)
    batch, size = x_shape[0], x_shape[-1]
    x_rest, y_rest = tuple(x_shape[1:-1]), tuple(y_shape[2:])
    product = ops.matmul(ops.reshape(x, (batch, math.prod(x_rest), size)),
                         ops.reshape(y, (batch, size, math.prod(y_rest))))
    return ops.reshape(product, (batch,) + (x_rest + y_rest or (1,)))


def _functional(layer_class):
    def merge(inputs, **kwargs):
        return layer_class(**kwargs)(inputs)
    merge.__name__ = layer_class.__name__.lower()
    merge.__doc__ = f"Functional form of :class:`{layer_class.__name__}`."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional form of :class:`Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
