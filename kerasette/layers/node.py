"""A Node is one call of a layer on symbolic tensors: the edges of a functional graph."""

from kerasette.backends import tree
from kerasette.layers.keras_tensor import KerasTensor


class Node:
    """Records ``layer(*call_args, **call_kwargs) -> outputs`` for symbolic tensors."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.output_tensors = [t for t in tree.flatten(outputs)[0] if isinstance(t, KerasTensor)]
        self.input_tensors = [t for t in tree.flatten((call_args, call_kwargs))[0]
                              if isinstance(t, KerasTensor)]
        layer._inbound_nodes.append(self)
        index = len(layer._inbound_nodes) - 1
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, index, i)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        parents = []
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                layer, index, _ = tensor._keras_history
                parents.append(layer._inbound_nodes[index])
        return parents

    def __repr__(self):
        return f"<Node {self.layer.name}: {len(self.input_tensors)} in, {len(self.output_tensors)} out>"
