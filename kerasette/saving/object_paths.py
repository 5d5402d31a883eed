"""Where each layer's and the optimizer's variables live in a Keras 3 weights file.

Keras 3 does not address saved variables by layer name (names are generated and
differ between two instances of one model) but by the path of attributes that
leads to the object from the model, walked in a fixed order:

- the model itself is the root, path ``""``;
- a Sequential or Functional model's ``layers`` come first: the path of each is
  ``layers/{its class in snake_case}``, made unique within the list by ``_1``,
  ``_2``, ... in list order (``layers/dense``, ``layers/dense_1``);
- then every other attribute holding a layer or an optimizer, sorted by name with
  private (``_``) names last: ``optimizer``, or ``encoder`` for
  ``self.encoder = ...`` in a subclassed model; a list, tuple or dict of them is a
  folder whose entries are named like ``layers`` (a nested list is ``container``);
  a model's ``layers`` (all its sublayers) is one of these attributes;
- an object reached twice is saved once, at the first path.

:func:`saveable_paths` gives these paths for a kerasette model, so that a file
written by one library is read by the other.
"""

from kerasette.utils.naming import to_snake_case

# attributes of kerasette's own bookkeeping, never walked: they hold the model's graph, its
# InputLayers, the compiled steps, ... (the saveable objects in them are reached through
# ``layers``), as Keras skips its own internals
_STRUCTURAL = frozenset({
    "_layers_list", "_functional", "_operations", "_nodes", "_nodes_by_depth", "_inputs_struct",
    "_outputs_struct", "_input_tensors", "_output_tensors", "_inbound_nodes", "_output_tensor",
    "_steps", "_outer_layer", "_compile_loss", "_compile_metrics", "_loss_tracker",
    "_output_loss_trackers", "history", "loss", "input_spec", "activity_regularizer",
})

_base_attributes = None


def _skipped_attributes():
    """The instance attributes every Layer and Model has (not the user's): never walked,
    except ``optimizer``."""
    global _base_attributes
    if _base_attributes is None:
        from kerasette.layers.layer import Layer
        from kerasette.models.model import Model
        names = set(vars(Layer(name="_kerasette_probe_layer")))
        names |= set(vars(Model(name="_kerasette_probe_model")))
        names.discard("optimizer")
        _base_attributes = frozenset(names | _STRUCTURAL)
    return _base_attributes


def is_saveable(obj):
    """Whether ``obj`` has variables of its own in a weights file (a layer or an optimizer)."""
    from kerasette.layers.layer import Layer
    from kerasette.optimizers.optimizer import Optimizer
    return isinstance(obj, (Layer, Optimizer))


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name


def _children(obj):
    """``(attribute, value)`` pairs of ``obj`` to walk, in Keras's order."""
    from kerasette.layers.layer import Layer
    from kerasette.models.functional import Functional
    from kerasette.models.model import Model
    from kerasette.models.sequential import Sequential
    if not isinstance(obj, Layer):
        return []  # an optimizer: its slots are its own variables, nothing below it
    children = []
    if isinstance(obj, (Sequential, Functional)):
        children.append(("layers", obj.layers))
    skipped = _skipped_attributes()
    attributes = {name: value for name, value in vars(obj).items()
                  if not name.startswith("__") and name not in skipped}
    if isinstance(obj, Model):
        # a model's `layers` is walked like an attribute (every sublayer, nested lists
        # flattened): a subclassed model's layers held in no attribute of their own are
        # saved at layers/...
        attributes["layers"] = obj.layers
    for name in sorted(attributes, key=_name_key):
        children.append((name, attributes[name]))
    return children


def _join(path, name):
    return f"{path}/{name}" if path else name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def saveable_paths(root):
    """``[(path, object)]`` for ``root`` and every layer and optimizer under it, each once,
    in Keras 3's walk order (``root`` first, at path ``""``)."""
    found = []
    visited = set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        found.append((path, obj))
        for name, child in _children(obj):
            if is_saveable(child):
                visit(child, _join(path, name))
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, _join(path, name), set())

    def visit_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        used = {}
        items = list(container.values()) if isinstance(container, dict) else list(container)
        for item in items:
            if is_saveable(item):
                visit(item, _join(path, _unique(to_snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, _join(path, _unique("container", used)), seen_containers)

    visit(root, "")
    return found


def describe(path, obj):
    """How errors name a saved object: ``layer "dense_2" (layers/dense_1)``."""
    from kerasette.optimizers.optimizer import Optimizer
    kind = "optimizer" if isinstance(obj, Optimizer) else (
        "model" if path == "" else "layer")
    where = path or "the model itself"
    return f'{kind} "{getattr(obj, "name", type(obj).__name__)}" ({where})'
