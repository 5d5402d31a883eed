"""Configs of Sequential and Functional models (Keras 3's layout), and rebuilding from them."""

from kerasette import dtype_policies
from kerasette.backends import tree
from kerasette.layers.core.op_layer import OpLayer, is_op_config, op_layer_from_config
from kerasette.layers.keras_tensor import KerasTensor
from kerasette.serialization.serialization_lib import deserialize_keras_object, serialize_keras_object


def serialize(model):
    """The model's architecture as Keras 3's config dict (no weights)."""
    return serialize_keras_object(model)


def sequential_config(model):
    layers = []
    for layer in model._layers_list:
        layers.append(serialize_keras_object(layer))
    config = {"name": model.name, "trainable": model.trainable,
              "dtype": dtype_policies.serialize(model.dtype_policy),
              "layers": layers}
    if model._functional is not None:
        config["build_input_shape"] = list(model._functional.inputs[0].shape)
    return config


def sequential_from_config(cls, config, custom_objects=None):
    from kerasette.layers.input_layer import InputLayer
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    for layer_config in config.get("layers", []):
        layer = deserialize_keras_object(layer_config, custom_objects)
        model.add(layer, rebuild=False)
    first = model._layers_list[0] if model._layers_list else None
    build_shape = config.get("build_input_shape")
    if isinstance(first, InputLayer) or (first is not None and first._batch_input_shape):
        model._maybe_rebuild()
    elif build_shape is not None:
        model.build(tuple(build_shape))
    return model


def _node_index_map(model):
    """``{(layer id, node id): index}``: each node's index among the layer's nodes in this model."""
    counts, mapping = {}, {}
    for node in model._nodes:
        key = id(node.layer)
        mapping[(key, id(node))] = counts.get(key, 0)
        counts[key] = counts.get(key, 0) + 1
    return mapping


def functional_config(model):
    node_index = _node_index_map(model)

    def history_of(tensor):
        layer, index, tensor_index = tensor._keras_history
        node = layer._inbound_nodes[index]
        return [layer.name, node_index.get((id(layer), id(node)), 0), tensor_index]

    def tensor_config(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype,
                               "keras_history": history_of(x)}}
        if isinstance(x, slice):  # an index of x[...] (Keras 3's form)
            return {"class_name": "__slice__",
                    "config": {"start": x.start, "stop": x.stop, "step": x.step}}
        if x is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        return serialize_keras_object(x)

    layers = []
    for layer in model.operations:
        entry = serialize_keras_object(layer)
        if isinstance(layer, OpLayer):
            entry.pop("build_config", None)
            entry.update(layer.keras_identity())
        entry["name"] = layer.name
        inbound = []
        for node in model._nodes:
            if node.layer is layer and type(layer).__name__ != "InputLayer":
                inbound.append({"args": tree.map_structure(tensor_config, list(node.call_args)),
                                "kwargs": tree.map_structure(tensor_config, dict(node.call_kwargs))})
        entry["inbound_nodes"] = inbound
        layers.append(entry)

    def endpoints(struct):
        if isinstance(struct, dict):
            return {k: history_of(v) for k, v in struct.items()}
        if isinstance(struct, (list, tuple)):
            return [history_of(t) for t in struct]
        return [history_of(struct)]
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": endpoints(model._inputs_struct),
            "output_layers": endpoints(model._outputs_struct)}


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a functional model: creates each layer, then replays its calls in an order
    where every input already exists."""
    from kerasette.models.functional import Functional
    from kerasette.models.model import Model
    created = {}
    pending = []
    for layer_config in config["layers"]:
        layer = (op_layer_from_config(layer_config) if is_op_config(layer_config)
                 else deserialize_keras_object(layer_config, custom_objects))
        name = layer_config.get("name") or layer.name
        created[name] = layer
        for node_data in layer_config.get("inbound_nodes", []):
            pending.append((name, node_data))
    tensors = {}  # (layer name, node index, tensor index) -> KerasTensor
    node_counts = {}
    for name, layer in created.items():
        if type(layer).__name__ == "InputLayer":
            tensors[(name, 0, 0)] = layer._output_tensor
            node_counts[name] = 1

    def resolve(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            history = tuple(x["config"]["keras_history"])
            if history not in tensors:
                raise LookupError(history)
            return tensors[history]
        if isinstance(x, dict) and x.get("class_name") == "__slice__":
            inner = x.get("config") or {}
            return slice(inner.get("start"), inner.get("stop"), inner.get("step"))
        if isinstance(x, dict) and x.get("class_name") == "__ellipsis__":
            return Ellipsis
        if isinstance(x, dict) and "class_name" in x:
            return deserialize_keras_object(x, custom_objects)
        return x

    progress = True
    while pending and progress:
        progress = False
        remaining = []
        for name, node_data in pending:
            try:
                args = _map_json(resolve, node_data.get("args", []))
                kwargs = _map_json(resolve, node_data.get("kwargs", {}))
            except LookupError:
                remaining.append((name, node_data))
                continue
            outputs = created[name](*args, **kwargs)
            index = node_counts.get(name, 0)
            node_counts[name] = index + 1
            for i, tensor in enumerate(tree.flatten(outputs)[0]):
                tensors[(name, index, i)] = tensor
            progress = True
        pending = remaining
    if pending:
        raise ValueError(
            f"Could not rebuild the functional model: the calls of layers "
            f"{sorted({name for name, _ in pending})} have inputs that no layer produces."
        )

    def endpoint(value):
        return tensors[tuple(value)]
    inputs = _endpoints(config["input_layers"], endpoint)
    outputs = _endpoints(config["output_layers"], endpoint)
    # a subclass of Model gets its own class back (a functional one, as Keras 3 makes it)
    target = Functional if cls is None or cls is Model else cls
    return target(inputs=inputs, outputs=outputs, name=config.get("name"),
                  trainable=config.get("trainable", True))


def _endpoints(spec, endpoint):
    if isinstance(spec, dict):
        return {k: endpoint(v) for k, v in spec.items()}
    if spec and isinstance(spec[0], (list, tuple)):
        items = [endpoint(v) for v in spec]
        return items[0] if len(items) == 1 else items
    return endpoint(spec)


def _map_json(fn, value):
    if isinstance(value, dict) and "class_name" in value:
        return fn(value)
    if isinstance(value, (list, tuple)):  # (a config not yet through JSON keeps tuples)
        return type(value)(_map_json(fn, v) for v in value)
    if isinstance(value, dict):
        return {k: _map_json(fn, v) for k, v in value.items()}
    return fn(value)


def model_from_json(json_string, custom_objects=None):
    """The model described by ``model.to_json()``'s output (new weights, no training state)."""
    import json
    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights.

    Args:
        model: a Sequential or Functional model.
        clone_function: optional ``fn(layer) -> layer`` used instead of re-creating each layer
            from its config.
    """
    from kerasette.models.functional import Functional, has_functional_constructor
    from kerasette.models.sequential import Sequential
    if clone_function is not None:
        if isinstance(model, Sequential):
            return Sequential([clone_function(layer) for layer in model._layers_list],
                              name=model.name)
        raise NotImplementedError("clone_function is supported for Sequential models only.")
    if isinstance(model, Functional):
        # the graph again; a subclass of Model built functionally stays of its class when
        # its constructor is Functional's (as Keras 3, which clones the others as Functional)
        cls = type(model) if has_functional_constructor(type(model)) else Functional
        return functional_from_config(cls, serialize_keras_object(functional_config(model)))
    if isinstance(model, Sequential):
        return deserialize_keras_object(serialize_keras_object(model))
    raise ValueError(
        f"clone_model needs a Sequential or Functional model; {type(model).__name__} is a "
        "subclassed model: create a new instance of it instead."
    )
