"""Control flow run by Python: the contract's control-flow ops, written once with the
contract's ops of a backend ``B``.

The autodiff engine runs ``cond``, ``scan`` and the rest this way (``autodiff/rules/
control_flow.py``), and so does the jax backend while a GradientTape records (its tape
records op by op; JAX's own transformations get ``lax`` control flow). Every op a branch or
a loop body runs is an ordinary op, recorded on the tape, so gradients of any order flow
through the control flow as through straight-line code: a ``scan`` is its unrolled steps.

Keras 3 defines these ops by JAX's ``lax`` semantics, and they are kept here:

- a predicate, branch index or loop bound is read on the host (``bool``/``int`` of a
  tensor): inside a ``jit`` recording of the engine, one that depends on the arguments
  stops the recording, and the step runs eagerly (``autodiff/trace.py``);
- a loop carry keeps its structure, shapes and dtypes from step to step (JAX refuses
  anything else, so code that drifts here would fail there). A Python int in the initial
  carry is int32, as everywhere in kerasette; a Python float takes the dtype of the carry
  the body returns (floatx when it stays a Python number), as JAX's weak types do;
- ``while_loop`` has no reverse-mode gradient, as in JAX: a gradient reaching its result
  raises.
"""

from . import tree

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "associative_scan", "map",
           "vectorized_map"]

#: The error of a gradient through ``while_loop``: JAX's, for the same reason.
WHILE_LOOP_GRADIENT = (
    "Reverse-mode differentiation does not work for while_loop (as for jax.lax.while_loop): "
    "its number of steps is known only once it has run. Use ops.scan (a fixed number of "
    "steps), or ops.fori_loop with Python int bounds, to differentiate a loop.")

_PYTHON_NUMBERS = (bool, int, float)


def cond(B, pred, true_fn, false_fn):
    if not (callable(true_fn) and callable(false_fn)):
        raise TypeError("cond: true_fn and false_fn must be callables without arguments.")
    return true_fn() if _predicate(B, pred, "cond") else false_fn()


def switch(B, index, branches, *operands):
    branches = tuple(branches)
    if not branches or not all(callable(b) for b in branches):
        raise ValueError(f"switch: branches must be a non-empty sequence of callables, got "
                         f"{branches!r}.")
    index = _integer(B, index, "switch", "index")
    return branches[min(max(index, 0), len(branches) - 1)](*operands)


def while_loop(B, cond, body, loop_vars, maximum_iterations=None, barrier=None):
    # barrier(B, state): the loop's result, refusing a gradient (default: a custom_gradient
    # whose rule raises; a backend whose custom_gradient runs the rule early passes its own)
    positional = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if positional else (loop_vars,)
    state, weak = _as_tensors(B, state)
    if maximum_iterations is not None:
        maximum_iterations = _integer(B, maximum_iterations, "while_loop", "maximum_iterations")
    iterations = 0
    while ((maximum_iterations is None or iterations < maximum_iterations)
           and _predicate(B, cond(*state), "while_loop")):
        new_state = body(*state)
        new_state = tuple(new_state) if positional else (new_state,)
        state, weak = _checked_carry(B, "while_loop", "body", state, new_state, weak)
        iterations += 1
    state = (barrier or _without_reverse_gradient)(B, state)
    return state if positional else state[0]


def fori_loop(B, lower, upper, body_fun, init_val):
    lower = _integer(B, lower, "fori_loop", "lower")
    upper = _integer(B, upper, "fori_loop", "upper")
    value, weak = _as_tensors(B, init_val)
    for i in range(lower, upper):
        value, weak = _checked_carry(B, "fori_loop", "body_fun", value, body_fun(i, value), weak)
    return value


def scan(B, f, init, xs=None, length=None, reverse=False, unroll=1):
    if not callable(f):
        raise TypeError(f"scan: f must be a callable, got {f!r}.")
    check_unroll(unroll)
    x_leaves, x_treedef = tree.flatten(xs)
    x_leaves = [B.convert_to_tensor(x) for x in x_leaves]
    n = _scan_length(B, x_leaves, length)
    slices = [B.unstack(x) for x in x_leaves]
    carry, weak = _as_tensors(B, init)
    ys = []
    for i in (reversed(range(n)) if reverse else range(n)):
        x = tree.unflatten(x_treedef, [s[i] for s in slices])
        new_carry, y = _pair(f(carry, x))
        carry, weak = _checked_carry(B, "scan", "f", carry, new_carry, weak)
        ys.append(y)
    if reverse:
        ys.reverse()
    if n == 0:
        return carry, _empty_outputs(B, f, carry, x_leaves, x_treedef)
    return carry, _stacked(B, ys)


def associative_scan(B, f, elems, reverse=False, axis=0):
    if not callable(f):
        raise TypeError(f"associative_scan: f must be a callable, got {f!r}.")
    leaves, treedef = tree.flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems holds no tensor.")
    leaves = [B.convert_to_tensor(x) for x in leaves]
    ndim = B.ndim(leaves[0])
    if not -ndim <= axis < ndim:
        raise ValueError(f"associative_scan: axis {axis} is out of range for elems of rank "
                         f"{ndim}.")
    axis %= ndim
    sizes = [B.shape(x)[axis] if B.ndim(x) > axis else None for x in leaves]
    if any(size != sizes[0] for size in sizes):
        raise ValueError(f"associative_scan: every tensor of elems needs the same length along "
                         f"axis {axis}, got shapes {[B.shape(x) for x in leaves]}.")
    if reverse:
        leaves = [B.flip(x, axis) for x in leaves]

    def along(x, start, stop=None, step=None):
        return B.get_item(x, (slice(None),) * axis + (slice(start, stop, step),))

    def combine(first, second):
        out = tree.flatten(f(tree.unflatten(treedef, first), tree.unflatten(treedef, second)))[0]
        if len(out) != len(first):
            raise ValueError(f"associative_scan: f returned {len(out)} tensors for elems of "
                             f"{len(first)}; it must return the structure of elems.")
        return out

    def interleave(even, odd):
        # even[0], odd[0], even[1], odd[1], ...: even has as many entries as odd, or one more
        extra = B.shape(even)[axis] - B.shape(odd)[axis]
        head = even if not extra else along(even, 0, -1)
        pairs = B.stack([head, odd], axis=axis + 1)
        shape = B.shape(head)
        merged = B.reshape(pairs, shape[:axis] + (2 * shape[axis],) + shape[axis + 1:])
        return merged if not extra else B.concatenate([merged, along(even, -1)], axis=axis)

    def prefix(elems):
        # Blelloch's recursion: combine neighbours, scan the half, then fill in between
        n = B.shape(elems[0])[axis]
        if n < 2:
            return elems
        odd = prefix(combine([along(e, 0, -1, 2) for e in elems],
                             [along(e, 1, None, 2) for e in elems]))
        if n % 2 == 0:
            even = combine([along(o, 0, -1) for o in odd], [along(e, 2, None, 2) for e in elems])
        else:
            even = combine(odd, [along(e, 2, None, 2) for e in elems])
        even = [B.concatenate([along(e, 0, 1), r], axis=axis) for e, r in zip(elems, even)]
        return [interleave(e, o) for e, o in zip(even, odd)]

    result = prefix(leaves)
    if reverse:
        result = [B.flip(x, axis) for x in result]
    return tree.unflatten(treedef, result)


def map(B, f, xs):
    return scan(B, lambda carry, x: (carry, f(x)), (), xs)[1]


def vectorized_map(B, function, elements):
    return map(B, function, elements)


# ---------------------------------------------------------------------------- helpers
def check_unroll(unroll):
    """Keras's check of ``scan``'s ``unroll``: a positive int or a bool."""
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: unroll must be a positive integer or a boolean, got "
                         f"unroll={unroll!r}.")


def _predicate(B, pred, op):
    """``pred`` read on the host as a Python bool; JAX's rules: a scalar bool or number."""
    if isinstance(pred, _PYTHON_NUMBERS):
        return bool(pred)
    if pred is None:
        raise TypeError(f"{op}: the predicate is None; it must be a scalar bool or number.")
    pred = B.convert_to_tensor(pred)
    if B.ndim(pred) != 0:
        raise TypeError(f"{op}: the predicate must be a scalar, got shape {B.shape(pred)}.")
    return bool(pred)  # a host read: a jit recording that depends on it gives up


def _integer(B, value, op, name):
    """``value`` read on the host as a Python int: a scalar integer (JAX's rule)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    value = B.convert_to_tensor(value)
    if B.ndim(value) != 0 or not B.dtype(value).startswith(("int", "uint")):
        raise TypeError(f"{op}: {name} must be a scalar integer, got {B.dtype(value)} of "
                        f"shape {B.shape(value)}.")
    return int(value)  # a host read, as for a predicate


def _as_tensors(B, structure):
    """``structure`` with its leaves as tensors, and which leaves were Python floats (weakly
    typed in JAX: their dtype follows what the loop makes of them)."""
    leaves, treedef = tree.flatten(structure)
    weak = [type(leaf) is float for leaf in leaves]
    return tree.unflatten(treedef, [B.convert_to_tensor(leaf) for leaf in leaves]), weak


def _checked_carry(B, op, fn_name, carry, new_carry, weak):
    """``new_carry`` (leaves as tensors) after checking that it has ``carry``'s structure,
    shapes and dtypes, as JAX demands; a weak leaf's dtype may change once."""
    leaves, treedef = tree.flatten(carry)
    new_leaves, new_treedef = tree.flatten(new_carry)
    if new_treedef != treedef:
        raise TypeError(f"{op}: {fn_name} must return the carry's structure "
                        f"{tree.unflatten(treedef, ['.'] * len(leaves))!r}, got "
                        f"{tree.unflatten(new_treedef, ['.'] * len(new_leaves))!r}.")
    new_leaves = [B.convert_to_tensor(leaf) for leaf in new_leaves]
    for i, (old, new) in enumerate(zip(leaves, new_leaves)):
        if B.shape(new) != B.shape(old) or (B.dtype(new) != B.dtype(old) and not weak[i]):
            raise TypeError(f"{op}: {fn_name} changed carry leaf {i} from {B.dtype(old)}"
                            f"{list(B.shape(old))} to {B.dtype(new)}{list(B.shape(new))}; a "
                            "carry keeps its shapes and dtypes from step to step.")
    return tree.unflatten(treedef, new_leaves), [False] * len(leaves)


def _pair(out):
    if not (isinstance(out, (list, tuple)) and len(out) == 2):
        raise TypeError(f"scan: f must return a pair (carry, y), got {type(out).__name__}.")
    return out


def _scan_length(B, x_leaves, length):
    lengths = []
    for x in x_leaves:
        if B.ndim(x) == 0:
            raise ValueError("scan: every tensor of xs needs a leading axis to scan over, got "
                             "a scalar.")
        lengths.append(B.shape(x)[0])
    if length is not None:
        length = int(length)
        lengths.append(length)
    if not lengths:
        raise ValueError("scan: got no xs to scan over and no length.")
    if any(n != lengths[0] for n in lengths):
        raise ValueError(f"scan: the leading axes of xs (and length={length}) disagree: "
                         f"{lengths}.")
    return lengths[0]


def _stacked(B, ys):
    """The per-step outputs ``ys`` (structures) stacked leaf by leaf on a new first axis."""
    flat = [tree.flatten(y) for y in ys]
    treedef = flat[0][1]
    if any(other != treedef for _, other in flat):
        raise TypeError("scan: f must return outputs of one structure at every step.")
    count = len(flat[0][0])
    return tree.unflatten(treedef, [B.stack([leaves[k] for leaves, _ in flat], axis=0)
                                    for k in range(count)])


def _empty_outputs(B, f, carry, x_leaves, x_treedef):
    """The outputs of a scan of no steps: ``f``'s structure and shapes, with 0 rows."""
    x = tree.unflatten(x_treedef, [B.zeros(B.shape(v)[1:], B.dtype(v)) for v in x_leaves])
    _, y = _pair(f(carry, x))
    leaves, treedef = tree.flatten(y)
    return tree.unflatten(treedef, [B.zeros((0,) + tuple(B.shape(leaf)),
                                            B.dtype(B.convert_to_tensor(leaf)))
                                    for leaf in leaves])


def _without_reverse_gradient(B, state):
    """``state`` whose floating leaves raise :data:`WHILE_LOOP_GRADIENT` when a gradient
    reaches them (free where no tape records)."""
    leaves, treedef = tree.flatten(state)

    def refuse(*upstream):
        raise ValueError(WHILE_LOOP_GRADIENT)

    @B.custom_gradient
    def loop_result(*leaves):
        return list(leaves), refuse

    return tree.unflatten(treedef, loop_result(*leaves))
