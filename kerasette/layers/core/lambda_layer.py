"""Lambda: wraps a Python function as a layer."""

import inspect

from kerasette.layers.layer import Layer


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (no weights).

    Lambda layers hold arbitrary code: a saved model containing one loads only with
    ``safe_mode=False``. Prefer a small Layer subclass for anything you will save.

    Args:
        function: the function, written with ``kerasette.ops``.
        output_shape: the output shape (without batch) or a function of the input shape;
            inferred by running the function when omitted.
        arguments: extra keyword arguments passed to ``function``.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f'Lambda "{self.name}": function must be callable, got {function!r}.')
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})
        self._takes_training = "training" in inspect.signature(function).parameters \
            if _has_signature(function) else False

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            return self._output_spec_by_running(args, kwargs)
        from kerasette.layers.keras_tensor import KerasTensor
        return KerasTensor(self.compute_output_shape(args[0].shape), dtype=self.dtype)

    def compute_output_shape(self, input_shape):
        """``output_shape`` (a shape without the batch size, or a function of the input
        shape); when it was not given, found by running the function on zeros."""
        if self._output_shape is None:
            from kerasette.backends import tree
            from kerasette.layers.layer import _keras_tensors_from_shapes
            spec = self._output_spec_by_running(
                (_keras_tensors_from_shapes(input_shape, self.dtype),), {})
            return tree.map_structure(lambda tensor: tensor.shape, spec)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0],) + tuple(self._output_shape)

    def get_config(self):
        config = super().get_config()
        name = getattr(self.function, "__name__", None)
        config.update({"function": {"class_name": "__lambda__" if name == "<lambda>" else "function",
                                    "config": name},
                       "arguments": self.arguments})
        if self._output_shape is not None and not callable(self._output_shape):
            config["output_shape"] = list(self._output_shape)
        return config


def _has_signature(function):
    try:
        inspect.signature(function)
        return True
    except (TypeError, ValueError):
        return False
