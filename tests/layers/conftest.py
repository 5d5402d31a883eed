"""Fixtures for the layer tests: every available backend, and the real Keras 3 as the reference."""

import os

import pytest

import kerasette


@pytest.fixture(params=["numpy", "jax"])
def backend(request):
    """Runs the test with ``request.param`` active; skipped when that backend cannot load."""
    try:
        kerasette.backend.get_backend(request.param)
    except ImportError as error:
        pytest.skip(f"the {request.param} backend is not available: {error}")
    with kerasette.backend.use(request.param):
        yield request.param


@pytest.fixture(scope="session")
def keras():
    """The keras package on its JAX backend (skipped when it is not installed)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip(f"keras runs on {keras.backend.backend()}, the reference needs KERAS_BACKEND=jax")
    return keras
