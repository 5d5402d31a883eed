"""``keras.Input`` and ``InputLayer``: where a functional graph starts."""

import numpy as np

from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.layer import Layer
from kerasette.layers.node import Node


class InputLayer(Layer):
    """The layer behind ``keras.Input``: it has no weights and outputs its symbolic input.

    Args:
        shape: the shape without the batch dimension; each dimension an integer >= 0, or
            None for a size not known in advance (-1 is refused).
        batch_size: the fixed batch size, or None.
        dtype: the input dtype (default floatx).
        batch_shape: the full shape including the batch dimension (instead of shape).
        sparse, ragged: accepted for Keras compatibility; only dense inputs are supported, so
            ``ragged=True`` is refused.
        name: the layer's name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if ragged:
            raise ValueError(f'InputLayer "{name}": ragged inputs are not supported by kerasette.')
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input needs a shape: pass shape=(...) or batch_shape=(...).")
            if isinstance(shape, (int, np.integer)):
                shape = (shape,)
            _check_dimensions(batch_size if batch_size is None else (batch_size,), "batch_size",
                              self.name)
            _check_dimensions(shape, "shape", self.name)
            batch_shape = (batch_size,) + tuple(shape)
        else:
            _check_dimensions(batch_shape, "batch_shape", self.name)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse = bool(sparse)
        self.ragged = False
        self.optional = optional
        self.built = True
        tensor = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name)
        Node(self, (), {}, tensor)
        self._output_tensor = tensor

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name,
                "optional": self.optional}


def _check_dimensions(dimensions, argument, name):
    """Raises ``ValueError`` unless every entry of ``dimensions`` is a size (an integer >= 0,
    numpy integers included, bool not) or None (unknown). A negative size such as -1 used
    to be accepted and only failed, obscurely, once data arrived."""
    if dimensions is None:
        return
    try:
        entries = tuple(dimensions)
    except TypeError:
        entries = (dimensions,)
    for dimension in entries:
        if dimension is None:
            continue
        if isinstance(dimension, (bool, np.bool_)) or not isinstance(
                dimension, (int, np.integer)) or dimension < 0:
            raise ValueError(
                f'Input "{name}": {argument}={dimensions!r} has the dimension {dimension!r}; '
                "every dimension must be a size (an integer >= 0) or None for a size not known "
                "in advance."
            )


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input of a functional model.

    Args:
        shape: the shape of one sample (without the batch dimension), e.g. ``(784,)``;
            None for a dimension whose size is not known in advance (-1 is refused).
        batch_size: a fixed batch size, or None.
        dtype: the input dtype (default floatx).
        sparse, ragged: accepted for Keras compatibility (dense inputs only).
        batch_shape: the full shape, instead of ``shape`` and ``batch_size``.
        name: a name, unique in the model.

    Example:
        >>> inputs = kerasette.Input(shape=(784,))
        >>> outputs = kerasette.layers.Dense(10)(inputs)
        >>> model = kerasette.Model(inputs, outputs)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, name=name, optional=optional)
    return layer._output_tensor
