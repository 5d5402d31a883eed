"""Control flow and ``custom_gradient`` on the jax backend: ``jax.lax``'s, as Keras 3's.

``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``, ``associative_scan`` and
``map`` are ``jax.lax``'s ops, ``vectorized_map`` is ``jax.vmap``: under ``jax.jit`` and
``jax.grad`` (the trainer's path) they compile to XLA's control flow and JAX
differentiates them. ``custom_gradient`` is ``jax.custom_gradient``.

A GradientTape records op by op (``recording.py``), which ``lax`` cannot give it: a
branch or a loop body is traced by JAX into a program of its own, where the tape would
meet JAX's tracers instead of its tensors. While a tape records, and the values deciding
the control flow are concrete, these ops therefore run as Python control flow over the
backend's ops (``backends/control_flow.py``, the autodiff engine's code), so the tape sees
each op; ``custom_gradient`` leaves one node on the tape whose ``jax.vjp`` is the custom
rule.
"""

import functools

import jax
import jax.numpy as jnp
from jax import lax

from .. import control_flow, tree
from ..tape_base import custom_gradient_pair
from ..variable import Variable
from . import recording
from .convert import as_input, read_variable


class ControlFlow:
    """The jax backend's control-flow ops and ``custom_gradient`` (mixed into JaxBackend)."""

    def cond(self, pred, true_fn, false_fn):
        if _python_control_flow(pred):
            return control_flow.cond(self, pred, true_fn, false_fn)
        return lax.cond(_values(pred), true_fn, false_fn)

    def switch(self, index, branches, *operands):
        if _python_control_flow(index, operands):
            return control_flow.switch(self, index, branches, *operands)
        return lax.switch(_values(index), branches, *_values(operands))

    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        if _python_control_flow(loop_vars, maximum_iterations):
            return control_flow.while_loop(self, cond, body, loop_vars, maximum_iterations,
                                           barrier=_without_reverse_gradient)
        positional = isinstance(loop_vars, (list, tuple))
        state = _carry(tuple(loop_vars) if positional else (loop_vars,))
        if maximum_iterations is None:
            def keep_going(state):
                return cond(*state)

            def step(state):
                new = body(*state)
                return tuple(new) if positional else (new,)
        else:
            # a step counter beside the state: the loop also ends after maximum_iterations
            state = (state, 0)

            def keep_going(counted):
                state, count = counted
                return jnp.logical_and(cond(*state), count < maximum_iterations)

            def step(counted):
                state, count = counted
                new = body(*state)
                return (tuple(new) if positional else (new,)), count + 1
        state = lax.while_loop(keep_going, step, state)
        if maximum_iterations is not None:
            state = state[0]
        return state if positional else state[0]

    def fori_loop(self, lower, upper, body_fun, init_val):
        if _python_control_flow(lower, upper, init_val):
            return control_flow.fori_loop(self, lower, upper, body_fun, init_val)
        return lax.fori_loop(_values(lower), _values(upper), body_fun, _carry(init_val))

    def scan(self, f, init, xs=None, length=None, reverse=False, unroll=1):
        control_flow.check_unroll(unroll)
        if _python_control_flow(init, xs):
            return control_flow.scan(self, f, init, xs, length, reverse, unroll)
        return lax.scan(f, _carry(init), _values(xs), length=length, reverse=reverse,
                        unroll=unroll)

    def associative_scan(self, f, elems, reverse=False, axis=0):
        if _python_control_flow(elems):
            return control_flow.associative_scan(self, f, elems, reverse, axis)
        elems = _values(elems)
        # a non-negative axis: lax's reverse scan refuses a negative one
        axis = axis % max(jax.tree_util.tree_leaves(elems)[0].ndim, 1)
        return lax.associative_scan(f, elems, reverse=reverse, axis=axis)

    def map(self, f, xs):
        if _python_control_flow(xs):
            return control_flow.map(self, f, xs)
        return lax.map(f, _values(xs))

    def vectorized_map(self, function, elements):
        if _python_control_flow(elements):
            return control_flow.vectorized_map(self, function, elements)
        return jax.vmap(function)(_values(elements))

    def custom_gradient(self, f):
        name = getattr(f, "__name__", "f")
        rule = jax.custom_gradient(lambda *args, **kwargs: custom_gradient_pair(
            name, f(*args, **kwargs)))

        @functools.wraps(f)
        def wrapped(*args, **kwargs):
            # Variables read (as Keras's jax backend does); other arguments as they are
            args = jax.tree_util.tree_map(
                lambda a: read_variable(a) if isinstance(a, Variable) else a, args,
                is_leaf=lambda leaf: isinstance(leaf, Variable))
            if not recording.tapes:
                return rule(*args, **kwargs)
            # one node on the tapes: jax.vjp of the whole function, which is the custom rule
            leaves, treedef = jax.tree_util.tree_flatten(args)
            return recording.apply(
                lambda *leaves: rule(*jax.tree_util.tree_unflatten(treedef, leaves), **kwargs),
                leaves)

        return wrapped


@jax.custom_vjp
def _loop_result(leaves):
    # new arrays: a tape tracks tensors by identity, and the node must have outputs
    return [jnp.array(leaf, copy=True) for leaf in leaves]


def _refuse(residuals, cotangents):
    raise ValueError(control_flow.WHILE_LOOP_GRADIENT)


# (not custom_gradient: jax.custom_gradient runs its rule while the function runs)
_loop_result.defvjp(lambda leaves: (_loop_result(leaves), None), _refuse)


def _without_reverse_gradient(backend, state):
    """A Python while_loop's result, on the tapes as one node whose gradient raises (as
    ``lax.while_loop``'s would)."""
    leaves, treedef = tree.flatten(state)
    leaves = recording.apply(lambda *leaves: _loop_result(list(leaves)), leaves)
    return tree.unflatten(treedef, leaves)


def _values(structure):
    """``structure`` with its Variables read and its arrays as jax arrays (Python numbers
    stay: ``lax`` gives them JAX's weak types)."""
    return jax.tree_util.tree_map(as_input, structure,
                                  is_leaf=lambda leaf: isinstance(leaf, Variable))


def _carry(structure):
    """A loop's initial carry: :func:`_values`, with Python ints as int32 (kerasette's rule,
    also under ``jax_enable_x64``; a Python float stays weakly typed, as in JAX)."""
    return jax.tree_util.tree_map(
        lambda leaf: jnp.asarray(leaf, "int32") if type(leaf) is int else as_input(leaf),
        structure, is_leaf=lambda leaf: isinstance(leaf, Variable))


def _python_control_flow(*values):
    """Whether to run as Python control flow: a tape records in this thread and no value
    among ``values`` is traced (under ``jax.jit``, ``lax`` is the only way)."""
    if not recording.tapes:
        return False
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in tree.flatten(values)[0])
