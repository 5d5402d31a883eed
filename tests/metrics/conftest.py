"""Fixture for the metric tests: numpy and jax by name. Keras 3 (the ``keras`` fixture) comes from
``tests/conftest.py``."""

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
