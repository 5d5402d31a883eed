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
written by one library is read by the other. Each object says what lies below it
(``_saveable_children()``: a layer its attributes, a model its ``layers`` too, an
optimizer nothing); this module names the paths.
"""

from kerasette.optimizers.optimizer import Optimizer
from kerasette.utils.naming import to_snake_case


def is_saveable(obj):
    """Whether ``obj`` has variables of its own in a weights file (a layer or an optimizer:
    the objects that say what lies below them, ``_saveable_children()``)."""
    return not isinstance(obj, type) and callable(getattr(obj, "_saveable_children", None))


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
        for name, child in obj._saveable_children():
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
    kind = "optimizer" if isinstance(obj, Optimizer) else (
        "model" if path == "" else "layer")
    where = path or "the model itself"
    return f'{kind} "{getattr(obj, "name", type(obj).__name__)}" ({where})'
