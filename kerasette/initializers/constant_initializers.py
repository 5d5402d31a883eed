"""Initializers without randomness: zeros, ones, a constant, the identity matrix."""

import numpy as np

from kerasette import ops
from kerasette.initializers.initializer import Initializer, numpy_dtype


def _shape(shape):
    return tuple(int(n) for n in shape)


class Zeros(Initializer):
    """All zeros (Keras 3 ``keras.initializers.Zeros``); any numeric or bool dtype.

    Example:
        >>> kerasette.initializers.Zeros()((2, 3))
        array([[0., 0., 0.],
               [0., 0., 0.]], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape), dtype=numpy_dtype(dtype))


class Ones(Initializer):
    """All ones (Keras 3 ``keras.initializers.Ones``); any numeric or bool dtype."""

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape), dtype=numpy_dtype(dtype))


class Constant(Initializer):
    """Every entry set to ``value`` (Keras 3 ``keras.initializers.Constant``).

    Args:
        value: a scalar (an array that broadcasts to the shape also works).
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        value = ops.convert_to_numpy(self.value) if ops.is_tensor(self.value) else self.value
        return np.array(np.broadcast_to(np.asarray(value), _shape(shape)), dtype=numpy_dtype(dtype))

    def get_config(self):
        value = self.value
        if isinstance(value, np.generic):
            value = value.item()
        elif ops.is_tensor(value) or isinstance(value, np.ndarray):
            # Keras 3's form for an array value
            kind = "__numpy__" if isinstance(value, np.ndarray) else "__tensor__"
            array = np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value)
            value = {"class_name": kind, "config": {"value": array.tolist(),
                                                    "dtype": array.dtype.name}}
        return {"value": value}

    @classmethod
    def from_config(cls, config):
        value = config["value"]
        if isinstance(value, dict) and value.get("class_name") in ("__numpy__", "__tensor__"):
            value = np.asarray(value["config"]["value"], dtype=value["config"]["dtype"])
        return cls(value)


class Identity(Initializer):
    """``gain`` times the identity matrix, for 2-D shapes (Keras 3
    ``keras.initializers.Identity``); a non-square shape gets ones on the main diagonal.

    Args:
        gain: the value on the diagonal.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer makes 2-D matrices only, got shape {shape} "
                f"(rank {len(shape)})."
            )
        dtype = numpy_dtype(dtype)
        values = np.eye(*shape, dtype=dtype)
        values *= np.asarray(self.gain, dtype=dtype)  # in place: no float64 matrix
        return values

    def get_config(self):
        return {"gain": self.gain}
