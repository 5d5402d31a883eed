"""kerasette.distribution on JAX's CPU devices: data parallel and model parallel training end
at the weights of one-device training, the batch and the kernel are truly split, two
processes joined by jax.distributed train as one, files move between one device and many,
and the errors say what to fix.

The multi-device runs need JAX started with several devices
(``XLA_FLAGS=--xla_force_host_platform_device_count``): they run in fresh interpreters
(``jax_worker.py``); one run does every single-process check.

Tolerance: the distributed runs reduce the gradients over devices in another order than one
device sums them; after 8 Adam steps (float32) the weights agree within 1e-6 (seen: 6e-8).
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

import kerasette
from kerasette import distribution

WORKER = os.path.join(os.path.dirname(__file__), "jax_worker.py")
TOLERANCE = 1e-6


def run_worker(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "KERASETTE_BACKEND")}
    return subprocess.Popen([sys.executable, WORKER, *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finished(process, timeout=180):
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"{process.args[2:]} did not finish in {timeout} s:\n{output[-3000:]}")
    assert process.returncode == 0, f"{process.args[2:]}:\n{output[-3000:]}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(path):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files if k != "results"}
        return json.loads(str(data["results"])), arrays


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The 4-device run and the two processes of the 2-host run, started together (each
    spends most of its time starting Python and JAX)."""
    pytest.importorskip("jax")
    folder = tmp_path_factory.mktemp("distribution")
    port = free_port()
    outs = [folder / "devices.npz", folder / "host0.npz", folder / "host1.npz"]
    processes = [run_worker("devices", outs[0])]
    processes += [run_worker("host", i, port, outs[1 + i]) for i in range(2)]
    try:
        for process in processes:
            finished(process)
    finally:
        for process in processes:  # a failed one leaves the others nothing to wait for
            if process.poll() is None:
                process.kill()
                process.communicate()
    return [load(out) for out in outs], folder


@pytest.fixture(scope="module")
def devices_run(runs):
    (results, arrays), _, _ = runs[0]
    return results, arrays, runs[1]


def weights(arrays, prefix):
    return [arrays[f"{prefix}_{i}"] for i in range(4)]


def assert_same_weights(actual, expected):
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=0, atol=TOLERANCE, err_msg=f"weight {i}")


def test_data_parallel_over_4_devices_ends_at_the_one_device_weights(devices_run):
    results, arrays, _ = devices_run
    assert results["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    assert_same_weights(weights(arrays, "data_parallel"), weights(arrays, "single"))
    # training moved the weights far beyond the tolerance: the check has teeth
    assert np.abs(arrays["single_0"] - arrays["initial_0"]).max() > 1000 * TOLERANCE


def test_data_parallel_splits_each_batch_and_replicates_the_variables(devices_run):
    results, _, _ = devices_run
    shape, spec, shard_rows, shards = results["fed"]
    assert shape == [8, 3] and spec == "P('batch', None)"
    assert shard_rows == [2] and shards == 4  # 8 samples: 2 on each of the 4 devices
    assert results["kernel_spec_data_parallel"] == "P(None, None)"


def test_model_parallel_splits_the_kernel_and_trains_as_one_device(devices_run):
    results, arrays, _ = devices_run
    assert results["kernel_spec_model_parallel"] == "P(None, 'model')"
    assert results["kernel_shard_shapes"] == [[3, 4]]  # (3, 8) split in 2 over "model"
    assert_same_weights(weights(arrays, "model_parallel"), weights(arrays, "single"))
    np.testing.assert_allclose(arrays["model_parallel_predict"], arrays["single_predict"],
                               rtol=0, atol=TOLERANCE)


def test_errors_say_what_to_fix(devices_run):
    results, _, _ = devices_run
    assert "batch of 6 samples cannot be split evenly over the 4 devices" in results["uneven"]
    assert "multiple of 4" in results["uneven"]
    assert "shape (3,) holds 3 devices but 4 devices were given" in results["bad_mesh"]
    assert "'dense/kernel'" in results["bad_layout_rank"]
    assert "one axis name (or None) per dimension" in results["bad_layout_rank"]


def test_files_move_between_one_device_and_several(devices_run):
    results, arrays, folder = devices_run
    # a file saved on one device, loaded under ModelParallel: laid out as the map says
    assert results["loaded_kernel_spec"] == "P(None, 'model')"
    np.testing.assert_allclose(arrays["loaded_predict"], arrays["single_predict"], rtol=0,
                               atol=TOLERANCE)
    # a file saved from the 4-device model loads here, on one device (numpy backend)
    with kerasette.backend.use("numpy"):
        model = kerasette.saving.load_model(str(folder / "data_parallel.keras"))
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_array_equal(w, arrays[f"data_parallel_{i}"])


def test_two_processes_through_jax_distributed_train_as_one(runs, devices_run):
    _, arrays, _ = devices_run
    for results, host in runs[0][1:]:
        assert results["process_count"] == 2
        assert len(results["devices"]) == 4  # 2 processes x 2 devices, every one listed
        # process 1 built its model from another seed and drew another shuffle seed: both
        # processes train process 0's model on process 0's order, as one process does
        assert_same_weights(weights(host, "weights"), weights(arrays, "single"))
        np.testing.assert_allclose(host["predict"], arrays["single_predict"], rtol=0,
                                   atol=TOLERANCE)


# ------------------------------------------------------------------ in this process
def test_numpy_backend_has_no_distribution():
    with kerasette.backend.use("numpy"):
        for call in (distribution.list_devices, distribution.DataParallel,
                     lambda: distribution.initialize("127.0.0.1:1234", 2, 0)):
            with pytest.raises(ValueError, match="numpy backend runs on one device.*jax"):
                call()


def test_a_distribution_set_on_jax_is_refused_by_fit_on_numpy():
    pytest.importorskip("jax")
    with kerasette.backend.use("jax"):
        data_parallel = distribution.DataParallel()
    with data_parallel.scope(), kerasette.backend.use("numpy"):
        model = kerasette.Sequential([kerasette.Input((3,)), kerasette.layers.Dense(2)])
        model.compile("sgd", "mse")
        with pytest.raises(ValueError, match="DataParallel distribution: the numpy backend"):
            model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert distribution.distribution() is None


def test_initialize_after_jax_started_says_it_must_come_first():
    jax = pytest.importorskip("jax")
    jax.devices()  # this process has started JAX (the tests have); make sure of it
    with kerasette.backend.use("jax"):
        with pytest.raises(RuntimeError, match="initialize\\(\\) must come first"):
            distribution.initialize("127.0.0.1:9", num_processes=2, process_id=1)


def test_api_follows_keras(keras):
    """The mesh, layouts and layout map of Keras 3 (on the one device of this process)."""
    pytest.importorskip("jax")
    with kerasette.backend.use("jax"):
        for module in (keras.distribution, distribution):
            devices = module.list_devices()
            data_parallel = module.DataParallel(devices=devices)
            mesh = module.DeviceMesh((1, 1), ["batch", "model"], devices)
            layout_map = module.LayoutMap(mesh)
            layout_map["dense.*kernel"] = (None, "model")
            layout_map["conv/bias"] = module.TensorLayout(("model",))
            found = (devices, data_parallel.device_mesh.shape,
                     list(data_parallel.device_mesh.axis_names), data_parallel.batch_dim_name,
                     data_parallel.get_data_layout((8, 3, 2)).axes,
                     layout_map["dense_1/kernel"].axes, layout_map["a/dense_1/kernel"],
                     layout_map["conv/bias"].axes,
                     layout_map["other"], layout_map["conv/bias"].device_mesh is mesh,
                     module.ModelParallel(layout_map=layout_map).batch_dim_name, len(layout_map))
            if module is keras.distribution:
                expected = found
            else:
                assert found == expected
            with pytest.raises(ValueError):
                module.DeviceMesh((2,), ["batch"], devices)
