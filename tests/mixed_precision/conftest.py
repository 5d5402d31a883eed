"""Each test of mixed precision starts and ends with the float32 global policy, in kerasette
and (when a test loaded it) in the real Keras: the policy is process-wide state."""

import sys

import pytest

import kerasette


@pytest.fixture(autouse=True)
def float32_policy():
    """Resets the global dtype policy of both libraries after the test."""
    yield
    kerasette.mixed_precision.set_global_policy("float32")
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "mixed_precision"):
        keras.mixed_precision.set_global_policy("float32")
