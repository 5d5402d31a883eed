"""EinsumDense: a dense layer whose contraction is an einsum equation."""

import copy
import re

from kerasette import activations, constraints, initializers, ops, regularizers
from kerasette.initializers.random_initializers import VarianceScaling
from kerasette.layers.argument_validation import describe
from kerasette.layers.input_spec import InputSpec
from kerasette.layers.layer import Layer

# "ab,bc->ac", "...ab,bc->...ac" (batch dims elided on the left) or "ab...,bc->ac..." (on the
# right); the input's first letter is always its batch axis
_EQUATION_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), None),
    (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)$"), "left"),
    (re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\.$"), "right"),
)


class EinsumShapes:
    """What an EinsumDense equation makes of an input shape: the kernel's and the bias's
    shapes, the full output shape, and which kernel axes face the input and the output
    (the fan-in and fan-out of the kernel's initializer).

    Args:
        layer: the layer (named in errors).
        equation, bias_axes, partial_output_shape: the layer's arguments.
        input_shape: the input's shape, batch first.
    """

    def __init__(self, layer, equation, bias_axes, partial_output_shape, input_shape):
        equation = equation.replace(" ", "")
        for pattern, elided_side in _EQUATION_FORMS:
            match = pattern.match(equation)
            if match:
                break
        else:
            raise ValueError(
                f"{describe(layer)}: invalid equation {equation!r}; expected the form "
                f"'ab,bc->ac', '...ab,bc->...ac' or 'ab...,bc->ac...'.")
        input_spec, weight_spec, output_spec = match.groups()
        input_shape = tuple(input_shape)
        elided = len(input_shape) - len(input_spec)
        if elided < 0 or (elided > 0 and elided_side is None):
            raise ValueError(
                f"{describe(layer)}: equation {equation!r} names {len(input_spec)} input axes, "
                f"got input shape {input_shape}.")
        # the output: batch, then the elided axes on their side, then the partial shape
        output = [input_shape[0]] + list(partial_output_shape)
        if elided_side == "left":
            output[1:1] = input_shape[1:elided]
        elif elided_side == "right":
            output.extend(input_shape[len(input_shape) - elided:])
        offset = elided if elided_side == "left" else 0
        # with "..." on the left, both specs name the last axes (the batch axis is elided too)
        input_axis = {letter: i + offset for i, letter in enumerate(input_spec)}
        output_axis = {letter: i + offset for i, letter in enumerate(output_spec)}
        if len(output) != len(output_spec) + elided:
            raise ValueError(
                f"{describe(layer)}: output_shape {tuple(partial_output_shape)} gives an output "
                f"of rank {len(output)}, but equation {equation!r} has {len(output_spec)} output "
                f"axes (plus {elided} elided).")
        for letter in input_spec:
            if letter in output_axis:
                size, wanted = input_shape[input_axis[letter]], output[output_axis[letter]]
                if wanted is not None and size is not None and wanted != size:
                    raise ValueError(
                        f"{describe(layer)}: axis {letter!r} of equation {equation!r} has size "
                        f"{size} in the input (shape {input_shape}) but {wanted} in "
                        f"output_shape {tuple(partial_output_shape)}.")
                output[output_axis[letter]] = size
        for letter in output_spec:
            if letter not in input_spec and letter not in weight_spec:
                raise ValueError(
                    f"{describe(layer)}: output axis {letter!r} of equation {equation!r} is in "
                    f"neither the input nor the weight.")
        self.kernel_shape, self.input_axes, self.output_axes = [], [], []
        for i, letter in enumerate(weight_spec):
            if letter in output_axis:
                self.kernel_shape.append(output[output_axis[letter]])
                self.output_axes.append(i)
            elif letter in input_axis:
                self.kernel_shape.append(input_shape[input_axis[letter]])
                self.input_axes.append(i)
            else:
                raise ValueError(
                    f"{describe(layer)}: weight axis {letter!r} of equation {equation!r} is in "
                    f"neither the input nor the output, so its size is unknown.")
        self.bias_shape = None
        if bias_axes is not None:
            for letter in bias_axes:
                if letter not in output_spec:
                    raise ValueError(
                        f"{describe(layer)}: bias axis {letter!r} is not an output axis of "
                        f"equation {equation!r}.")
            # the bias covers the output from its first biased axis on, 1 where not biased
            first = min(output_spec.index(letter) for letter in bias_axes)
            self.bias_shape = [output[output_axis[letter]] if letter in bias_axes else 1
                               for letter in output_spec[first:]]
            if elided_side == "right":
                self.bias_shape.extend([1] * elided)
        self.output_shape = tuple(output)


class EinsumDense(Layer):
    """A dense layer of any rank: ``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: the einsum of the input (first operand, batch axis first) and the kernel,
            e.g. ``"ab,bc->ac"`` (Dense), ``"abc,cde->abde"`` (a projection to heads);
            ``...`` may stand for leading (``"...b,bc->...c"``) or trailing axes.
        output_shape: the output's shape without the batch axis (and without the axes
            ``...`` stands for); ``None`` for an axis taken from the input.
        activation: name or function (default: none).
        bias_axes: the output letters that get a bias (default None: no bias).
        kernel_initializer, bias_initializer: initializers ("glorot_uniform", "zeros"); a
            variance-scaling kernel initializer counts its fans along the axes the equation
            contracts (fan-in) and produces (fan-out).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties.
        kernel_constraint, bias_constraint: projections applied after each update.
        lora_rank, lora_alpha, quantization_config: accepted for Keras 3 compatibility;
            LoRA and quantization are not supported, so they must be None.

    Example:
        >>> layer = kerasette.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 8),
        ...                                      bias_axes="de")
        >>> layer(np.zeros((4, 10, 16))).shape
        (4, 10, 2, 8)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None or quantization_config is not None:
            raise NotImplementedError(
                f"{describe(self)}: LoRA and quantization are not supported by kerasette "
                f"(got lora_rank={lora_rank!r}, quantization_config={quantization_config!r}).")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = self.bias = None

    def _shapes(self, input_shape):
        return EinsumShapes(self, self.equation, self.bias_axes, self.partial_output_shape,
                            input_shape)

    def build(self, input_shape):
        shapes = self._shapes(input_shape)
        initializer = self.kernel_initializer
        if isinstance(initializer, VarianceScaling) and (initializer.input_axes is None
                                                         or initializer.output_axes is None):
            # a kernel of any rank: its fans are the contracted and the produced axes
            initializer = copy.copy(initializer)
            initializer.input_axes, initializer.output_axes = shapes.input_axes, shapes.output_axes
        self.kernel = self.add_weight(name="kernel", shape=tuple(shapes.kernel_shape),
                                      initializer=initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if shapes.bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(shapes.bias_shape),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=len(input_shape))

    def call(self, inputs):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return self._shapes(input_shape).output_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        })
        return config
