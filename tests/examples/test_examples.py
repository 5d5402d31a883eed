"""Every example runs (``KERASETTE_MAX_STEPS=2``: a couple of training steps each) and prints
the numbers it promises, and those numbers say what the example claims.

Each example runs as a subprocess on the numpy backend, in a temporary folder (its PNGs go
there, through ``--out`` where it takes one), with dataset downloads pointed at a closed
port on 127.0.0.1: an example never touches the network. The Fashion-MNIST examples are
skipped when the data is not on disk.
"""

import ast
import importlib.util
import os
import re
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from backend_availability import REAL_CUPY

import kerasette

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
HAS_JAX = importlib.util.find_spec("jax") is not None
HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None
NUMBER = r"([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"

needs_sklearn = pytest.mark.skipif(not HAS_SKLEARN, reason="the digits data needs scikit-learn")


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _fashion_mnist_on_disk():
    from kerasette.datasets import fashion_mnist, idx, loader
    return any(idx.find_idx_files(folder)
               for folder, _ in loader.search_folders(fashion_mnist.NAME,
                                                      fashion_mnist.SYSTEM_FOLDER))


needs_fashion = pytest.mark.skipif(
    not _fashion_mnist_on_disk(),
    reason="Fashion-MNIST is not on disk (apt-get install dataset-fashion-mnist)")


def run_example(name, tmp_path, *args):
    """Runs ``examples/<name>.py`` capped at 2 steps in ``tmp_path``; returns its stdout."""
    env = dict(os.environ, KERASETTE_MAX_STEPS="2", KERASETTE_BACKEND="numpy", MPLBACKEND="Agg",
               KERASETTE_DATASETS_MIRROR=f"http://127.0.0.1:{_closed_port()}/")
    result = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        f"examples/{name}.py exited with {result.returncode}\n--- stdout\n"
        f"{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}")
    return result.stdout


def number_after(label, text):
    """The number printed right after ``label`` (the last such line)."""
    found = re.findall(re.escape(label) + r"\s*" + NUMBER, text)
    assert found, f"no {label!r} followed by a number in the output:\n{text[-2000:]}"
    return float(found[-1])


def assert_plot(stdout, path):
    if HAS_MATPLOTLIB:
        assert f"saved to {path}" in stdout
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert "no plot" in stdout and not path.exists()


# ---------------------------------------------------------------------------- the examples
@needs_sklearn
def test_quickstart(tmp_path):
    stdout = run_example("quickstart", tmp_path, "--epochs", "1", "--out", str(tmp_path))
    assert 0.0 <= number_after("test accuracy:", stdout) <= 1.0
    assert "backend numpy" in stdout
    saved = tmp_path / "quickstart_digits.keras"
    with zipfile.ZipFile(saved) as archive:
        assert {"config.json", "metadata.json"} <= set(archive.namelist())
    assert number_after("it predicts the same (max difference", stdout) < 1e-6


@needs_sklearn
def test_mlp_gradient_tape(tmp_path):
    stdout = run_example("mlp_gradient_tape", tmp_path)
    assert 0.0 <= number_after("final test accuracy:", stdout) <= 1.0


@pytest.mark.slow
@needs_fashion
@pytest.mark.parametrize("name", ["fashion_mnist_mlp", "fashion_mnist_cnn"])
def test_fashion_mnist(name, tmp_path):
    stdout = run_example(name, tmp_path, "--out", str(tmp_path), "--epochs", "1")
    assert "60000 training and 10000 test images" in stdout
    accuracy = number_after("test accuracy:", stdout)
    # two steps of Adam from random weights: better than chance (0.1), far from trained
    assert 0.1 < accuracy < 0.9
    assert number_after("test loss:", stdout) > 0
    assert_plot(stdout, tmp_path / f"{name}_history.png")


@pytest.mark.slow
@needs_sklearn
def test_backend_swap(tmp_path):
    stdout = run_example("backend_swap", tmp_path)
    rows = re.findall(r"^(numpy|jax|cupy)\s+([0-9a-f]{12})\s+" + NUMBER + r"\s+" + NUMBER,
                      stdout, re.MULTILINE)
    assert [r[0] for r in rows][:1] == ["numpy"]
    if HAS_JAX:
        assert "jax" in [r[0] for r in rows]
    assert len({r[1] for r in rows}) == 1, "the initial-weight checksums differ"
    for _, _, loss, loss_vs_numpy in rows:
        assert float(loss) > 0 and float(loss_vs_numpy) < 1e-4
    assert "initial weights identical on every backend: True" in stdout
    if not REAL_CUPY:  # the example runs in its own process, without the tests' stand-in
        assert re.search(r"^cupy\s+skipped: ", stdout, re.MULTILINE)


@needs_sklearn
def test_functional_api(tmp_path):
    stdout = run_example("functional_api", tmp_path, "--epochs", "2")
    keys = ast.literal_eval(re.search(r"History keys: (\[.*\])", stdout).group(1))
    per_output = ["digit_sum_loss", "digit_sum_mean_absolute_error", "loss",
                  "same_digit_accuracy", "same_digit_loss"]
    assert sorted(keys) == sorted(per_output + [f"val_{k}" for k in per_output])
    results = ast.literal_eval(re.search(r"evaluate: (\{.*\})", stdout).group(1))
    assert sorted(results) == sorted(per_output)
    # the total is the weighted sum of the two outputs' losses (weights 0.1 and 1.0)
    assert results["loss"] == pytest.approx(
        0.1 * results["digit_sum_loss"] + results["same_digit_loss"], abs=2e-4)
    assert 0.0 <= results["same_digit_accuracy"] <= 1.0
    assert "has 2 weights (4160 numbers)" in stdout


@needs_sklearn
def test_custom_layer_and_model(tmp_path):
    stdout = run_example("custom_layer_and_model", tmp_path)
    # the hand-written loop and fit took the same steps
    assert number_after("max |weight difference| between the two models:", stdout) < 1e-5
    loop, fit = re.search(r"final loss: loop " + NUMBER + ", fit " + NUMBER, stdout).groups()
    assert float(loop) == pytest.approx(float(fit), abs=1e-5)
    assert "hidden/kernel (64, 64)" in stdout and "logits/kernel (64, 10)" in stdout


def test_gradients_by_hand(tmp_path):
    stdout = run_example("gradients_by_hand", tmp_path)
    differences = [float(d) for d in re.findall(r"max difference: " + NUMBER, stdout)]
    assert len(differences) == 2  # before and after training
    assert max(differences) < 1e-10
    if HAS_JAX:
        assert "JAX column skipped" not in stdout
        assert len(re.findall(r"^W1 .*\d\.\de-\d+\s+\d\.\de-\d+$", stdout, re.MULTILINE)) == 2
    else:
        assert "JAX column skipped" in stdout


@needs_sklearn
def test_vanishing_gradients(tmp_path):
    stdout = run_example("vanishing_gradients", tmp_path, "--out", str(tmp_path))
    table = {}
    for line in stdout.splitlines():
        match = re.match(r"^(\d+|output)\s+((?:\S+\s*){4})$", line)
        if match:
            table[match.group(1)] = [float(v) for v in match.group(2).split()]
    assert list(table) == [str(i) for i in range(1, 11)] + ["output"]
    zeros, uniform, glorot, sigmoid = zip(*table.values())
    assert all(v == 0 for v in zeros)
    assert max(uniform) < 1e-6 < min(glorot)
    assert min(glorot) > 1e-2
    # with the sigmoid, the gradient shrinks layer by layer toward the input
    assert sigmoid[0] < 1e-3 * sigmoid[9]
    assert all(a < b for a, b in zip(sigmoid[:10], sigmoid[1:10]))
    assert_plot(stdout, tmp_path / "vanishing_gradients.png")
    accuracies = re.findall(r"^(zeros|uniform|glorot|glorot\+sigmoid)\s+" + NUMBER + r"\s+"
                            + NUMBER, stdout, re.MULTILINE)
    assert [a[0] for a in accuracies] == ["zeros", "uniform", "glorot", "glorot+sigmoid"]


@pytest.mark.slow
@needs_fashion
def test_cpu_vs_gpu(tmp_path):
    stdout = run_example("cpu_vs_gpu", tmp_path, "--model", "mlp")
    row = re.search(r"^numpy\s+CPU\s+" + NUMBER + r"\s+" + NUMBER + r"\s+1\.0x\s+" + NUMBER,
                    stdout, re.MULTILINE)
    assert row, stdout
    ms_per_step, images_per_second, loss = map(float, row.groups())
    assert ms_per_step > 0 and loss > 0
    # images/s is the batch (128) over the time per step
    assert images_per_second == pytest.approx(128 / (ms_per_step / 1e3), rel=0.01, abs=1)
    if not REAL_CUPY:  # the example runs in its own process, without the tests' stand-in
        assert re.search(r"^cupy\s+GPU\s+skipped: no GPU/CuPy \(.+\)$", stdout, re.MULTILINE)
        return
    try:
        kerasette.backend.get_backend("cupy")
    except ImportError:
        assert re.search(r"^cupy\s+GPU\s+skipped: no GPU/CuPy \(.+\)$", stdout, re.MULTILINE)
    else:
        assert re.search(r"^cupy\s+GPU\s+" + NUMBER, stdout, re.MULTILINE)


def test_every_example_is_tested_and_documented():
    tested = {"quickstart", "mlp_gradient_tape", "fashion_mnist_mlp", "fashion_mnist_cnn",
              "backend_swap", "functional_api", "custom_layer_and_model", "gradients_by_hand",
              "vanishing_gradients", "cpu_vs_gpu"}
    examples = {p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert examples == tested
    for name in examples:
        source = (EXAMPLES / f"{name}.py").read_text()
        docstring = ast.get_docstring(ast.parse(source))
        assert docstring and f"examples/{name}.py" in docstring, f"{name}: how to run it?"
        assert "KERASETTE_MAX_STEPS" in source, f"{name} ignores KERASETTE_MAX_STEPS"
