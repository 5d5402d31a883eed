"""The BLAS numpy calls, asked for one thread where two cost more.

OpenBLAS splits even a small matrix product across its threads. For the weight gradient of
a small batch, ``x.T @ g`` with the batch as the inner dimension (784x32 by 32x128 in an MLP
at batch 32), two threads take about 3x as long as one on a 2-core machine (measured 180 vs
60 us; benchmarks/bench_engine.py), while products with a large inner dimension run about
twice as fast on two. :func:`matmul` runs the first kind on one thread.

The thread count is OpenBLAS's process-wide setting, so a product run on one thread holds a
lock while it lowers and restores it: a matmul in another thread meanwhile runs on one
thread too (slower, never wrong), and the setting always returns to what it was. Where
numpy is not linked to OpenBLAS (MKL, Accelerate) or the library is not found, nothing
changes.
"""

import ctypes
import threading

import numpy

#: a product is run on one thread when its inner dimension is below this and its output
#: has at most SMALL_OUTPUT entries (measured on 2 cores: 784x96 @ 96x128 152 vs 238 us on
#: one thread vs two; 784x128 @ 128x512 and 784x64 @ 64x512 about 2x faster on two)
SMALL_INNER = 128
SMALL_OUTPUT = 2 ** 17

_SYMBOLS = (("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
            ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
            ("openblas_get_num_threads", "openblas_set_num_threads"))


def _openblas():
    """``(get_num_threads, set_num_threads)`` of the OpenBLAS numpy loaded, or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps
                            if "openblas" in line.lower() and ".so" in line})
    except OSError:  # not Linux
        return None
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in _SYMBOLS:
            if hasattr(library, get_name) and hasattr(library, set_name):
                get, set_ = getattr(library, get_name), getattr(library, set_name)
                get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                return get, set_
    return None


_CONTROL = _openblas()
_LOCK = threading.Lock()


def one_thread_is_faster(x1, x2):
    """Whether the 2-D product ``x1 @ x2`` is of the kind two BLAS threads slow down."""
    return (x1.ndim == 2 and x2.ndim == 2 and x1.shape[1] < SMALL_INNER
            and x1.shape[0] * x2.shape[1] <= SMALL_OUTPUT)


def matmul(xp, x1, x2, control=None):
    """``numpy.matmul(x1, x2)``, on one BLAS thread for a product :func:`one_thread_is_faster`
    says two threads slow down (``control``: the ``(get, set)`` pair, for tests)."""
    control = control or _CONTROL
    if control is None or not one_thread_is_faster(x1, x2):
        return numpy.matmul(x1, x2)
    get, set_ = control
    with _LOCK:
        threads = get()
        if threads <= 1:
            return numpy.matmul(x1, x2)
        set_(1)
        try:
            return numpy.matmul(x1, x2)
        finally:
            set_(threads)
