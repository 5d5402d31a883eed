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


def _flatten(tree, leaves):
    if tree is None:
        return ("none",)
    if isinstance(tree, (list, tuple)):
        children = tuple(_flatten(child, leaves) for child in tree)
        return (type(tree), children)
    if isinstance(tree, dict):
        keys = sorted(tree) if all(isinstance(k, str) for k in tree) else list(tree)
        children = tuple(_flatten(tree[k], leaves) for k in keys)
        return (dict, (tuple(keys), children))
    leaves.append(tree)
    return ("leaf",)


def unflatten(treedef, leaves):
    """Inverse of :func:`flatten`."""
    iterator = iter(leaves)
    result = _unflatten(treedef, iterator)
    return result


def _unflatten(treedef, iterator):
    kind = treedef[0]
    if kind == "none":
        return None
    if kind == "leaf":
        return next(iterator)
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
