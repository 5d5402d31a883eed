"""The CuPy backend: the autodiff engine bound to CuPy (NVIDIA GPUs).

Importing this module raises ``ImportError`` with the fix when CuPy is not
installed or no CUDA GPU is usable; kerasette reports it when
``KERASETTE_BACKEND=cupy`` is chosen. The engine is built as numpy's is: the
array module and a table of overrides (``registry.Override``: the forward and/or
gradient rule of named primitives), here ``fast_paths.OVERRIDES``, where fused
CUDA kernels will go; each must pass the same cross-checks as the rule it replaces.
"""

from ..autodiff import AutodiffBackend
from . import fast_paths
from .distribution import CupyDistribution

INSTALL_HINT = 'pip install "kerasette[cuda12]" (CUDA 12) or "kerasette[cuda13]" (CUDA 13)'


def _import_cupy():
    try:
        import cupy
    except ImportError as error:
        raise ImportError(
            f"The cupy backend needs CuPy, which is not installed ({error}). Install it with "
            f"{INSTALL_HINT}, or choose another backend: KERASETTE_BACKEND=numpy."
        ) from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDA driver missing or broken: CuPy raises its own runtime errors
        raise ImportError(
            f"CuPy is installed but no CUDA GPU is usable ({type(error).__name__}: {error}). "
            "The cupy backend needs an NVIDIA GPU with a working driver; on this machine use "
            "KERASETTE_BACKEND=numpy (CPU) or jax."
        ) from None
    if count == 0:
        raise ImportError(
            "CuPy is installed but found no CUDA GPU. The cupy backend needs an NVIDIA GPU; "
            "on this machine use KERASETTE_BACKEND=numpy (CPU) or jax."
        )
    return cupy


class CupyBackend(AutodiffBackend):
    """The reverse-mode engine on CuPy arrays."""

    def __init__(self, cupy):
        super().__init__(cupy, "cupy", fast_paths.OVERRIDES)
        #: data parallel over the GPUs of one machine, one process per GPU (NCCL)
        self.distribution_engine = CupyDistribution(self)

    def _to_numpy(self, array):
        return self.xp.asnumpy(array)


#: the backend object (one per process)
backend = CupyBackend(_import_cupy())
Tensor = backend.Tensor
