"""Tapes record per thread: two threads recording at once never see each other's ops."""

import threading

import numpy as np
import pytest

from kerasette.backend import get_backend


def _backend(name):
    try:
        return get_backend(name)
    except ImportError as error:
        pytest.skip(f"the {name} backend is unavailable: {error}")


def _in_threads(*bodies):
    """Runs each body in its own thread; re-raises the first error."""
    errors = []

    def run(body):
        try:
            body()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


@pytest.mark.parametrize("name", ["numpy", "jax"])
def test_two_threads_recording_at_once_keep_their_own_ops(name):
    B = _backend(name)
    x = B.convert_to_tensor(np.array([0.5, 1.5, -2.0], "float32"))  # both tapes watch it
    both_recording = threading.Barrier(2, timeout=30)
    both_done = threading.Barrier(2, timeout=30)
    results = {}

    def record(key, op):
        with B.GradientTape(persistent=True) as tape:
            tape.watch(x)
            both_recording.wait()  # the other thread's tape records too from here
            y = op(x)
            both_done.wait()  # ... until both ops ran
        results[key] = (tape, y)

    _in_threads(lambda: record("square", lambda v: B.multiply(v, v)),
                lambda: record("sin", B.sin))
    square_tape, square = results["square"]
    sin_tape, sine = results["sin"]
    xs = np.asarray(x)
    np.testing.assert_allclose(np.asarray(square_tape.gradient(square, x)), 2 * xs, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(sin_tape.gradient(sine, x)), np.cos(xs), rtol=1e-6)
    # the other thread's op is not on this tape: its output is unconnected here
    assert square_tape.gradient(sine, x) is None
    assert sin_tape.gradient(square, x) is None


@pytest.mark.parametrize("name", ["numpy", "jax"])
def test_an_op_outside_any_tape_in_one_thread_is_not_recorded_by_another(name):
    B = _backend(name)
    x = B.convert_to_tensor(np.array([1.0, 2.0], "float32"))
    recording = threading.Barrier(2, timeout=30)
    computed = threading.Barrier(2, timeout=30)
    results = {}

    def with_tape():
        with B.GradientTape(persistent=True) as tape:
            tape.watch(x)
            recording.wait()
            computed.wait()
        results["tape"] = tape

    def without_tape():
        recording.wait()
        results["outside"] = B.exp(x)  # x is watched, but by another thread's tape
        computed.wait()

    _in_threads(with_tape, without_tape)
    assert results["tape"].gradient(results["outside"], x) is None
