"""Coverage of the gradient cross-check and conformance of every backend to the contract.

- Every contract name has a gradient case in ``op_specs`` or is in ``NON_DIFFERENTIABLE``
  with a reason (and then a forward case, or a note saying where it is tested).
- Every primitive of the engine's op table is exercised by some case: its forward runs
  and, for a differentiable primitive, its gradient rule runs (checked by running the
  cases with the primitives instrumented). Internal primitives (``identity``, the conv
  gradient primitives, ...) name the contract ops whose cases exercise them in
  ``op_specs.INTERNAL_PRIMITIVES``.
- Every backend (numpy, jax; cupy where a GPU is lent) implements every contract name with
  the contract's signature (parameter names, kinds and defaults).
"""

import contextlib
import importlib.util
import inspect

import numpy as np
import pytest

import crosscheck as cc
from op_specs import (CASES, INTERNAL_PRIMITIVES, SPECS, TESTED_ELSEWHERE, differentiable_names)
from kerasette.backends.autodiff import registry
from kerasette.backends.interface import NON_DIFFERENTIABLE, contract_names, contract_signature


# ---------------------------------------------------------------------------- the table
def test_every_differentiable_name_has_a_gradient_case():
    missing = [n for n in differentiable_names() if not any(c.diff for c in SPECS[n])]
    assert not missing, (
        "contract ops without a gradient cross-check: add cases to tests/backends/op_specs.py "
        f"or list them in NON_DIFFERENTIABLE with a reason: {missing}")


def test_every_non_differentiable_name_has_a_reason_and_a_check():
    unknown = sorted(set(NON_DIFFERENTIABLE) - set(contract_names()))
    assert not unknown, f"NON_DIFFERENTIABLE names that are not in the contract: {unknown}"
    no_reason = [n for n, why in NON_DIFFERENTIABLE.items() if not str(why).strip()]
    assert not no_reason, f"NON_DIFFERENTIABLE entries without a reason: {no_reason}"
    unchecked = [n for n in NON_DIFFERENTIABLE if not SPECS[n] and n not in TESTED_ELSEWHERE]
    assert not unchecked, f"non-differentiable ops with no forward case in op_specs: {unchecked}"


def test_non_differentiable_names_have_no_gradient_case():
    wrong = [c.id for n in NON_DIFFERENTIABLE for c in SPECS[n] if c.diff]
    assert not wrong, f"gradient cases for ops declared non-differentiable: {wrong}"


# ---------------------------------------------------------------------------- the op table
@contextlib.contextmanager
def instrumented_primitives(calls, backend=None):
    """Records ``(primitive, "forward" | "vjp")`` in ``calls`` while active: the op table's,
    and ``backend``'s overrides of them (its own ``Op`` objects)."""
    ops = list(registry.OPS.values())
    if backend is not None:
        ops += [op for name, op in backend._ops.items() if op is not registry.OPS[name]]
    originals = {}
    for op in ops:
        name = op.name
        originals[id(op)] = (op, op.forward, op.vjp)

        def forward(*args, _name=name, _f=op.forward, **kwargs):
            calls.add((_name, "forward"))
            return _f(*args, **kwargs)
        op.forward = forward
        if op.vjp is not None:
            def vjp(*args, _name=name, _f=op.vjp, **kwargs):
                calls.add((_name, "vjp"))
                return _f(*args, **kwargs)
            op.vjp = vjp
    try:
        yield calls
    finally:
        for op, forward, vjp in originals.values():
            op.forward = forward
            op.vjp = vjp


@pytest.fixture(scope="module")
def primitive_trace():
    """``{case id: {(primitive, "forward" | "vjp")}}`` from running every case on numpy
    (forward, VJP and, where checked, a Hessian-vector product), plus the cases that failed."""
    B, why = cc.load_backend("numpy")
    if B is None:
        pytest.fail(why)
    trace, failures = {}, {}
    for case in CASES:
        if not cc.implemented(B, case.op):
            continue
        calls = set()
        with instrumented_primitives(calls, B):
            try:
                args = case.inputs("float64")
                outputs = cc.forward(B, case, args)
                if case.diff:
                    cts = cc.cotangents(case, outputs)
                    cc.engine_vjp(B, case, args, cts)
                    if case.twice:
                        cc.engine_hvp(B, case, args, cts, cc.directions(case, args))
            except Exception as error:  # the failure itself is reported by test_gradients.py
                failures[case.id] = f"{type(error).__name__}: {error}"
        trace[case.id] = calls
    return trace, failures


def test_every_internal_primitive_names_the_ops_that_exercise_it(primitive_trace):
    trace, _ = primitive_trace
    contract = set(contract_names())
    undeclared = sorted(set(registry.OPS) - contract - set(INTERNAL_PRIMITIVES))
    hints = []
    for name in undeclared:
        users = sorted({cid.split("[")[0] for cid, calls in trace.items() if (name, "forward") in calls})
        hints.append(f"{name} (exercised by: {', '.join(users) or 'nothing yet'})")
    assert not undeclared, (
        "engine primitives that are not contract ops and have no entry in "
        "op_specs.INTERNAL_PRIMITIVES: " + "; ".join(hints))
    stale = sorted(set(INTERNAL_PRIMITIVES) - set(registry.OPS))
    assert not stale, f"INTERNAL_PRIMITIVES lists primitives the op table no longer has: {stale}"


def test_every_primitive_is_exercised_forward_and_backward(primitive_trace):
    trace, failures = primitive_trace
    contract = set(contract_names())
    problems = []
    for name, op in sorted(registry.OPS.items()):
        if name in contract:
            users = [c.id for c in SPECS[name]]
        else:
            declared = INTERNAL_PRIMITIVES.get(name, ())
            users = [c.id for op_name in declared for c in SPECS[op_name]]
        ran = set().union(*[trace.get(cid, set()) for cid in users]) if users else set()
        if (name, "forward") not in ran:
            problems.append(f"{name}: forward never runs in the cases of "
                            f"{sorted({u.split('[')[0] for u in users}) or 'any op'}")
        needs_vjp = op.differentiable and name not in NON_DIFFERENTIABLE
        if needs_vjp and op.vjp is None:
            problems.append(f"{name}: a differentiable primitive without a gradient rule")
        elif needs_vjp and (name, "vjp") not in ran:
            problems.append(f"{name}: gradient rule never runs in the cases that use it")
    detail = "".join(f"\n  {cid}: {why}" for cid, why in sorted(failures.items()))
    assert not problems, "\n".join(problems) + (
        f"\ncases that raised on numpy (see test_gradients.py):{detail}" if failures else "")


# ---------------------------------------------------------------------------- conformance
def _backend_for_conformance(name):
    # without a GPU, the cupy backend is checked on the CPU stand-in (tests/cupy_standin)
    if name == "jax" and importlib.util.find_spec("jax") is None:
        pytest.skip("JAX is not installed")
    B, why = cc.load_backend(name)
    if B is None:
        if name == "cupy":
            pytest.skip(why)
        pytest.fail(why)
    return B


@pytest.mark.parametrize("name", ["numpy", "jax", "cupy"])
def test_backend_implements_every_contract_name(name):
    B = _backend_for_conformance(name)
    missing = [n for n in contract_names() if not cc.implemented(B, n)]
    assert not missing, f"the {name} backend lacks {len(missing)} contract names: {missing}"


def _parameters(signature):
    return [(p.name, p.kind.name, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize("name", ["numpy", "jax", "cupy"])
def test_backend_signatures_match_the_contract(name):
    B = _backend_for_conformance(name)
    wrong = []
    for op in contract_names():
        if not cc.implemented(B, op):
            continue  # reported by test_backend_implements_every_contract_name
        try:
            actual = inspect.signature(getattr(B, op))
        except (TypeError, ValueError) as error:
            wrong.append(f"{op}: no signature ({error})")
            continue
        expected = contract_signature(op)
        if _parameters(actual) != _parameters(expected):
            wrong.append(f"{op}{actual} (contract: {op}{expected})")
    assert not wrong, f"the {name} backend's signatures differ from the contract:\n  " + "\n  ".join(wrong)


def test_instrumentation_restores_the_op_table():
    before = {n: (op.forward, op.vjp) for n, op in registry.OPS.items()}
    calls = set()
    with instrumented_primitives(calls):
        B, _ = cc.load_backend("numpy")
        # (an op numpy does not override: an override keeps the forward it was made from)
        np.testing.assert_array_equal(np.asarray(B.maximum(np.ones(2), 2.0)), [2.0, 2.0])
    assert ("maximum", "forward") in calls
    assert {n: (op.forward, op.vjp) for n, op in registry.OPS.items()} == before
