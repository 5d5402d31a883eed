"""Importing kerasette changes no JAX setting; float64 work still gets float64.

``jax_enable_x64`` is process-wide, so each check runs in a fresh interpreter.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("jax")


def _run(script, floatx=None):
    """Runs ``script`` with the jax backend in a fresh process; returns what it printed
    as JSON on its last line."""
    env = dict(os.environ, KERASETTE_BACKEND="jax", JAX_PLATFORMS="cpu")
    env.pop("JAX_ENABLE_X64", None)
    prelude = textwrap.dedent("""
        import json
        import jax
        before = bool(jax.config.jax_enable_x64)
        import numpy as np
        import kerasette as keras
        from kerasette import ops
    """)
    result = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_and_float32_training_leave_x64_off():
    out = _run("""
        after_import = bool(jax.config.jax_enable_x64)
        rng = np.random.default_rng(0)
        x = rng.random((64, 4))  # float64 data: fit casts it to floatx
        y = rng.integers(0, 3, 64)  # int64 labels
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(3)])
        model.compile(optimizer="adam", metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        predictions = model.predict(x, verbose=0)
        model.evaluate(x, y, verbose=0)
        tensor = ops.add(ops.convert_to_tensor([1.0, 2.0]), 1.5)
        print(json.dumps({
            "before": before, "after_import": after_import,
            "after_training": bool(jax.config.jax_enable_x64),
            "user_default": str(jax.numpy.array(1.0).dtype),
            "prediction_dtype": str(predictions.dtype), "tensor_dtype": ops.dtype(tensor),
        }))
    """)
    assert out == {"before": False, "after_import": False, "after_training": False,
                   "user_default": "float32", "prediction_dtype": "float32",
                   "tensor_dtype": "float32"}


@pytest.mark.parametrize("request_float64", [
    "ops.convert_to_tensor([1.0, 2.0], dtype='float64')",
    "ops.cast(ops.convert_to_tensor([1.0, 2.0]), 'float64')",
    "keras.Variable(np.array([1.0, 2.0]), dtype='float64').value",
    "ops.add(np.array([1.0, 2.0]), 1.0)",  # float64 data handed to an op
])
def test_float64_asked_for_gives_float64(request_float64):
    out = _run(f"""
        value = {request_float64}
        total = ops.sum(ops.multiply(value, value))
        print(json.dumps({{"dtype": ops.dtype(value), "sum_dtype": ops.dtype(total),
                          "x64": bool(jax.config.jax_enable_x64)}}))
    """)
    assert out == {"dtype": "float64", "sum_dtype": "float64", "x64": True}


def test_floatx_float64_gives_float64_weights():
    out = _run("""
        keras.config.set_floatx("float64")
        layer = keras.layers.Dense(2)
        y = layer(np.ones((1, 3)))
        print(json.dumps({"kernel": str(layer.kernel.dtype), "output": ops.dtype(y),
                          "x64": bool(jax.config.jax_enable_x64)}))
    """)
    assert out == {"kernel": "float64", "output": "float64", "x64": True}
