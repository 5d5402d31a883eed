"""Choosing the backend: environment variable, config file, default, use(), errors."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kerasette
from kerasette import backend as kbackend
from kerasette import ops


def run_python(code, env_extra=None, home=None):
    """Runs ``code`` in a fresh interpreter (the backend is chosen at import)."""
    env = {k: v for k, v in os.environ.items() if k != "KERASETTE_BACKEND"}
    if home is not None:
        env["HOME"] = str(home)
    env.update(env_extra or {})
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            capture_output=True, text=True, timeout=120)
    return result


def test_default_is_numpy(tmp_path):
    result = run_python("import kerasette; print(kerasette.backend.backend())", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "numpy"


def test_environment_variable_wins_over_config_file(tmp_path):
    (tmp_path / ".kerasette").mkdir()
    (tmp_path / ".kerasette" / "kerasette.json").write_text(json.dumps({"backend": "numpy"}))
    result = run_python("import kerasette; print(kerasette.backend.backend())",
                        env_extra={"KERASETTE_BACKEND": "jax"}, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "jax"


def test_config_file_is_read_and_never_written(tmp_path):
    folder = tmp_path / ".kerasette"
    folder.mkdir()
    path = folder / "kerasette.json"
    path.write_text(json.dumps({"backend": "jax", "floatx": "float64", "epsilon": 1e-5,
                                "image_data_format": "channels_first"}))
    before = path.read_bytes()
    result = run_python("""
        import kerasette
        from kerasette import config
        print(kerasette.backend.backend(), config.floatx(), config.epsilon(), config.image_data_format())
    """, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["jax", "float64", "1e-05", "channels_first"]
    assert path.read_bytes() == before
    assert sorted(os.listdir(folder)) == ["kerasette.json"]


def test_no_config_file_is_created(tmp_path):
    result = run_python("import kerasette", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / ".kerasette").exists()


def test_unknown_backend_lists_valid_names(tmp_path):
    result = run_python("import kerasette", env_extra={"KERASETTE_BACKEND": "tensorflow"}, home=tmp_path)
    assert result.returncode != 0
    assert "Unknown kerasette backend 'tensorflow'" in result.stderr
    for name in ("numpy", "cupy", "jax"):
        assert name in result.stderr


def test_missing_jax_says_how_to_install(tmp_path):
    result = run_python("""
        import sys
        sys.modules["jax"] = None   # as if JAX were not installed
        import kerasette
    """, env_extra={"KERASETTE_BACKEND": "jax"}, home=tmp_path)
    assert result.returncode != 0
    assert 'pip install "kerasette[jax]"' in result.stderr


def test_cupy_without_cupy_or_gpu_says_which_and_how(tmp_path):
    result = run_python("""
        import sys
        sys.modules["cupy"] = None   # as if CuPy were not installed
        import kerasette
    """, env_extra={"KERASETTE_BACKEND": "cupy"}, home=tmp_path)
    assert result.returncode != 0
    assert "CuPy, which is not installed" in result.stderr
    assert "kerasette[cuda12]" in result.stderr and "KERASETTE_BACKEND=numpy" in result.stderr


def test_cupy_installed_but_no_gpu_message(tmp_path):
    # a stand-in CuPy whose runtime finds no device, as on a machine without a GPU
    fake = tmp_path / "fake" / "cupy"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(textwrap.dedent("""
        class _Runtime:
            @staticmethod
            def getDeviceCount():
                raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
        class cuda:
            runtime = _Runtime
        ndarray = object
    """))
    result = run_python("import kerasette", home=tmp_path,
                        env_extra={"KERASETTE_BACKEND": "cupy", "PYTHONPATH": str(fake.parent)})
    assert result.returncode != 0
    assert "no CUDA GPU is usable" in result.stderr
    assert "cudaErrorNoDevice" in result.stderr


def test_use_switches_inside_one_process():
    pytest.importorskip("jax")
    assert kbackend.backend() == "numpy"
    with kbackend.use("jax") as jax_backend:
        assert kbackend.backend() == "jax"
        y = ops.exp(np.zeros(3, dtype="float32"))
        assert type(y).__module__.startswith("jax")
        assert jax_backend.name == "jax"
    assert kbackend.backend() == "numpy"
    z = ops.exp(np.zeros(3, dtype="float32"))
    assert z.backend == "numpy"


def test_use_restores_after_an_exception():
    pytest.importorskip("jax")
    with pytest.raises(KeyError):
        with kbackend.use("jax"):
            raise KeyError("boom")
    assert kbackend.backend() == "numpy"


def test_tensors_and_variables_know_their_backend_and_mixing_raises():
    pytest.importorskip("jax")
    x = ops.convert_to_tensor(np.ones(3, dtype="float32"))
    v = kerasette.Variable(np.ones(3), name="w")
    assert x.backend == "numpy" and v.backend == "numpy"
    with kbackend.use("jax"):
        y = ops.ones((3,))
        with pytest.raises(ValueError, match="Cannot mix backends"):
            ops.add(x, y)
        with pytest.raises(ValueError, match="Cannot mix backends"):
            ops.multiply(v, 2.0)
    with pytest.raises(ValueError, match="Cannot mix backends"):
        ops.add(x, y)
