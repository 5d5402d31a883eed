"""numpy's BLAS thread choice (backends/numpy/blas.py): the same values, the setting always
restored, and one thread only for the products two threads slow down."""

import threading

import numpy as np
import pytest

from kerasette.backends.numpy import blas


class FakeControl:
    """A stand-in for OpenBLAS's get/set pair that records what was set."""

    def __init__(self, threads):
        self.threads = threads
        self.calls = []

    def get(self):
        return self.threads

    def set(self, n):
        self.calls.append(n)
        self.threads = n

    @property
    def pair(self):
        return self.get, self.set


@pytest.mark.parametrize("shapes, one_thread", [
    (((784, 32), (32, 128)), True),     # a small batch's weight gradient
    (((784, 96), (96, 128)), True),
    (((784, 128), (128, 512)), False),  # a large inner dimension: two threads help
    (((32, 784), (784, 128)), False),
    (((784, 64), (64, 512)), False),    # a large output: two threads help
    (((2, 32, 8), (8, 4)), False),      # batched products are left to numpy
])
def test_one_thread_only_for_small_inner_dimensions(shapes, one_thread):
    rng = np.random.default_rng(0)
    x1, x2 = (rng.normal(size=s).astype("float32") for s in shapes)
    control = FakeControl(2)
    result = blas.matmul(np, x1, x2, control=control.pair)
    np.testing.assert_array_equal(result, np.matmul(x1, x2))
    assert control.calls == ([1, 2] if one_thread else [])
    assert control.threads == 2


def test_the_thread_setting_is_restored_when_the_product_fails():
    control = FakeControl(4)
    with pytest.raises(ValueError):  # mismatched inner dimensions, found inside numpy
        blas.matmul(np, np.ones((8, 3)), np.ones((4, 2)), control=control.pair)
    assert control.calls == [1, 4] and control.threads == 4


def test_a_single_threaded_setting_is_left_alone():
    control = FakeControl(1)
    blas.matmul(np, np.ones((784, 32)), np.ones((32, 128)), control=control.pair)
    assert control.calls == []


def test_concurrent_products_leave_the_real_setting_as_it_was():
    if blas._CONTROL is None:
        pytest.skip("numpy is not linked to an OpenBLAS this module can find")
    get, _ = blas._CONTROL
    before = get()
    x1, x2 = np.ones((784, 32), "float32"), np.ones((32, 128), "float32")

    def work():
        for _ in range(50):
            assert blas.matmul(np, x1, x2)[0, 0] == 32

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert get() == before
