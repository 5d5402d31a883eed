"""The gradient cross-check: every case of ``op_specs`` on the numpy engine against JAX.

For each case (one op, one way of calling it):

- forward: outputs equal to the JAX backend's, float64 (rel. 1e-10) and float32 (1e-5),
  with the same dtypes (float32 in, float32 out, on both);
- VJP: the engine's ``value_and_grad`` of ``sum(op(...) * cotangent)`` against
  ``jax.vjp`` of the JAX backend's op, random cotangents, float64 and float32;
- the JAX side of conv, conv_transpose and pooling is not the JAX backend but
  ``jax_reference.py`` (``jax.lax`` called in the tests): the backend shares its
  geometry code with the engine, and a shared mistake would agree with itself;
- finite differences: the engine's gradient along random directions against central
  differences in float64 (Chainer's ``check_backward``), inputs away from kinks;
- second order: the engine's Hessian-vector products (nested ``grad``) of
  ``sum(cotangent * op(...) ** 2)`` against ``jax.jvp`` of ``jax.grad``, and against
  finite differences of its own gradient (the square makes even a linear op's gradient
  rule be differentiated; see crosscheck.py).

The numpy backend's fast paths (``backends/numpy/fast_paths.py``, overrides of named
primitives) are part of what is checked: the default engine carries them, and the cases
of the ops they serve run a second time (label ``+fast_paths``) on an engine whose
thresholds are all zero, so the fast branches meet JAX on these small inputs too. Such a
second run draws the inputs of its case, so the JAX side computed (and compiled) for the
case serves it as well.

Errors are normwise relative, ``max|a - b| / max(max|b|, 1e-3)`` (kerasette.testing.
relative_error): entries below 1e-3 are compared absolutely. The worst error per op and
check is printed at the end of the session. An op a backend does not have yet is skipped
here and reported as a failure by ``test_coverage.py``.
"""

import dataclasses
import functools
import importlib.util
import pathlib

import numpy as np
import pytest

import crosscheck as cc
from op_specs import (CASES, INTERNAL_PRIMITIVES, SPECS, Case, Draw)
from kerasette.backends.autodiff import registry
from kerasette.backends.numpy import NumpyBackend, fast_paths
from kerasette.testing import finite_difference, relative_error

try:
    import jax
except ImportError:  # the numpy-only checks (finite differences) still run
    jax = None

FLOOR = 1e-3
EPS = 1e-6
FD_DIRECTIONS = 3


@pytest.fixture(scope="module", autouse=True)
def jax_float64():
    """float64 on JAX and exact matmuls for the whole module; restored afterwards."""
    if jax is None:
        yield
        return
    with jax.enable_x64(True), jax.default_matmul_precision("highest"):
        yield


def _exercising(primitive):
    """The contract ops whose cases run ``primitive`` (itself, when it is a contract op)."""
    return {primitive} if SPECS.get(primitive) else set(INTERNAL_PRIMITIVES.get(primitive, ()))


@dataclasses.dataclass(frozen=True, eq=False)
class FastPathCase(Case):
    """A case run again on :func:`forced_fast_paths`: its own label, its ``original``'s
    draws (inputs, cotangents, directions), hence its original's JAX reference."""

    original: Case = None

    def rng(self, salt=""):
        return self.original.rng(salt)


def _on_fast_paths(case):
    fields = {f.name: getattr(case, f.name) for f in dataclasses.fields(case)}
    return FastPathCase(**{**fields, "label": case.label + "+fast_paths"}, original=case)


def jax_case(case):
    """The case whose JAX reference ``case`` uses: its original for a +fast_paths run."""
    return case.original if isinstance(case, FastPathCase) else case


#: the cases of every op a numpy fast path serves, again, on :func:`forced_fast_paths`
FAST_PATH_CASES = [_on_fast_paths(c) for c in CASES
                   if any(c.op in _exercising(name) for name in fast_paths.OVERRIDES)]
ALL_CASES = CASES + FAST_PATH_CASES
GRADIENT_CASES = [c for c in ALL_CASES if c.diff]
SECOND_ORDER_CASES = [c for c in GRADIENT_CASES if c.twice]
FINITE_DIFFERENCE_CASES = [c for c in GRADIENT_CASES if c.fd]


@functools.cache
def forced_fast_paths():
    """The numpy engine with every fast path taken, whatever the size: the bitwise select
    for any bool condition, the convolutions one image at a time."""
    return NumpyBackend(overrides=fast_paths.overrides(select_min_size=0, conv_chunk_bytes=1,
                                                      split_min_elements=2))


def engine(case):
    if isinstance(case, FastPathCase):
        return forced_fast_paths()
    name = "numpy"
    B, why = cc.load_backend(name)
    if B is None:
        pytest.fail(why)
    if not cc.implemented(B, case.op):
        pytest.skip(f"the {name} backend lacks {case.op!r} yet (a failure in test_coverage.py)")
    return B


def reference(case):
    J, why = cc.load_backend("jax")
    if J is None:
        pytest.skip(why)
    if not cc.implemented(J, case.op):
        pytest.skip(f"the jax backend lacks {case.op!r} yet (a failure in test_coverage.py)")
    return J


def _has_float_inputs(case):
    return any(isinstance(a, Draw) or (isinstance(a, np.ndarray) and a.dtype.kind == "f")
               for a in case.args)


def _dtype_params(cases):
    params = []
    for c in cases:
        for dtype in c.dtypes:
            if dtype == "float64" or _has_float_inputs(c):
                params.append(pytest.param(c, dtype, id=f"{c.id}-{dtype[-2:]}"))
    return params


def _describe(actual, expected):
    """The two arrays, when small enough to read in a failure message."""
    a, e = np.asarray(actual), np.asarray(expected)
    if a.size <= 12:
        return f"\n  numpy: {a.ravel().tolist()}\n  jax:   {e.ravel().tolist()}"
    diff = np.abs(a.astype(np.float64) - e.astype(np.float64)) if a.shape == e.shape else None
    if diff is not None:
        where = np.unravel_index(np.argmax(diff), diff.shape)
        return f"\n  worst at {tuple(int(i) for i in where)}: numpy {a[where]!r} jax {e[where]!r}"
    return f"\n  shapes: numpy {a.shape}, jax {e.shape}"


# ---------------------------------------------------------------------------- forward
def _compare_outputs(case, dtype, actual, expected):
    """Asserts equal structure, dtypes and values; returns the worst float relative error."""
    assert len(actual) == len(expected), (
        f"{case.id}: {len(actual)} outputs on numpy, {len(expected)} on jax")
    worst = 0.0
    for k, (a, e) in enumerate(zip(actual, expected)):
        if not isinstance(e, np.ndarray) or not isinstance(a, np.ndarray):
            a_value = a.item() if isinstance(a, np.ndarray) else a
            e_value = e.item() if isinstance(e, np.ndarray) else e
            assert type(a_value) is type(e_value) and a_value == e_value, (
                f"{case.id} output {k}: numpy {a!r}, jax {e!r}")
            continue
        assert a.shape == e.shape, f"{case.id} output {k}: shape {a.shape} on numpy, {e.shape} on jax"
        assert a.dtype == e.dtype, f"{case.id} output {k}: dtype {a.dtype} on numpy, {e.dtype} on jax"
        if a.dtype.kind != "f":
            assert np.array_equal(a, e), f"{case.id} output {k} differs:{_describe(a, e)}"
            continue
        if dtype == "float32" and case.op != "cast" and _has_float_inputs(case):
            assert a.dtype == np.float32, f"{case.id} output {k}: float32 in, {a.dtype} out"
        worst = max(worst, relative_error(a, e, FLOOR))
    return worst


def jax_outputs(J, case, dtype, args):
    """The JAX side's outputs (``crosscheck.reference``): from the case's jitted float64
    VJP reference for a gradient case (one compilation serves the forward and VJP tests,
    see crosscheck.py), else an eager call."""
    if case.diff:
        return cc.jax_vjp_reference(J, jax_case(case), dtype)[0]
    return cc.forward(cc.reference(J), case, args)


@pytest.mark.parametrize("case, dtype", _dtype_params(ALL_CASES))
def test_forward(case, dtype, cross_check_report):
    args = case.inputs(dtype)
    B = engine(case)
    outputs = cc.forward(B, case, args)
    if not case.cross:
        # random ops: each backend's values must have the case's properties
        case.check(args, outputs)
        J = reference(case)
        case.check(args, jax_outputs(J, case, dtype, args))
        return
    J = reference(case)
    expected = jax_outputs(J, case, dtype, args)
    error = _compare_outputs(case, dtype, outputs, expected)
    # integer inputs may give float32 outputs (floatx) in the float64 run
    low_precision = any(isinstance(o, np.ndarray) and o.dtype == np.float32 for o in outputs)
    check = "forward32" if dtype == "float32" or low_precision else "forward64"
    cross_check_report.record(case.op, check, case.id, error)
    assert error <= case.tolerance(check), (
        f"{case.id} ({dtype}): forward differs from jax, rel. error {error:.2e}"
        f"{_describe(outputs[0], expected[0])}")


# ---------------------------------------------------------------------------- VJP
@pytest.mark.parametrize("case, dtype", _dtype_params(GRADIENT_CASES))
def test_vjp(case, dtype, cross_check_report):
    args = case.inputs(dtype)
    B = engine(case)
    outputs = cc.forward(B, case, args)
    cts = cc.cotangents(case, outputs)
    grads = cc.engine_vjp(B, case, args, cts)
    for g, p in zip(grads, case.diff):
        assert g.shape == np.shape(args[p]), f"{case.id}: gradient of input {p} has shape {g.shape}"
        assert g.dtype == args[p].dtype, (
            f"{case.id}: gradient of a {args[p].dtype} input {p} is {g.dtype} (dtypes are preserved)")
    J = reference(case)
    jax_outs, jax_cts, jax_grads = cc.jax_vjp_reference(J, jax_case(case), dtype)
    if case.cross:
        references = [("jax", jax_grads, grads)]
    else:
        # random ops: each backend against the exact gradient for its own draw
        references = [("oracle", case.vjp_oracle(args, outputs, cts), grads),
                      ("oracle (jax)", case.vjp_oracle(args, jax_outs, jax_cts), jax_grads)]
    check = "vjp" + dtype[-2:]
    worst, lines = 0.0, []
    for name, expected, actual in references:
        for g, e, p in zip(actual, expected, case.diff):
            error = relative_error(g, e, FLOOR)
            worst = max(worst, error)
            if error > case.tolerance(check):
                lines.append(f"input {p} vs {name}: rel. error {error:.2e}{_describe(g, e)}")
    cross_check_report.record(case.op, check, case.id, worst)
    assert not lines, f"{case.id} ({dtype}): VJP differs\n" + "\n".join(lines)


# ---------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("case", FINITE_DIFFERENCE_CASES, ids=lambda c: c.id)
def test_finite_differences(case, cross_check_report):
    args = case.inputs("float64")
    B = engine(case)
    cts = cc.cotangents(case, cc.forward(B, case, args))
    grads = cc.engine_vjp(B, case, args, cts)
    primals = [args[p] for p in case.diff]

    def scalar(values):
        return cc.engine_scalar_value(B, case, cc.with_values(args, case.diff, values), cts)

    numeric, analytic = [], []
    for k in range(FD_DIRECTIONS):
        vs = cc.directions(case, args, salt=f"fd{k}")
        numeric.append(finite_difference(scalar, primals, vs, EPS))
        analytic.append(sum(float(np.sum(g * v)) for g, v in zip(grads, vs)))
    error = relative_error(analytic, numeric, FLOOR)
    cross_check_report.record(case.op, "fd", case.id, error)
    assert error <= case.tolerance("fd"), (
        f"{case.id}: gradient disagrees with finite differences, rel. error {error:.2e}\n"
        f"  directional derivatives: engine {analytic}, finite differences {numeric}")


# ---------------------------------------------------------------------------- second order
@pytest.mark.parametrize("case", SECOND_ORDER_CASES, ids=lambda c: c.id)
def test_hessian_vector_product(case, cross_check_report):
    args = case.inputs("float64")
    B = engine(case)
    cts = cc.cotangents(case, cc.forward(B, case, args))
    vs = cc.directions(case, args, salt="hvp")
    hv = cc.engine_hvp(B, case, args, cts, vs)
    primals = [args[p] for p in case.diff]
    grads = cc.engine_vjp(B, case, args, cts, squared=True)

    def gradient(values):
        at = cc.with_values(args, case.diff, values)
        return np.concatenate([g.ravel() for g in cc.engine_vjp(B, case, at, cts, squared=True)])

    # against finite differences of the engine's own gradient; where H v is (nearly)
    # zero the gradient's magnitude is the scale of the rounding noise
    numeric = finite_difference(gradient, primals, vs, EPS)
    scale = max([FLOOR] + [float(np.abs(g).max()) for g in grads if g.size])
    fd_error = relative_error(np.concatenate([h.ravel() for h in hv]), numeric, scale)
    cross_check_report.record(case.op, "hvp_fd", case.id, fd_error)
    assert fd_error <= case.tolerance("hvp_fd"), (
        f"{case.id}: Hessian-vector product disagrees with finite differences of the gradient, "
        f"rel. error {fd_error:.2e}{_describe(np.concatenate([h.ravel() for h in hv]), numeric)}")

    J = reference(case)
    expected = cc.jax_hvp(J, jax_case(case), args, cts, vs)
    errors = [relative_error(h, e, FLOOR) for h, e in zip(hv, expected)]
    worst = max(errors)
    cross_check_report.record(case.op, "hvp", case.id, worst)
    assert worst <= case.tolerance("hvp"), (
        f"{case.id}: Hessian-vector product differs from jax, rel. errors {errors}"
        f"{_describe(hv[int(np.argmax(errors))], expected[int(np.argmax(errors))])}")


# ---------------------------------------------------------------------------- cupy
@pytest.mark.parametrize("case", [c for c in CASES if "float32" in c.dtypes
                                  and _has_float_inputs(c)], ids=lambda c: c.id)
def test_cupy_agrees_with_numpy(case):
    """Every case on the cupy backend (on the GPU where CuPy is installed, else on its CPU
    stand-in, tests/conftest.py) in float32, the dtype a GPU trains in: outputs and VJP
    equal the numpy engine's, which the tests above check against JAX."""
    C, why = cc.load_backend("cupy")
    if C is None:
        pytest.skip(why)
    if not cc.implemented(C, case.op):
        pytest.skip(f"the cupy backend lacks {case.op!r} yet (a failure in test_coverage.py)")
    B = engine(case)
    args = case.inputs("float32")
    outputs, expected = cc.forward(C, case, args), cc.forward(B, case, args)
    if not case.cross:  # random ops: the draws differ, the properties hold
        case.check(args, outputs)
    else:
        error = _compare_outputs(case, "float32", outputs, expected)
        assert error <= case.tolerance("forward32"), (
            f"{case.id}: forward on cupy differs from numpy, rel. error {error:.2e}"
            f"{_describe(outputs[0], expected[0])}")
    if not case.diff:
        return
    cts = cc.cotangents(case, expected)
    grads = cc.engine_vjp(C, case, args, cts)
    references = (case.vjp_oracle(args, outputs, cts) if not case.cross
                  else cc.engine_vjp(B, case, args, cts))
    for g, e, p in zip(grads, references, case.diff):
        assert g.dtype == e.dtype == args[p].dtype, f"{case.id}: gradient {p} is {g.dtype}"
        error = relative_error(g, e, FLOOR)
        assert error <= case.tolerance("vjp32"), (
            f"{case.id}: VJP of input {p} on cupy differs from numpy, rel. error {error:.2e}"
            f"{_describe(g, e)}")


# ---------------------------------------------------------------------------- stop_gradient
@pytest.mark.parametrize("name", ["numpy", "jax"])
def test_stop_gradient_blocks_the_gradient(name):
    B, why = cc.load_backend(name)
    if B is None:
        pytest.skip(why)
    for op in ("stop_gradient", "multiply", "sum"):
        if not cc.implemented(B, op):
            pytest.skip(f"the {name} backend lacks {op!r} yet")
    x = np.array([1.5, -2.0, 0.25])
    # d/dx sum(stop_gradient(x) * x) = x, not 2x
    grad = B.grad(lambda x: B.sum(B.multiply(B.stop_gradient(x), x)))(x)
    np.testing.assert_allclose(np.asarray(grad), x, rtol=1e-12)


# ---------------------------------------------------------------------------- fast paths
def _cupy_overrides():
    """CuPy's table, read without importing the cupy backend (which needs a GPU)."""
    path = pathlib.Path(registry.__file__).parents[1] / "cupy" / "fast_paths.py"
    # under its own name, so that its relative imports resolve (the package's __init__,
    # which needs a GPU, is not run)
    spec = importlib.util.spec_from_file_location("kerasette.backends.cupy.fast_paths", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as error:  # fused kernels import cupy: checked where a GPU is lent
        pytest.skip(f"CuPy's fast paths need CuPy: {error}")
    return module.OVERRIDES


@pytest.mark.parametrize("backend, table", [("numpy", lambda: fast_paths.OVERRIDES),
                                            ("cupy", _cupy_overrides)])
def test_every_fast_path_is_a_cross_checked_primitive(backend, table):
    overrides = table()
    for name, override in overrides.items():
        assert name in registry.OPS, (
            f"the {backend} backend overrides {name!r}, which is no primitive of the op table")
        assert isinstance(override, registry.Override), (
            f"the {backend} backend's override of {name!r} is a {type(override).__name__}, "
            "expected registry.Override")
        assert any(SPECS.get(op) for op in _exercising(name)), (
            f"the {backend} backend overrides {name!r}, but no case of tests/backends/op_specs.py "
            "runs it: add its cases (a contract op) or list it in INTERNAL_PRIMITIVES with the "
            "contract ops that exercise it")
        if backend == "numpy":
            assert any(c.op in _exercising(name) for c in FAST_PATH_CASES), (
                f"no +fast_paths case runs numpy's override of {name!r}")
