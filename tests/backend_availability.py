"""Which backends the tests can run here, for ``tests/conftest.py`` and the tests that need
to know (a module of its own name: ``from conftest import`` would find whichever of the
suite's conftest.py files was imported first).

Without a real CuPy, ``cupy`` is the CPU stand-in of ``tests/cupy_standin``, put first on
``sys.path`` when this module is imported (by ``tests/conftest.py``, before any test).
"""

import importlib.util
import pathlib
import sys

#: whether the real CuPy is installed (else the stand-in plays it)
REAL_CUPY = importlib.util.find_spec("cupy") is not None
if not REAL_CUPY:
    sys.path.insert(0, str(pathlib.Path(__file__).parent / "cupy_standin"))


def unavailable(name, standin_ok=False):
    """Why backend ``name`` cannot run here, or None (``standin_ok``: cupy may run on the
    CPU stand-in)."""
    import kerasette
    if name == "cupy" and not REAL_CUPY and not standin_ok:
        return ("CuPy is not installed (the cupy backend needs an NVIDIA GPU; its CPU "
                "stand-in runs only the tests marked standin)")
    if name == "jax" and importlib.util.find_spec("jax") is None:
        return "JAX is not installed"
    try:
        kerasette.backend.get_backend(name)
    except Exception as error:
        return f"the {name} backend is unavailable ({type(error).__name__}: {error})"
    return None
