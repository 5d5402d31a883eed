"""Minimal pytrees: nested lists, tuples and dicts of leaves.

Used by ``value_and_grad`` (arguments may be structures of tensors) and by
``GradientTape.gradient`` (sources may be a structure). ``None`` is an empty
subtree, as in JAX.
"""


def flatten(tree):
    """Returns ``(leaves, treedef)``; :func:`unflatten` rebuilds the structure."""
    leaves = []
    treedef = _flatten(tree, leaves)
    return leaves, treedef


_NONE = ("none",)
_LEAF = ("leaf",)


def _flatten(tree, leaves):
    # exact types first: this runs for every leaf of a training step's state, each step
    kind = type(tree)
    if kind is list or kind is tuple:
        return (kind, tuple([_flatten(child, leaves) for child in tree]))
    if tree is None:
        return _NONE
    if isinstance(tree, (list, tuple)):  # a namedtuple, a list subclass
        return (type(tree), tuple([_flatten(child, leaves) for child in tree]))
    if isinstance(tree, dict):
        keys = sorted(tree) if all(isinstance(k, str) for k in tree) else list(tree)
        children = tuple(_flatten(tree[k], leaves) for k in keys)
        return (dict, (tuple(keys), children))
    leaves.append(tree)
    return _LEAF


def unflatten(treedef, leaves):
    """Inverse of :func:`flatten`."""
    iterator = iter(leaves)
    result = _unflatten(treedef, iterator)
    return result


def _unflatten(treedef, iterator):
    if treedef is _LEAF:
        return next(iterator)
    kind = treedef[0]
    if kind == "leaf":
        return next(iterator)
    if kind == "none":
        return None
    if kind is dict:
        keys, children = treedef[1]
        return {k: _unflatten(c, iterator) for k, c in zip(keys, children)}
    children = [_unflatten(c, iterator) for c in treedef[1]]
    if kind is list:
        return children
    if kind is tuple:
        return tuple(children)
    return kind(*children)  # namedtuple


def map_structure(fn, tree):
    """Applies ``fn`` to every leaf, keeping the structure."""
    leaves, treedef = flatten(tree)
    return unflatten(treedef, [fn(leaf) for leaf in leaves])
