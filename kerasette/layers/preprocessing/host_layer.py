"""The base of the preprocessing layers that work on the host (strings, hashing, lookups).

Keras 3 runs these layers with TensorFlow, outside the compiled computation of non-TF
backends, and recommends applying them in the data pipeline. kerasette runs them with numpy
on the host: string inputs stay numpy arrays (``str`` or ``object`` dtype), and the integer
or float outputs become tensors of the active backend. Inside a compiled step (the jax
trainer) the inputs are traced values the host cannot read: the backend's error carries a
note that names the layer and says to apply it to the data instead (``dataset.map(layer)``,
or ``layer(x)`` before ``fit``). The numpy engine's step tracer runs such a step eagerly.
"""

import numpy as np

from kerasette import ops
from kerasette.layers.layer import Layer


def is_string_array(value):
    """Whether ``value`` (an array or nested list) holds strings or bytes."""
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, np.ndarray):
        if value.dtype.kind != "O":
            return value.dtype.kind in "US"
        # an object array: strings if its first item is one (an empty one counts as text)
        return value.size == 0 or isinstance(value.reshape(-1)[0], (str, bytes))
    if isinstance(value, (list, tuple)):
        flat = np.asarray(value, dtype=object).reshape(-1)
        return flat.size > 0 and isinstance(flat[0], (str, bytes))
    return False


def as_text(value):
    """``value`` (strings or bytes, any nesting) as a numpy array of ``str`` (object dtype),
    bytes decoded as UTF-8."""
    array = np.asarray(value, dtype=object)
    return np.vectorize(lambda v: v.decode("utf-8") if isinstance(v, bytes) else str(v),
                        otypes=[object])(array) if array.size else array


def adapt_batches(data, steps=None, lists_are_batches=False):
    """The batches ``adapt`` reads from ``data``, as Keras 3: ``data`` itself when it is one
    array (a numpy array, a tensor, a string; a list or tuple too, unless
    ``lists_are_batches``), else the items of the iterable (a list of batches, a generator,
    a PyDataset), at most ``steps`` of them."""
    one = (isinstance(data, (np.ndarray, str, bytes)) or ops.is_tensor(data)
           or not hasattr(data, "__iter__")
           or (isinstance(data, (list, tuple)) and not lists_are_batches))
    for index, batch in enumerate([data] if one else data):
        if steps is not None and index >= steps:
            return
        yield batch


class HostPreprocessingLayer(Layer):
    """A layer whose ``call`` reads its inputs on the host as numpy arrays.

    String inputs are not converted to tensors; :meth:`host_array` gives any input (string
    array, numpy array, tensor) as a numpy array, or raises a clear error when the input is
    being traced inside a compiled step.
    """

    def _convert_inputs(self, inputs):
        if isinstance(inputs, (list, tuple)) and inputs and all(
                isinstance(x, np.ndarray) or ops.is_tensor(x) for x in inputs):
            return type(inputs)(self._convert_inputs(x) for x in inputs)  # several features
        if is_string_array(inputs):
            return as_text(inputs)
        return super()._convert_inputs(inputs)

    def host_array(self, value):
        """``value`` as a numpy array; strings as an object array of ``str``."""
        if is_string_array(value):
            return as_text(value)
        if isinstance(value, np.ndarray):
            return value
        try:
            return np.asarray(ops.convert_to_numpy(value))
        except Exception as error:
            # a traced value (a compiled step) has no host value. The backend's own error
            # goes on unchanged (the numpy engine's tracer catches its own to run the step
            # eagerly instead); the note says which layer and what to do.
            error.add_note(
                f'{type(self).__name__} "{self.name}" works on the host (numpy) and cannot run '
                "inside a compiled train step: apply it to the data instead (in the data "
                "pipeline, e.g. dataset.map(layer), or layer(x) before fit), as Keras 3 "
                "recommends.")
            raise
