"""Layers that only rearrange their input: Flatten, Reshape, Permute, RepeatVector."""

import math

from kerasette import ops
from kerasette.backends.config import standardize_data_format
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer


class Flatten(Layer):
    """Flattens each sample to one dimension: ``(batch, ...) -> (batch, prod(...))``.

    Args:
        data_format: "channels_first" moves the channels last before flattening, so a model's
            weights do not depend on the layout.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        shape = ops.shape(inputs)
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, len(shape))) + (1,))
        return ops.reshape(inputs, (shape[0], int(math.prod(shape[1:]))))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f'Reshape "{self.name}": at most one -1 in target_shape, got '
                             f"{self.target_shape}.")

    def _resolved(self, input_shape):
        known = [d for d in input_shape[1:]]
        target = list(self.target_shape)
        if any(d is None for d in known):
            return tuple(None if d == -1 else d for d in target)
        size = int(math.prod(known))
        if -1 in target:
            rest = int(math.prod(d for d in target if d != -1))
            if rest == 0 or size % rest:
                raise ValueError(
                    f'Reshape "{self.name}" cannot reshape input shape {tuple(input_shape)} to '
                    f"{self.target_shape}: {size} elements per sample."
                )
            target[target.index(-1)] = size // rest
        elif int(math.prod(target)) != size:
            raise ValueError(
                f'Reshape "{self.name}" cannot reshape input shape {tuple(input_shape)} '
                f"({size} elements per sample) to {self.target_shape} "
                f"({int(math.prod(target))} elements)."
            )
        return tuple(target)

    def build(self, input_shape):
        self._resolved(input_shape)

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (shape[0],) + self._resolved(shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolved(input_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` counts from 1, e.g. ``(2, 1)`` swaps them."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f'Permute "{self.name}": dims must be a permutation of '
                             f"1..{len(self.dims)}, got {self.dims}.")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
