"""``custom_gradient``: a function whose gradient rule the user writes (Keras 3's API).

``f(*args)`` returns ``(output, grad_fn)``. The decorated function runs ``f`` as it is,
every op recorded as usual, then hands its output through the primitive
``custom_gradient_call``: one node whose outputs are new tensors on the same arrays and
whose gradient rule is ``grad_fn``. A backward pass reaches the output through that node
only, so ``grad_fn`` gives the arguments' gradients and ``f``'s own ops are never
differentiated for them.

Those ops still matter: the values ``grad_fn`` closes over (``exp(x)`` for a stable
``log1pexp``) were recorded as functions of the arguments, and ``grad_fn`` runs engine
ops. An enclosing tape that records the backward pass therefore differentiates the
gradient again, values and all: second derivatives are JAX's ``custom_vjp`` ones.
"""

import functools

from ... import tree
from ...tape_base import custom_gradient_pair
from ...variable import Variable
from ..registry import defcomposite, defop


@defop("custom_gradient_call", inputs="sequence", outputs="sequence")
def custom_gradient_call(xp, xs, n_arguments, rule):
    # the inputs are the arguments' tensors, then the outputs': the outputs as they are
    return xs[n_arguments:]


@custom_gradient_call.defvjp
def custom_gradient_call_vjp(F, g, y, xs, n_arguments, rule):
    return list(rule(g)) + [None] * (len(xs) - n_arguments)


@defcomposite("custom_gradient")
def custom_gradient(F, f):
    name = getattr(f, "__name__", "f")

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        # Variables are read, as Keras's jax backend does: the tape sees their values
        args = tree.map_structure(
            lambda a: F.convert_to_tensor(a) if isinstance(a, Variable) else a, args)
        output, grad_fn = custom_gradient_pair(name, f(*args, **kwargs))
        if not F._tapes:
            return output  # no tape records here: nothing will ask for the gradient
        arg_leaves = tree.flatten(args)[0]
        inputs = [(i, x) for i, x in enumerate(arg_leaves) if type(x) is F.Tensor]
        out_leaves, out_treedef = tree.flatten(output)
        outs = [(k, y) for k, y in enumerate(out_leaves)
                if type(y) is F.Tensor and y.data.dtype.kind not in "biu"]
        if not inputs or not outs:
            return output

        def rule(cotangents):
            upstream = [None] * len(out_leaves)  # an integer output has no cotangent
            for (k, _), g in zip(outs, cotangents):
                upstream[k] = g
            grads = _argument_gradients(name, grad_fn(tree.unflatten(out_treedef, upstream)),
                                        args, len(arg_leaves))
            return [_checked(F, name, grads[i], x, i) for i, x in inputs]

        results = F.custom_gradient_call([x for _, x in inputs] + [y for _, y in outs],
                                         len(inputs), rule)
        for (k, _), y in zip(outs, results):
            out_leaves[k] = y
        return tree.unflatten(out_treedef, out_leaves)

    return wrapped


def _argument_gradients(name, grads, args, count):
    """``grad_fn``'s result as one gradient (or None) per leaf of ``args``: a single tensor
    for a single argument, one entry per argument (in its structure), or one per leaf."""
    if not isinstance(grads, (list, tuple)):
        grads = (grads,)
    if len(grads) == len(args):
        flat = _flatten_like(grads, tuple(args))
        if flat is not None:
            return flat
    if len(grads) == count:
        return list(grads)
    raise ValueError(f"custom_gradient: the grad_fn of {name} returned {len(grads)} gradients "
                     f"for {len(args)} arguments ({count} tensors); return one per argument, "
                     f"in its structure.")


def _flatten_like(value, like):
    """The leaves of ``value`` in the structure of ``like`` (None stands for a whole
    subtree without gradient); None when the structures differ."""
    count = len(tree.flatten(like)[0])
    if value is None:
        return [None] * count
    if isinstance(like, (list, tuple)) and isinstance(value, (list, tuple)):
        if len(value) != len(like):
            return None
        pairs = zip(value, like)
    elif isinstance(like, dict) and isinstance(value, dict):
        if set(value) != set(like):
            return None
        pairs = ((value[k], like[k]) for k in tree.flatten(like)[1][1][0])
    elif count == 1 and tree.flatten(like)[0][0] is like:
        return [value]
    else:
        return None
    flat = []
    for v, l in pairs:
        leaves = _flatten_like(v, l)
        if leaves is None:
            return None
        flat.extend(leaves)
    return flat


def _checked(F, name, g, x, index):
    if g is None:
        return None
    g = F.convert_to_tensor(g)
    if tuple(g.shape) != tuple(x.shape):
        raise ValueError(f"custom_gradient: the grad_fn of {name} returned shape "
                         f"{tuple(g.shape)} for argument tensor {index} of shape "
                         f"{tuple(x.shape)}; a gradient has its argument's shape.")
    return g if g.data.dtype == x.data.dtype else F.cast(g, x.data.dtype.name)
