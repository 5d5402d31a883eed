"""The numpy backend: the autodiff engine bound to numpy (CPU), with numpy's fast paths
(``fast_paths.py``)."""

import ctypes
import os
import sys

import numpy

from ..autodiff import AutodiffBackend
from . import fast_paths


class NumpyBackend(AutodiffBackend):
    """kerasette's default backend: the reverse-mode engine on numpy arrays.

    Args:
        overrides: the engine's override table; numpy's fast paths
            (``fast_paths.OVERRIDES``) by default.
    """

    def __init__(self, overrides=None):
        super().__init__(numpy, "numpy",
                         fast_paths.OVERRIDES if overrides is None else overrides)


def _keep_freed_memory():
    """Asks glibc to keep freed large blocks instead of returning them to the OS at once.

    Training allocates and frees the same few-MB temporaries every step; by default glibc
    unmaps each and the next step faults the pages back in (measured here: ~12,500 page
    faults and 25-30 ms of a 73 ms CNN step). Raising both thresholds keeps them mapped; the
    cost is that the process keeps its high-water memory. Opt out with
    ``KERASETTE_MALLOPT=0``."""
    if os.environ.get("KERASETTE_MALLOPT", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_mmap_threshold, m_trim_threshold = -3, -1
        return bool(libc.mallopt(m_mmap_threshold, 32 * 2**20)) and bool(
            libc.mallopt(m_trim_threshold, 2**30))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False


MALLOPT_APPLIED = _keep_freed_memory()

#: the backend object (one per process)
backend = NumpyBackend()
Tensor = backend.Tensor
