"""Large elementwise work split across cores (``backends/numpy/threads.py``): the same
numbers as one thread, every row written once, broadcast operands never cut."""

import threading

import numpy as np
import pytest

from kerasette.backends.numpy import NumpyBackend, fast_paths, threads


@pytest.fixture
def two_threads(monkeypatch):
    monkeypatch.setenv("KERASETTE_NUM_THREADS", "2")


def test_rows_are_split_between_threads_and_each_written_once(two_threads):
    seen = []

    def work(out, x):
        seen.append((threading.get_ident(), out.shape[0]))
        np.add(x, 1.0, out=out)
    x = np.arange(12.0).reshape(6, 2)
    out = threads.by_rows(work, np.empty_like(x), x, min_elements=1)
    np.testing.assert_array_equal(out, x + 1.0)
    assert len(seen) == 2 and len({ident for ident, _ in seen}) == 2
    assert sorted(rows for _, rows in seen) == [3, 3]


def test_a_bias_as_long_as_the_rows_is_broadcast_not_cut(two_threads):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 8)).astype("float32")
    bias = rng.normal(size=8).astype("float32")  # length == rows: a coincidence to survive
    add = fast_paths.split_binary(fast_paths.registry.OPS["add"], np.add, min_elements=1)
    np.testing.assert_array_equal(add(np, x, bias), x + bias)
    leading_one = bias[None, :]
    np.testing.assert_array_equal(add(np, x, leading_one), x + leading_one)


def test_one_thread_when_asked(monkeypatch):
    monkeypatch.setenv("KERASETTE_NUM_THREADS", "1")
    calls = []
    threads.by_rows(lambda out, x: calls.append(out.shape), np.empty((64, 4)), np.ones((64, 4)),
                    min_elements=1)
    assert calls == [(64, 4)]


def test_small_arrays_stay_on_one_thread(two_threads):
    calls = []
    threads.by_rows(lambda out, x: calls.append(out.shape), np.empty((4, 4)), np.ones((4, 4)))
    assert calls == [(4, 4)]


@pytest.mark.parametrize("shape", [(600, 500), (7,), ()])
def test_split_adam_is_bit_for_bit_the_single_thread_kernel(shape, monkeypatch):
    rng = np.random.default_rng(1)
    variable, gradient, m = (rng.normal(size=shape).astype("float32") for _ in range(3))
    v = rng.uniform(0.01, 1.0, size=shape).astype("float32")
    args = (variable, gradient, m, v, np.float32(1e-3), 0.9, 0.999, 1e-7, True)
    monkeypatch.setenv("KERASETTE_NUM_THREADS", "1")
    single = fast_paths.adam_update(np, *args, min_elements=1)
    monkeypatch.setenv("KERASETTE_NUM_THREADS", "2")
    split = fast_paths.adam_update(np, *args, min_elements=1)
    for a, b in zip(single, split):
        assert a.shape == shape
        np.testing.assert_array_equal(a, b)


def test_split_ops_give_the_engines_numbers(two_threads):
    split = NumpyBackend(overrides=fast_paths.overrides(split_min_elements=1))
    plain = NumpyBackend(overrides={})
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 33)).astype("float32")
    b = rng.normal(size=33).astype("float32")
    for op, args in [("add", (x, b)), ("subtract", (x, 0.5)), ("multiply", (x, x)),
                     ("greater", (x, 0)), ("relu", (x,))]:
        got = split.convert_to_numpy(getattr(split, op)(*args))
        want = plain.convert_to_numpy(getattr(plain, op)(*args))
        assert got.dtype == want.dtype, op
        np.testing.assert_array_equal(got, want, err_msg=op)
