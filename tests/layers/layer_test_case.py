"""The shared layer test: one :class:`LayerCase` per layer configuration, and the helpers
every check runs through (inputs, weights, forward passes, gradients, the Keras twin).

A case names a class of ``kerasette.layers`` (and of ``keras.layers``, its reference),
its constructor arguments and its input shape. The checks in ``test_all_layers.py``
run every case on every backend.
"""

import dataclasses

import numpy as np

import kerasette
from kerasette import ops


@dataclasses.dataclass
class LayerCase:
    """One layer configuration to test.

    Attributes:
        name: the class name in ``kerasette.layers`` and ``keras.layers``.
        config: the constructor arguments (the same for both).
        input_shape: the input shape, batch included; a list of shapes for layers that take a
            list of inputs (the merging layers).
        id: the test id (default: the class name).
        integer_inputs: the input holds ids in ``[0, integer_inputs)`` instead of floats.
        string_inputs: the input holds strings drawn from these (numpy ``object`` arrays,
            ``Input(dtype="string")``): the host preprocessing layers.
        training: the ``training`` values whose outputs are compared (``(False, True)`` for
            layers that behave differently while training and do so deterministically).
        keras: compare with the real Keras layer (weights, outputs, config keys).
        config_round_trip: False when ``from_config(get_config())`` cannot work by design.
        fit_skip: why the short-fit check cannot judge this layer, decided here and shown as
            the test's skip reason; None (default): the check runs, and a model that fails
            to compile or train fails it.
        random_in_training: the layer draws random numbers while training (Dropout), so the
            short fit judges the loss at inference instead of the training loss.
        wrapped: for a wrapper layer, ``(class name, arguments)`` of the layer it wraps, made
            with the same library as the wrapper and passed as its ``layer`` argument; a
            list of them passes a list of layers (``RNN``'s stacked cells).
        wrapped_argument: the constructor argument the wrapped layer is passed as
            (``"cell"`` for ``RNN``).
        jax_fit_elsewhere: the test that fits this layer in a compiled jax step instead of
            the short fit here (one model holding several such layers compiles once).
        positional_inputs: the layer takes its inputs as separate arguments
            (``layer(query, value)``: MultiHeadAttention), not as one list.
    """

    name: str
    config: dict
    input_shape: object
    id: str = None
    integer_inputs: int = 0
    string_inputs: tuple = ()
    training: tuple = (False,)
    keras: bool = True
    config_round_trip: bool = True
    fit_skip: str = None
    random_in_training: bool = False
    wrapped: tuple = None
    wrapped_argument: str = "layer"
    jax_fit_elsewhere: str = None
    positional_inputs: bool = False

    def __post_init__(self):
        if self.id is None:
            self.id = self.name

    @property
    def multi_input(self):
        return isinstance(self.input_shape, list)

    def shapes(self):
        """The input shapes as a list (one entry for a single-input layer)."""
        return list(self.input_shape) if self.multi_input else [self.input_shape]

    def apply(self, layer, inputs, **kwargs):
        """Calls ``layer`` (of this case, kerasette's or Keras's) on ``inputs``: the list
        itself, or its items as separate arguments (``positional_inputs``)."""
        if self.positional_inputs:
            return layer(*inputs, **kwargs)
        return layer(inputs, **kwargs)

    def output_shape(self, layer, shapes):
        """``layer.compute_output_shape`` for input ``shapes``, passed as :meth:`apply` passes
        the inputs."""
        if self.positional_inputs:
            return layer.compute_output_shape(*shapes)
        return layer.compute_output_shape(shapes)

    def make(self):
        """A new kerasette layer of this case on the active backend."""
        return self._make(kerasette.layers)

    def make_keras(self, keras):
        """The same layer in Keras."""
        return self._make(keras.layers)

    def _make(self, layers):
        config = dict(self.config)
        if isinstance(self.wrapped, list):
            config[self.wrapped_argument] = [getattr(layers, name)(**arguments)
                                             for name, arguments in self.wrapped]
        elif self.wrapped is not None:
            name, arguments = self.wrapped
            config[self.wrapped_argument] = getattr(layers, name)(**arguments)
        return getattr(layers, self.name)(**config)

    def inputs(self, seed=0, batch_size=None):
        """Random numpy inputs (a list for multi-input layers), with the case's batch size
        unless ``batch_size`` is given. Floats are kept away from 0 and continuous, so that
        max/min/relu have one clear gradient."""
        rng = np.random.default_rng(seed)
        arrays = []
        for shape in self.shapes():
            if batch_size is not None:
                shape = (batch_size,) + tuple(shape[1:])
            if self.string_inputs:
                arrays.append(rng.choice(np.array(self.string_inputs, dtype=object), size=shape))
            elif self.integer_inputs:
                arrays.append(rng.integers(0, self.integer_inputs, size=shape).astype("int32"))
            else:
                values = rng.normal(size=shape)
                values = np.where(np.abs(values) < 0.05, values + 0.1, values)
                arrays.append(values.astype("float32"))
        return arrays if self.multi_input else arrays[0]

    def symbolic_inputs(self):
        """``kerasette.Input`` tensors with the batch size left free."""
        dtype = "string" if self.string_inputs else "int32" if self.integer_inputs else None
        tensors = [kerasette.Input(shape=shape[1:], dtype=dtype) for shape in self.shapes()]
        return tensors if self.multi_input else tensors[0]


def random_weights(weights, seed=1):
    """Values for ``weights`` (a list of ``(path, shape, dtype)``): normal for floats,
    positive (>= 0.5) for variances and standard deviations, small counts for integers."""
    rng = np.random.default_rng(seed)
    values = []
    for path, shape, dtype in weights:
        if np.dtype(dtype).kind in "iu":
            values.append(rng.integers(1, 5, size=shape).astype(dtype))
            continue
        value = rng.normal(size=shape)
        if "variance" in path or "stddev" in path:
            value = np.abs(value) + 0.5
        values.append(value.astype(dtype))
    return values


def weight_signature(layer):
    """``(path, shape, dtype)`` of each weight of a kerasette or Keras layer, in order."""
    return [(v.path, tuple(v.shape), np.dtype(getattr(v.dtype, "name", v.dtype)).name)
            for v in layer.weights]


def to_numpy(x):
    """A tensor (or a structure of tensors) of any backend as numpy arrays."""
    if isinstance(x, (list, tuple)):
        return [to_numpy(item) for item in x]
    if x is None:
        return None
    return np.asarray(x)


def call(case, layer, inputs, training):
    """``layer(inputs)`` (with ``training`` when True) as numpy."""
    if training:
        return to_numpy(case.apply(layer, inputs, training=True))
    return to_numpy(case.apply(layer, inputs, **_inference(case)))


def _inference(case):
    """The arguments of an inference call: ``training=False`` said for layers that draw at
    random while training (image augmentation layers train by default when called, as in
    Keras 3), nothing for the others (their default)."""
    return {"training": False} if case.random_in_training else {}


def built_layer(case, inputs, weights=None):
    """A kerasette layer of ``case`` on the active backend, built on ``inputs``, with
    ``weights`` set when given (else random ones from :func:`random_weights`)."""
    layer = case.make()
    case.apply(layer, _tensors(inputs))
    layer.set_weights(weights if weights is not None else random_weights(weight_signature(layer)))
    return layer


def built_keras_layer(case, keras, inputs, weights):
    """The Keras twin of ``case``, built on ``inputs``, with ``weights`` set."""
    layer = case.make_keras(keras)
    case.apply(layer, inputs)
    if weights:
        layer.set_weights(weights)
        if hasattr(layer, "finalize_state"):  # Keras's Normalization caches its statistics
            layer.finalize_state()
    return layer


_KERAS_REFERENCES = {}


def keras_reference(case, keras):
    """What the real Keras layer of ``case`` does, computed once per case (it does not depend
    on kerasette's backend): a dict with ``weights`` (``(name, shape, trainable)`` of each
    weight), ``count_params``, ``config_keys``, ``values`` (random weights set on it) and, for
    each mode in ``case.training``, ``outputs[training]`` and ``weights_after[training]``."""
    if case.id in _KERAS_REFERENCES:
        return _KERAS_REFERENCES[case.id]
    inputs = case.inputs()
    layer = case.make_keras(keras)
    case.apply(layer, inputs)
    trainable = {id(v) for v in layer.trainable_weights}
    reference = {
        "weights": [(v.path.split("/")[-1], tuple(v.shape), id(v) in trainable)
                    for v in layer.weights],
        "count_params": layer.count_params(),
        "config_keys": set(case.make_keras(keras).get_config()),
        "values": random_weights(weight_signature(layer)),
        "outputs": {},
        "weights_after": {},
    }
    for training in case.training:
        twin = built_keras_layer(case, keras, inputs, reference["values"])
        reference["outputs"][training] = call(case, twin, inputs, training)
        reference["weights_after"][training] = [np.asarray(w) for w in twin.get_weights()]
    _KERAS_REFERENCES[case.id] = reference
    return reference


def _tensors(inputs):
    if isinstance(inputs, list):
        return [_tensors(x) for x in inputs]
    if inputs.dtype == object:  # strings stay on the host (no backend has string tensors)
        return inputs
    return ops.convert_to_tensor(inputs)


def forward_and_gradients(case, backend_name, inputs, weights, training, cotangent_seed=2):
    """On backend ``backend_name``: the output of ``case``'s layer (with ``weights``) on
    ``inputs``, and the gradients of ``sum(output * r)`` (``r`` random) with respect to the
    float inputs and to the trainable weights. Returns numpy
    ``(output, input_gradients, weight_gradients, weights_after)``."""
    with kerasette.backend.use(backend_name):
        layer = built_layer(case, inputs, weights)
        x = _tensors(inputs)
        sources = ([] if case.integer_inputs or case.string_inputs
                   else (list(x) if case.multi_input else [x]))
        with kerasette.GradientTape() as tape:
            for source in sources:
                tape.watch(source)
            output = (case.apply(layer, x, training=True) if training
                      else case.apply(layer, x, **_inference(case)))
            rng = np.random.default_rng(cotangent_seed)
            cotangent = rng.normal(size=ops.shape(output)).astype(ops.dtype(output))
            target = ops.sum(ops.multiply(output, cotangent))
        trainable = layer.trainable_weights
        gradients = tape.gradient(target, sources + trainable)
        input_gradients = to_numpy(gradients[:len(sources)])
        weight_gradients = to_numpy(gradients[len(sources):])
        return to_numpy(output), input_gradients, weight_gradients, layer.get_weights()


def tiny_model(case):
    """``case``'s layer between an input and a ``Dense(2)`` head (flattened first when its
    output has more than two dimensions), as a functional model on the active backend."""
    inputs = case.symbolic_inputs()
    x = case.apply(case.make(), inputs)
    if len(x.shape) > 2:
        x = kerasette.layers.Flatten()(x)
    outputs = kerasette.layers.Dense(2)(x)
    return kerasette.Model(inputs, outputs)


def assert_close(actual, expected, what, rtol=1e-5, atol=1e-5):
    """Normwise ``max|actual - expected| <= max(rtol * max|expected|, atol)``, shapes equal."""
    from kerasette.testing import relative_error
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    error = relative_error(actual, expected, floor=atol / rtol)
    assert error <= rtol, f"{what}: relative error {error:.2e} > {rtol:.0e}"
