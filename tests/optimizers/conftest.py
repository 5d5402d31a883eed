"""Fixture of the optimizer tests: Keras 3 (on JAX) as the reference.

Every backend comes from the shared ``backend`` fixture (``tests/conftest.py``).
"""

import os

import pytest


@pytest.fixture(scope="session")
def keras():
    """The real Keras 3 package on its JAX backend; the test is skipped without it."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip(f"Keras runs on {keras.backend.backend()!r}; the reference needs "
                    "KERAS_BACKEND=jax")
    return keras
