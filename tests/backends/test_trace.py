"""``jit`` on the autodiff engine: a recorded schedule replays what the eager call computes.

Every case of the cross-check table (``op_specs``) runs under ``jit``, its forward and
its gradient in one function, on three draws of its inputs: the first call records, the
second checks the schedule against the eager call, the third replays. The replay must
give what the eager function gives on the third draw. A rule that builds a value from
an input outside the op table (a raw mask) would replay the first draw's value: this
sweep finds it. Then the mechanism's own promises: host reads and Python branches fall
back to eager with a warning, signatures are separate, Variables outside the arguments
are read again, tapes see a jitted function's ops, random draws are drawn again.
"""

import dataclasses
import warnings

import numpy as np
import pytest

import crosscheck as cc
from op_specs import CASES

from kerasette.backends.autodiff import trace
from kerasette.backends.numpy import NumpyBackend, fast_paths
from kerasette.backends.variable import StatelessScope, Variable

B = NumpyBackend()
# every fast path taken at any size, so that their branches are swept too
FORCED = NumpyBackend(overrides=fast_paths.overrides(select_min_size=0, conv_chunk_bytes=1,
                                                      split_min_elements=2))


def _draw(case, salt):
    """The case's arguments drawn with ``salt``: another draw of the same domains."""
    return case.inputs("float64", salt=salt)


def _function(engine, case, cts):
    """The case's outputs and, for a gradient case, the gradient of ``sum(outputs * cts)``."""
    def outputs_and_gradients(*args):
        outputs = cc.flatten(case.run(engine, *args))
        if not case.diff:
            return outputs

        def scalar(*diff):
            outs = cc.flatten(case.run(engine, *cc.with_values(args, case.diff, diff)))
            total = engine.sum(engine.multiply(outs[0], cts[0]))
            for o, c in zip(outs[1:], cts[1:]):
                total = engine.add(total, engine.sum(engine.multiply(o, c)))
            return total
        _, grads = engine.value_and_grad(scalar, argnums=tuple(range(len(case.diff))))(
            *[args[p] for p in case.diff])
        return outputs, list(grads)
    return outputs_and_gradients


def _numpy(value):
    return [cc.as_numpy(v) for v in cc.flatten(value)]


SWEEP = CASES + [dataclasses.replace(c, label=c.label + "+fast_paths") for c in CASES
                 if c.op in ("where", "relu", "leaky_relu", "elu", "conv", "conv_transpose",
                             "depthwise_conv", "max_pool")]


@pytest.mark.parametrize("case", SWEEP, ids=lambda c: c.id)
def test_replay_equals_eager_on_new_inputs(case):
    engine = FORCED if case.label.endswith("+fast_paths") else B
    first = _draw(case, "first")
    try:
        outputs = cc.forward(engine, case, first)
    except Exception as error:  # a case that raises on purpose is not a jit case
        pytest.skip(f"the case raises eagerly: {error}")
    cts = [np.random.default_rng(1).standard_normal(np.shape(o)).astype(np.asarray(o).dtype)
           if np.asarray(o).dtype.kind == "f" else np.zeros(np.shape(o), "float64")
           for o in outputs]
    fn = _function(engine, case, cts)
    jitted = engine.jit(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        jitted(*first)
        jitted(*_draw(case, "second"))
        third = _draw(case, "third")
        replayed = _numpy(jitted(*third))
    expected = _numpy(fn(*third))
    if not jitted.replaying():
        # only a value taken to the host may stop a schedule (a data-dependent shape)
        reasons = jitted.eager_reasons()
        assert reasons and all("read a value" in r for r in reasons), (
            f"{case.id}: not replayed: {reasons}")
    assert len(replayed) == len(expected)
    for k, (r, e) in enumerate(zip(replayed, expected)):
        if isinstance(e, np.ndarray):
            assert r.shape == e.shape and r.dtype == e.dtype, f"{case.id} output {k}"
            np.testing.assert_allclose(r, e, rtol=1e-12, atol=0, err_msg=f"{case.id} output {k}")
        else:
            assert r == e, f"{case.id} output {k}"


def test_most_cases_replay():
    """The sweep above accepts a fall-back to eager; this says it is the exception: only
    ops whose output shape depends on values (or that read values on the host) fall back."""
    eager = []
    for case in CASES:
        if not case.diff:
            continue
        first = _draw(case, "first")
        try:
            outputs = cc.forward(B, case, first)
        except Exception:
            continue
        cts = [np.ones(np.shape(o), np.asarray(o).dtype if np.asarray(o).dtype.kind == "f"
                       else "float64") for o in outputs]
        jitted = B.jit(_function(B, case, cts))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            jitted(*first)
            jitted(*_draw(case, "second"))
        if not jitted.replaying():
            eager.append(case.op)
    # (cond and switch read a tensor predicate or branch index on the host)
    assert set(eager) <= {"where", "get_item", "take", "repeat", "slice", "nonzero", "cond",
                          "switch"}, eager


# ---------------------------------------------------------------------------- the mechanism
def _counted(fn):
    calls = []

    def counted(*args):
        calls.append(1)
        return fn(*args)
    counted.__name__ = "counted"
    return counted, calls


def test_a_replay_skips_the_python_function():
    fn, calls = _counted(lambda x, y: B.add(B.multiply(x, y), 1.0))
    jitted = B.jit(fn)
    x, y = np.arange(3.0), np.full(3, 2.0)
    for _ in range(4):
        out = jitted(x, y)
    # the first call records, the second checks against an eager call; then only replays
    assert len(calls) == 2 and jitted.replaying() == 1
    np.testing.assert_array_equal(np.asarray(out), [1.0, 3.0, 5.0])
    out = jitted(x + 1, y)
    np.testing.assert_array_equal(np.asarray(out), [3.0, 5.0, 7.0])
    assert len(calls) == 2


def test_one_array_passed_twice_is_recorded_as_two_arguments():
    # an optimizer slot that starts as the weight itself: recorded as one argument, the
    # schedule would read one of two later, different arrays for both
    def step(weight, slot):
        return B.add(B.multiply(weight, 2.0), slot), B.subtract(slot, weight)

    jitted = B.jit(step)
    weight = np.array([1.0, 2.0])
    state = (weight, weight)
    for _ in range(5):
        got = [np.asarray(a) for a in jitted(*state)]
        expected = [np.asarray(a) for a in step(*state)]
        for a, b in zip(got, expected):
            np.testing.assert_array_equal(a, b)
        state = tuple(np.asarray(a) for a in got)
    assert jitted.replaying() == 1


def test_each_signature_has_its_own_schedule():
    fn, calls = _counted(lambda x: B.sum(B.multiply(x, x)))
    jitted = B.jit(fn)
    for n in (3, 4, 3, 4, 3, 4):
        out = jitted(np.ones(n))
        assert float(out) == n
    assert jitted.replaying() == 2 and len(calls) == 4


def test_a_host_read_runs_eagerly_with_a_warning():
    def branchy(x):
        return B.negative(x) if float(B.sum(x)) > 0 else B.multiply(x, 2.0)
    jitted = B.jit(branchy)
    with pytest.warns(RuntimeWarning, match="float\\(\\) read a value"):
        assert float(jitted(np.ones(2))[0]) == -1.0
    assert float(jitted(-np.ones(2))[0]) == -2.0  # the other branch: still right
    assert jitted.replaying() == 0
    assert "test_trace.py" in jitted.eager_reasons()[0]  # names the user's line


def test_a_value_made_outside_the_ops_is_caught_before_any_replay():
    def raw(x):
        # a raw array built from the input's data: a recording sees a constant
        return B.multiply(x, B.Tensor(B.convert_to_tensor(x).data > 0))
    jitted = B.jit(raw)
    x1, x2, x3 = np.array([1.0, -1.0]), np.array([-1.0, 1.0]), np.array([2.0, 2.0])
    np.testing.assert_array_equal(np.asarray(jitted(x1)), [1.0, -0.0])
    with pytest.warns(RuntimeWarning, match="disagreed with the eager call"):
        np.testing.assert_array_equal(np.asarray(jitted(x2)), [-0.0, 1.0])
    np.testing.assert_array_equal(np.asarray(jitted(x3)), [2.0, 2.0])
    assert jitted.replaying() == 0


def test_a_variable_outside_the_arguments_is_read_at_each_replay():
    scale = Variable(np.array(2.0), backend=B)
    jitted = B.jit(lambda x: B.multiply(x, scale))
    for _ in range(3):
        assert float(jitted(np.array(1.0))) == 2.0
    scale.assign(5.0)
    assert float(jitted(np.array(1.0))) == 5.0
    assert jitted.replaying() == 1


def test_a_mapped_variable_is_an_argument_and_its_assignment_an_output():
    counter = Variable(np.array(0.0), backend=B)

    def step(value):
        with StatelessScope([(counter, value)]) as scope:
            counter.assign_add(1.0)
        return scope.get_current_value(counter)
    jitted = B.jit(step)
    value = counter.value
    for _ in range(5):
        value = jitted(value)
    assert float(value) == 5.0 and float(counter.value) == 0.0


def test_a_tape_sees_the_ops_of_a_jitted_function():
    jitted = B.jit(lambda x: B.multiply(x, x))
    x = B.convert_to_tensor(np.array(3.0))
    for _ in range(3):
        jitted(np.array(1.0))
    with B.GradientTape() as tape:
        tape.watch(x)
        y = jitted(x)
    assert float(tape.gradient(y, x)) == 6.0


def test_random_draws_are_drawn_again_from_the_state_given():
    from kerasette.backends.seed import SeedGenerator
    generator = SeedGenerator(7, backend=B)

    def noisy(x, state):
        with StatelessScope([(generator.state, state)]) as scope:
            out = B.dropout(x, 0.5, seed=generator)
        return out, scope.get_current_value(generator.state)
    jitted = B.jit(noisy)
    x, state = np.ones(64), generator.state.value
    masks = []
    for _ in range(4):
        expected, _ = noisy(x, state)
        out, state = jitted(x, state)
        np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))
        masks.append(np.asarray(out))
    assert jitted.replaying() == 1
    assert not np.array_equal(masks[2], masks[3])  # a new mask at each replayed step


def test_an_int_seed_draws_the_same_numbers_each_replay():
    jitted = B.jit(lambda x: B.add(x, B.normal((3,), seed=1)))
    outs = [np.asarray(jitted(np.zeros(3))) for _ in range(3)]
    np.testing.assert_array_equal(outs[0], outs[2])
    np.testing.assert_array_equal(outs[0], np.asarray(B.normal((3,), seed=1)))


def test_a_variable_assigned_outside_a_scope_is_assigned_at_each_replay():
    total = Variable(np.array(0.0), backend=B)

    def accumulate(x):
        total.assign(B.add(total, x))
        return B.multiply(total, 1.0)
    jitted = B.jit(accumulate)
    for step in range(1, 5):
        assert float(jitted(np.array(1.0))) == step
    assert float(total.value) == 4.0 and jitted.replaying() == 1


def test_signatures_beyond_the_limit_run_eagerly():
    jitted = B.jit(lambda x: B.add(x, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for n in range(1, trace.MAX_SIGNATURES + 3):
            assert np.asarray(jitted(np.zeros(n))).tolist() == [1.0] * n
    assert any("input signatures" in r for r in jitted.eager_reasons())


def test_a_replay_frees_each_intermediate_after_its_last_read():
    def chain(x):
        for _ in range(5):
            x = B.multiply(x, 2.0)
        return x
    jitted = B.jit(chain)
    for _ in range(3):
        jitted(np.ones(4))
    (entry,) = jitted._entries.values()
    freed = [slot for step in entry.schedule.steps for slot in step[-1]]
    # the argument and each of the four intermediates, once; never the output
    assert sorted(freed) == sorted(set(freed)) and len(freed) == 5
    assert entry.schedule.outputs[0][0] not in freed


def test_inference_replays_max_pooling_without_its_winners():
    x1, x2 = (np.random.default_rng(s).normal(size=(2, 6, 6, 3)) for s in (1, 2))
    jitted = B.jit(lambda x: B.max_pool(x, 2))
    for x in (x1, x1, x2):
        out = jitted(x)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(B.max_pool(x2, 2)))
    (entry,) = jitted._entries.values()
    names = [step[0].__name__ for step in entry.schedule.steps]
    assert names == ["max_pool_values"]
    # with a gradient the winners are kept: the backward pass reads them
    grad = B.jit(lambda x: B.grad(lambda x: B.sum(B.max_pool(x, 2)))(x))
    for x in (x1, x1, x2):
        g = grad(x)
    (entry,) = grad._entries.values()
    assert "max_pool_general" in [step[0].__name__ for step in entry.schedule.steps]
    np.testing.assert_array_equal(
        np.asarray(g), np.asarray(B.grad(lambda x: B.sum(B.max_pool(x, 2)))(x2)))
