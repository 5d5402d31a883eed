"""Large elementwise work split across the CPU's cores.

numpy runs each elementwise ufunc on one core, but releases the GIL inside the loop: two
threads, each running the same chain of ufuncs on its own rows of the arrays, work at
once. Below :data:`MIN_ELEMENTS` the hand-offs cost more than they save (measured on
the 2-core development machine: Adam's 12 passes over float32[784, 128] took 440 us in
two threads against 280 us in one; over float32[784, 512], 1.05 ms against 1.57 ms).

The threads are the process's usable cores (``os.sched_getaffinity``), or
``KERASETTE_NUM_THREADS``; 1 turns the splitting off.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

#: the smallest output (in elements) split across threads
MIN_ELEMENTS = 2 ** 18


def thread_count():
    """How many threads split large elementwise work (1: none)."""
    setting = os.environ.get("KERASETTE_NUM_THREADS")
    if setting:
        return max(1, int(setting))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


_pool = None
_pool_lock = threading.Lock()


def _executor(threads):
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers != threads - 1:
            _pool = ThreadPoolExecutor(threads - 1, thread_name_prefix="kerasette-elementwise")
        return _pool


def by_rows(work, out, *arrays, min_elements=None):
    """Runs ``work(out_rows, *array_rows)`` over parts of the leading axis, in parallel when
    ``out`` is large; returns ``out``.

    Each array of ``out``'s rank and leading length is cut like ``out``; any other (a
    scalar, a bias broadcast along the rows) is passed whole. ``work`` must write only
    into the rows it is given.
    """
    limit = MIN_ELEMENTS if min_elements is None else min_elements
    rows = out.shape[0] if out.ndim else 0
    # the size test first: asking for the thread count costs a system call, and most
    # calls (every small variable's optimizer update) stop at the size
    threads = thread_count() if out.size >= limit and rows >= 2 else 1
    if threads < 2:
        work(out, *arrays)
        return out
    parts = min(threads, rows)
    bounds = [rows * i // parts for i in range(parts + 1)]

    def run(i):
        cut = slice(bounds[i], bounds[i + 1])
        work(out[cut], *(a[cut] if _has_rows(a, out) else a for a in arrays))

    futures = [_executor(threads).submit(run, i) for i in range(1, parts)]
    run(0)  # the calling thread takes the first part
    for future in futures:
        future.result()
    return out


def _has_rows(array, out):
    """Whether ``array`` runs along ``out``'s rows (same rank and leading length), rather than
    being broadcast across them (a scalar, a bias, a leading axis of 1)."""
    return getattr(array, "ndim", 0) == out.ndim and array.shape[0] == out.shape[0]
