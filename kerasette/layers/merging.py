"""Merging layers: combine a list of tensors (Add, Subtract, Multiply, Average, Maximum,
Minimum, Concatenate)."""

import functools

from kerasette import ops
from kerasette.layers.layer import Layer


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
    """Elementwise product of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.multiply, inputs)


class Average(Merge):
    """Elementwise mean of the inputs."""

    def _merge(self, inputs):
        return ops.divide(functools.reduce(ops.add, inputs), float(len(inputs)))


class Maximum(Merge):
    """Elementwise maximum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.maximum, inputs)


class Minimum(Merge):
    """Elementwise minimum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.minimum, inputs)


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

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


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
