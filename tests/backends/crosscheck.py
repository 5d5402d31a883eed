"""The machinery of the gradient cross-check suite: run one case of ``op_specs`` on a backend.

For a case and its inputs this module computes, on the numpy engine and on the JAX
backend, the forward outputs, the VJP along given cotangents (the gradient of
``sum(op(*args) * cotangent)``), and Hessian-vector products; and on the numpy engine
alone the same scalar without a tape for finite differences.

Second-order checks differentiate ``sum(cotangent * op(*args) ** 2)`` instead: its
gradient ``2 J^T (cotangent * op)`` depends on the op's output, so its Hessian runs the
gradient rule's own gradient even for linear ops (reshape, gather, conv), whose plain
Hessian is zero and would leave the double backward untested. The tests
(``test_gradients.py``, ``test_coverage.py``) compare what these return.

The JAX side runs each case on :func:`reference`: the JAX backend, except for the
windowed ops (conv, conv_transpose, pooling), which come from ``jax_reference.py``
(``jax.lax`` called in the tests). The JAX backend shares its geometry code with the
numpy engine (``backends/geometry.py``), so a mistake there would agree with itself.
"""

import functools

import numpy as np

import jax_reference
from kerasette.backend import get_backend
from kerasette.backends.interface import Backend


@functools.cache
def load_backend(name):
    """``(backend, None)`` or ``(None, why it is unavailable)``."""
    try:
        return get_backend(name), None
    except Exception as error:  # a backend under construction may fail in any way on import
        return None, f"the {name} backend is unavailable ({type(error).__name__}: {error})"


def implemented(backend, name):
    """True when ``backend`` has its own ``name`` (not the contract's NotImplementedError stub)."""
    if name in vars(backend):
        return True
    for klass in type(backend).__mro__:
        if klass is Backend:
            return False
        if name in vars(klass):
            return True
    return False


def flatten(value):
    """An op's result as a flat list (tuples and lists of outputs are spliced in)."""
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in flatten(v)]
    return [value]


def as_numpy(value):
    """A backend value as numpy (Python scalars, strings and dtypes unchanged)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return np.asarray(value)


def with_values(args, positions, values):
    """``args`` with ``values`` at ``positions``."""
    full = list(args)
    for p, v in zip(positions, values):
        full[p] = v
    return full


def forward(backend, case, args):
    """The case's outputs on ``backend``, flattened and as numpy (the JAX side's when
    ``backend`` is a :func:`reference`)."""
    is_reference = isinstance(backend, jax_reference.Reference)
    return [as_numpy(v) for v in flatten(case.run(backend, *args, reference=is_reference))]


def reference(J):
    """What the JAX side of a case runs on: the JAX backend ``J`` with its windowed ops
    replaced by ``jax_reference``'s (independent of the code ``J`` shares with the engine)."""
    return jax_reference.Reference(J)


def cotangents(case, outputs):
    """Random cotangents with the outputs' shapes and dtypes (seeded by the case, so both
    backends draw the same ones for outputs of the same shapes)."""
    rng = case.rng("cotangent")
    return [rng.standard_normal(tuple(o.shape)).astype(o.dtype) for o in outputs]


def directions(case, args, salt="direction"):
    """One random direction per differentiated input (unit norm over all of them)."""
    rng = case.rng(salt)
    vs = [rng.standard_normal(np.shape(args[p])) for p in case.diff]
    norm = np.sqrt(sum(float(np.sum(v * v)) for v in vs)) or 1.0
    return [(v / norm).astype(args[p].dtype) for v, p in zip(vs, case.diff)]


# ---------------------------------------------------------------------------- numpy engine
def _engine_scalar(B, case, args, cts, squared=False):
    def scalar(*diff):
        outs = flatten(case.run(B, *with_values(args, case.diff, diff)))
        if squared:
            outs = [B.multiply(o, o) for o in outs]
        return functools.reduce(B.add, [B.sum(B.multiply(o, c)) for o, c in zip(outs, cts)])
    return scalar


def engine_vjp(B, case, args, cts, squared=False):
    """The engine's gradient of ``sum(op * ct)`` (``sum(op ** 2 * ct)`` when ``squared``)
    by ``value_and_grad``, as numpy arrays."""
    scalar = _engine_scalar(B, case, args, cts, squared)
    _, grads = B.value_and_grad(scalar, argnums=tuple(range(len(case.diff))))(
        *[args[p] for p in case.diff])
    return [np.asarray(g) for g in grads]


def engine_hvp(B, case, args, cts, vs):
    """Hessian-vector product of ``sum(op ** 2 * ct)`` by nested ``grad`` on the engine."""
    scalar = _engine_scalar(B, case, args, cts, squared=True)
    positions = tuple(range(len(case.diff)))

    def directional(*diff):
        grads = B.grad(scalar, argnums=positions)(*diff)
        return functools.reduce(B.add, [B.sum(B.multiply(g, v)) for g, v in zip(grads, vs)])
    hv = B.grad(directional, argnums=positions)(*[args[p] for p in case.diff])
    return [np.asarray(h) for h in hv]


def engine_scalar_value(B, case, args, cts):
    """``sum(op * ct)`` on raw arrays, no tape: the function finite differences probe."""
    outs = forward(B, case, args)
    return float(sum(np.sum(np.asarray(o, np.float64) * c) for o, c in zip(outs, cts)))


# ---------------------------------------------------------------------------- JAX
# The JAX side of a gradient case is one program, compiled once per case under jax.jit: its
# outputs, the VJP along the cotangents, and (for a case checked to second order) the
# Hessian-vector product. XLA's compilation is what the JAX side costs (a case's program runs
# in microseconds), and one program for the three costs about two thirds of two programs.
# Compiling a whole computation once costs a fraction of running it eagerly (JAX compiles
# each of its own functions per shape), and jit is the path the JAX backend trains on. The
# float inputs are the program's arguments, so one compiled float64 program serves every
# reference of the case:
# - float64: the case's float64 inputs;
# - float32: the float32 inputs and cotangents, widened to float64. The numpy engine's
#   float32 results are compared with these exact values, so the float32 check measures
#   the engine's own rounding; JAX's float32 dtypes come from jax.eval_shape (a trace).
def float_positions(case):
    """Positions of the case's float inputs (draws and float arrays)."""
    return [i for i, a in enumerate(case.inputs("float64")) if is_float_array(a)]


def is_float_array(a):
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


@functools.cache
def _jax_programs(J, case):
    import jax
    import jax.numpy as jnp
    template = case.inputs("float64")
    floats = float_positions(case)
    J = reference(J)

    def forward(float_values):
        args = with_values(template, floats, float_values)
        return tuple(flatten(case.run(J, *args, reference=True))), args

    def outputs_and_vjp(float_values, cts):
        args = with_values(template, floats, float_values)

        def f(*diff):
            return tuple(flatten(case.run(J, *with_values(args, case.diff, diff), reference=True)))
        outs, pullback = jax.vjp(f, *[args[p] for p in case.diff])
        # an output of fixed dtype (cast) keeps it: its cotangent must have it too
        return outs, pullback(tuple(c.astype(o.dtype) for c, o in zip(cts, outs)))

    def hessian_vector_product(float_values, cts, vs):
        args = with_values(template, floats, float_values)

        def scalar(*diff):
            outs = flatten(case.run(J, *with_values(args, case.diff, diff), reference=True))
            return sum(jnp.sum(o * o * c) for o, c in zip(outs, cts))
        grad = jax.grad(scalar, argnums=tuple(range(len(case.diff))))
        return jax.jvp(grad, tuple(args[p] for p in case.diff), tuple(vs))[1]

    def program(float_values, cts, vs):
        outs, grads = outputs_and_vjp(float_values, cts)
        hv = hessian_vector_product(float_values, cts, vs) if case.twice else ()
        return outs, grads, hv

    def shapes(float_values, cts=None):
        if cts is None:
            return jax.eval_shape(lambda v: forward(v)[0], float_values)
        return jax.eval_shape(outputs_and_vjp, float_values, cts)

    return (jax.jit(program) if case.jit else program), shapes


def _to_jax(arrays, dtype=None):
    import jax.numpy as jnp
    return [jnp.asarray(a if dtype is None else np.asarray(a).astype(dtype)) for a in arrays]


def _run_program(J, case, float_values, cts, vs):
    """The case's program on float64 copies of the values: ``(outputs, gradients, H v)``."""
    run, _ = _jax_programs(J, case)
    return run(_to_jax(float_values, np.float64), _to_jax(cts, np.float64),
               _to_jax(vs, np.float64))


@functools.cache
def jax_vjp_reference(J, case, dtype):
    """``(outputs, cotangents, gradients)`` of the case on the JAX backend, as numpy arrays.

    The cotangents are the case's for outputs of JAX's shapes and dtypes (the numpy engine
    draws the same ones for outputs of the same shapes); outputs and gradients are computed
    in float64 and rounded to the dtypes JAX gives for ``dtype`` inputs.
    """
    _, shapes = _jax_programs(J, case)
    args = case.inputs(dtype)
    float_values = [args[i] for i in float_positions(case)]
    out_shapes = shapes(_to_jax(float_values))
    cts = cotangents(case, out_shapes)
    out_shapes, grad_shapes = shapes(_to_jax(float_values), _to_jax(cts))
    # the same program as jax_hvp's (the directions only feed the product, unused here)
    unused_directions = [np.zeros(np.shape(args[p])) for p in case.diff]
    outs, grads, _ = _run_program(J, case, float_values, cts, unused_directions)
    return ([np.asarray(o).astype(s.dtype) for o, s in zip(outs, out_shapes)], cts,
            [np.asarray(g).astype(s.dtype) for g, s in zip(grads, grad_shapes)])


def jax_hvp(J, case, args, cts, vs):
    """``jax.jvp`` of ``jax.grad`` of ``sum(op ** 2 * ct)`` along ``vs``, float64 (numpy arrays)."""
    float_values = [args[i] for i in float_positions(case)]
    return [np.asarray(h) for h in _run_program(J, case, float_values, cts, vs)[2]]


# ---------------------------------------------------------------------------- JAX, per function
@functools.cache
def jax_first_and_second_order(fn):
    """``fn`` (JAX arrays in; an array, or a list or tuple of arrays, out) as one program
    compiled by ``jax.jit``: ``program(xs, cts, vs)`` gives the outputs (a list), the VJP
    along the cotangents ``cts``, and the Hessian-vector product of ``sum(cts * fn(*xs) ** 2)``
    along ``vs`` (``jax.jvp`` of ``jax.grad``).

    The op authors' suites (``test_numpy_*.py``) call it with their cases' JAX functions:
    compiled once per function (the float64 and float32 tests of a case share it), the JAX
    side costs a fraction of eager JAX, which compiles each primitive it meets.
    """
    import jax
    import jax.numpy as jnp

    def outputs(*xs):
        out = fn(*xs)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def program(xs, cts, vs):
        outs, pullback = jax.vjp(outputs, *xs)

        def scalar(*a):
            return sum(jnp.sum(c * o * o) for o, c in zip(outputs(*a), cts))
        grad = jax.grad(scalar, argnums=tuple(range(len(xs))))
        return outs, pullback(list(cts)), jax.jvp(grad, tuple(xs), tuple(vs))[1]
    return jax.jit(program)
