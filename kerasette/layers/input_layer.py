"""``keras.Input`` and ``InputLayer``: where a functional graph starts."""

from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.layer import Layer
from kerasette.layers.node import Node


class InputLayer(Layer):
    """The layer behind ``keras.Input``: it has no weights and outputs its symbolic input.

    Args:
        shape: the shape without the batch dimension.
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
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
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


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input of a functional model.

    Args:
        shape: the shape of one sample (without the batch dimension), e.g. ``(784,)``.
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
