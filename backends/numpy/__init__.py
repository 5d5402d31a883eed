"""The numpy backend: the autodiff engine bound to numpy (CPU)."""

import numpy

from ..autodiff import AutodiffBackend


class NumpyBackend(AutodiffBackend):
    """kerasette's default backend: the reverse-mode engine on numpy arrays."""

    def __init__(self):
        super().__init__(numpy, "numpy")


#: the backend object (one per process)
backend = NumpyBackend()
Tensor = backend.Tensor
