"""Fixtures for the model-API tests: the real Keras 3 (JAX backend) as the reference, and
a fixed seed for every test.

The ``backend`` fixture (every available kerasette backend, active for the test) comes from
``tests/conftest.py``; models must be built inside the test, where it is active.
"""

import pytest

import kerasette


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same kerasette seed, so its numbers repeat run after run."""
    kerasette.utils.set_random_seed(2024)
