"""Each test of mixed precision starts and ends with the float32 global policy, in kerasette
and (when a test loaded it) in the real Keras: the policy is process-wide state."""

import sys

import pytest

import kerasette


@pytest.fixture(autouse=True)
def float32_policy():
    """Resets the global dtype policy of both libraries after the test: kerasette's to none
    set (the policy of ``floatx()``, as at startup: an explicit "float32" left behind would
    outlive a later ``set_floatx("float64")``)."""
    yield
    kerasette.dtype_policies.reset_dtype_policy()
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "mixed_precision"):
        keras.mixed_precision.set_global_policy("float32")
