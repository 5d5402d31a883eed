"""Functional models: a graph of layer calls from ``keras.Input`` tensors to outputs."""

import inspect

from kerasette import ops
from kerasette.backends import tree
from kerasette.backends.masking import get_keras_mask, set_keras_mask
from kerasette.layers.core.op_layer import OpLayer
from kerasette.layers.input_layer import InputLayer
from kerasette.layers.input_spec import InputSpec, assert_input_compatibility
from kerasette.layers.keras_tensor import KerasTensor
from kerasette.layers.tracking import no_tracking, unique
from kerasette.models.model import Model


class Functional(Model):
    """A model defined by its inputs and outputs (``keras.Model(inputs, outputs)``).

    Inputs and outputs may be a tensor, a list or a dict of tensors. Layers may
    be shared (called several times) and models may be nested (called like a
    layer). Shape errors surface when the graph is built, naming the layer.

    Called on data, the model checks each input against its ``keras.Input`` shape (any batch
    size), accepting, as Keras does, an input with an extra last axis of size 1 (squeezed
    away) or without a last axis of size 1 that the ``Input`` has (added). A wrong shape
    raises a ValueError naming the model, both shapes, and what the layers that take that
    input would say of it.

    Masks flow through the graph as through eager calls: each layer reads the masks attached
    to its inputs and attaches its outputs' (see :mod:`kerasette.layers.layer`), so the
    outputs carry theirs, and the compiled losses and metrics leave masked timesteps out.
    The inputs' masks are those given as ``mask=`` (one per input), else those attached to
    the input tensors.

    Example:
        >>> a = kerasette.Input(shape=(16,), name="a")
        >>> b = kerasette.Input(shape=(8,), name="b")
        >>> x = kerasette.layers.Concatenate()([a, b])
        >>> out = kerasette.layers.Dense(1, name="score")(x)
        >>> model = kerasette.Model(inputs=[a, b], outputs=out)
    """

    def _saveable_children(self):
        """Keras 3 walks a functional model's ``layers`` first, then its other attributes (as
        :meth:`Model._saveable_children`): its own layers take their paths before any attribute
        of a subclass."""
        return [("layers", self.layers)] + super()._saveable_children()

    @no_tracking
    def __init__(self, inputs, outputs, name=None, **kwargs):
        # (Keras 3's signature: a subclass whose __init__ takes the same arguments saves a
        # functional config, see get_config)
        super().__init__(name=name, **kwargs)
        if isinstance(inputs, dict) and not all(isinstance(k, str) for k in inputs):
            raise ValueError("Functional model inputs given as a dict need string keys.")
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_tensors = tree.flatten(inputs)[0]
        self._output_tensors = tree.flatten(outputs)[0]
        for tensor in self._input_tensors:
            if not isinstance(tensor, KerasTensor) or tensor._keras_history is None or not isinstance(
                    tensor._keras_history[0], InputLayer):
                raise ValueError(
                    f'Functional model "{self.name}": every input must be a tensor made by '
                    f"keras.Input, got {tensor!r}."
                )
        for tensor in self._output_tensors:
            if not isinstance(tensor, KerasTensor):
                raise ValueError(
                    f'Functional model "{self.name}": every output must be a symbolic tensor '
                    f"(the result of calling layers on keras.Input), got {type(tensor).__name__}."
                )
        self._nodes = _nodes_in_order(self._output_tensors)
        self._check_connected()
        self._nodes_by_depth, self._operations = _map_depths(
            self._input_tensors, self._output_tensors, self._nodes)
        self.input_spec = [InputSpec(shape=(None,) + tuple(t.shape[1:]),
                                     allow_last_axis_squeeze=True,
                                     name=t._keras_history[0].name)
                           for t in self._input_tensors]
        if len(self.input_spec) == 1:
            self.input_spec = self.input_spec[0]
        self.built = True

    def _check_connected(self):
        available = {id(t) for t in self._input_tensors}
        used_layers = []
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                if id(node.output_tensors[0]) not in available:
                    raise ValueError(
                        f'Graph disconnected in model "{self.name}": cannot obtain the value of '
                        f'input "{node.layer.name}" {node.output_tensors[0]!r}: it is not among the '
                        f"model's inputs. Layers reached so far: {used_layers}."
                    )
                continue
            for tensor in node.input_tensors:
                if id(tensor) not in available:
                    raise ValueError(
                        f'Graph disconnected in model "{self.name}": cannot obtain the value of '
                        f'{tensor!r} needed by layer "{node.layer.name}". Layers reached so far: '
                        f"{used_layers}."
                    )
            used_layers.append(node.layer.name)
            available.update(id(t) for t in node.output_tensors)

    # ------------------------------------------------------------------ structure
    @property
    def layers(self):
        """The model's layers in graph order, its InputLayers first (without the op nodes of
        ``ops`` called on symbolic tensors, as Keras 3: those are in :attr:`operations`)."""
        return [op for op in self._operations if not isinstance(op, OpLayer)]

    @property
    def operations(self):
        """The model's layers and op nodes (``x + 1``, ``ops.sum(x)``) in graph order."""
        return list(self._operations)

    @property
    def _layers(self):
        # the graph's layers, then any a subclass holds in attributes of its own
        return unique(self.layers + super()._layers)

    @property
    def inputs(self):
        return list(self._input_tensors)

    @property
    def outputs(self):
        return list(self._output_tensors)

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self._input_tensors]

    @property
    def output_names(self):
        """The names of the layers that make the outputs, in the order of the flattened outputs
        (a dict's by sorted key), as Keras 3 names them."""
        return [t._keras_history[0].name for t in self._output_tensors]

    # ------------------------------------------------------------------ running
    def __call__(self, *args, **kwargs):
        inputs = args[0] if args else None
        if isinstance(inputs, dict) and not any(
                isinstance(x, KerasTensor) for x in tree.flatten(inputs)[0]):
            # data keyed by input name: checked against the inputs' specs in their order
            args = (self._flatten_inputs(inputs),) + tuple(args[1:])
        return super().__call__(*args, **kwargs)

    def _assert_input_compatibility(self, shapes):
        check_model_input_shapes(self, self, shapes)

    def _first_layer_complaints(self, shapes):
        """What the layers that take the model's inputs say of inputs of ``shapes`` (the
        model's input shapes, as ``__call__`` sees them): a list of error messages."""
        specs = self.input_spec if isinstance(self.input_spec, list) else [self.input_spec]
        shapes = [shapes] if len(self._input_tensors) == 1 else list(shapes)
        received = {id(tensor): spec.aligned_shape(shape)
                    for tensor, spec, shape in zip(self._input_tensors, specs, shapes)
                    if shape is not None}

        def shapes_of(x):
            if isinstance(x, KerasTensor):
                return received.get(id(x), x.shape)
            if isinstance(x, (list, tuple)):
                return [shapes_of(item) for item in x]
            if isinstance(x, dict):
                return {k: shapes_of(v) for k, v in x.items()}
            return x

        complaints, asked = [], set()
        for node in self._nodes:
            if isinstance(node.layer, InputLayer) or id(node.layer) in asked or not any(
                    id(t) in received for t in node.input_tensors):
                continue
            asked.add(id(node.layer))
            first = node.call_args[0] if node.call_args else next(iter(node.call_kwargs.values()))
            try:
                node.layer._assert_input_compatibility(shapes_of(first))
            except ValueError as error:
                complaints.append(str(error))
        return complaints

    def call(self, inputs, training=None, mask=None):
        values = self._flatten_inputs(inputs)
        masks = ([get_keras_mask(value) for value in values] if mask is None
                 else self._flatten_inputs(mask))
        values = self._adjust_input_ranks(values)
        computed = {}
        for tensor, value, value_mask in zip(self._input_tensors, values, masks):
            if value_mask is not None:
                set_keras_mask(value, value_mask)
            computed[id(tensor)] = value
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue

            def value_of(x):
                return computed[id(x)] if isinstance(x, KerasTensor) else x
            args = tree.map_structure(value_of, node.call_args)
            kwargs = tree.map_structure(value_of, node.call_kwargs)
            outputs = node.layer(*args, **kwargs)
            for tensor, value in zip(node.output_tensors, tree.flatten(outputs)[0]):
                computed[id(tensor)] = value
        return tree.map_structure(lambda t: computed[id(t)], self._outputs_struct)

    def _adjust_input_ranks(self, values):
        """Each input with the rank of its ``keras.Input``: a last axis of size 1 squeezed
        away, or added where the ``Input`` ends with one (the input spec allowed both)."""
        adjusted = []
        for tensor, value in zip(self._input_tensors, values):
            if ops.is_tensor(value):
                shape, expected = ops.shape(value), tensor.shape
                if len(shape) == len(expected) + 1 and shape[-1] == 1:
                    value = ops.squeeze(value, axis=-1)
                elif len(shape) == len(expected) - 1 and expected[-1] == 1:
                    value = ops.expand_dims(value, -1)
            adjusted.append(value)
        return adjusted

    def _flatten_inputs(self, inputs):
        """The call's inputs as a list in the order of ``self._input_tensors``."""
        expected = len(self._input_tensors)
        if isinstance(inputs, dict):
            names = self.input_names
            if isinstance(self._inputs_struct, dict):
                keys = sorted(self._inputs_struct)
                missing = [k for k in keys if k not in inputs]
                if missing:
                    raise ValueError(f'Model "{self.name}" is missing inputs {missing}; '
                                     f"it expects {keys}.")
                return [inputs[k] for k in keys]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f'Model "{self.name}" is missing inputs {missing}; '
                                 f"it expects inputs named {names}.")
            return [inputs[n] for n in names]
        if expected == 1:
            if isinstance(inputs, (list, tuple)) and len(inputs) == 1 and not _is_scalar_list(inputs):
                return [inputs[0]]
            return [inputs]
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != expected:
            raise ValueError(
                f'Model "{self.name}" expects {expected} inputs ({self.input_names}), '
                f"got {len(flat)}."
            )
        return flat

    def compute_output_spec(self, inputs, training=None, mask=None):
        return tree.map_structure(lambda t: KerasTensor(t.shape, dtype=t.dtype),
                                  self._outputs_struct)

    def _symbolic_call(self, args, kwargs):
        from kerasette.layers.layer import _shapes_of
        from kerasette.layers.node import Node
        inputs = args[0] if args else kwargs.get("inputs")
        flat = self._flatten_inputs(inputs)
        self._assert_input_compatibility([_shapes_of(x) for x in flat]
                                         if len(flat) > 1 else _shapes_of(flat[0]))
        outputs = self.compute_output_spec(inputs)
        Node(self, args, kwargs, outputs)
        return outputs

    def get_config(self):
        """The graph (Keras 3's functional config); for a subclass whose ``__init__`` takes
        other arguments than ``Functional``'s, the plain ``Model`` config, as Keras 3 (the
        graph could not be passed back to that constructor)."""
        from kerasette.models.serialization import functional_config
        if not has_functional_constructor(type(self)):
            return Model.get_config(self)
        return functional_config(self)


def has_functional_constructor(cls):
    """Whether ``cls.__init__`` takes the positional arguments of ``Functional.__init__``
    (inputs, outputs, name): Keras 3 saves and clones the models of such a class as graphs
    of that class, and those of other subclasses as plain ``Model`` configs and
    ``Functional`` clones."""
    def arguments(init):
        return inspect.getfullargspec(inspect.unwrap(init)).args[1:]
    return arguments(cls.__init__) == arguments(Functional.__init__)


def check_model_input_shapes(model, graph, shapes):
    """Raises ValueError when inputs of ``shapes`` break ``model.input_spec``: the message
    names the model and both shapes, then what the first layers of ``graph`` (the model's
    Functional graph) say of those inputs, e.g. ``Sequential "clf" expected input shape
    (None, 6), got (32, 5): Dense "hidden" expected last dimension 6, got 5 (input shape
    (32, 5)).``"""
    try:
        assert_input_compatibility(model, model.input_spec, shapes)
    except ValueError as error:
        complaints = graph._first_layer_complaints(shapes)
        if not complaints:
            raise
        raise ValueError(f"{str(error).rstrip('.')}: {' '.join(complaints)}") from None


def _is_scalar_list(value):
    return all(isinstance(v, (int, float)) for v in value)


def _map_depths(input_tensors, output_tensors, nodes):
    """``(nodes_by_depth, operations)`` as Keras orders a graph: a node's depth is its
    distance from the outputs (the calls of a shared layer all get the layer's deepest one),
    and the layers are listed from the deepest down, those of one depth in the order a
    depth-first walk back from the outputs first meets them.

    ``nodes`` are the graph's nodes, each after the nodes it depends on."""
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    nodes_by_depth = {}
    for node in nodes:
        nodes_by_depth.setdefault(node_depth[id(node)], []).append(node)

    first_seen = {}  # layer id -> index in a pre-order walk back from the outputs
    layers = {}
    visited = set()
    stack = [t._keras_history for t in reversed(output_tensors)]
    while stack:
        layer, index, _ = stack.pop()
        node = layer._inbound_nodes[index]
        if id(node) in visited:
            continue
        visited.add(id(node))
        first_seen.setdefault(id(layer), len(first_seen))
        layers[id(layer)] = layer
        stack.extend(t._keras_history for t in reversed(node.input_tensors))
    for tensor in input_tensors:  # inputs the outputs do not use
        layer = tensor._keras_history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = -1
            layers[id(layer)] = layer
    operations = sorted(layers.values(),
                        key=lambda l: (-layer_depth[id(l)], first_seen[id(l)]))
    return nodes_by_depth, operations


def _nodes_in_order(output_tensors):
    """The nodes that lead to ``output_tensors``, each after the nodes it depends on.

    Iterative depth-first search (no recursion limit on deep graphs)."""
    order = []
    done = set()
    visiting = set()
    stack = []
    for tensor in reversed(output_tensors):
        layer, index, _ = tensor._keras_history
        stack.append((layer._inbound_nodes[index], False))
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            visiting.discard(id(node))
            done.add(id(node))
            order.append(node)
            continue
        if id(node) in visiting:
            continue
        visiting.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parent_nodes):
            if id(parent) not in done:
                stack.append((parent, False))
    return order
