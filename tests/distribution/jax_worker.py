"""Distributed runs on JAX's CPU devices, in a fresh interpreter (the device count is fixed
when JAX starts, and the test process has started it with one device).

    python jax_worker.py devices OUT            # 4 virtual devices: every single-process check
    python jax_worker.py host ID PORT OUT       # process ID of 2 (2 devices each), via
                                                # jax.distributed on 127.0.0.1:PORT

Writes its results to OUT (an .npz file): weights as arrays, the rest as one JSON string.
"""

import json
import os
import sys

mode = sys.argv[1]
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=" + (
    "4" if mode == "devices" else "2")
os.environ["KERASETTE_BACKEND"] = "jax"

import numpy as np  # noqa: E402

import kerasette as keras  # noqa: E402

distribution = keras.distribution
SAMPLES, BATCH, EPOCHS = 32, 8, 2


def data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(SAMPLES, 3)).astype("float32"),
            rng.normal(size=(SAMPLES, 2)).astype("float32"))


def make_model(seed=1):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="relu", name="dense"),
                              keras.layers.Dense(2, name="out")])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def train(seed=1):
    """The same run under whatever distribution is set: shuffled, several epochs."""
    x, y = data()
    model = make_model(seed)
    model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0)
    return model


def error_of(function):
    try:
        function()
    except Exception as error:  # the message is what the test checks
        return f"{type(error).__name__}: {error}"
    return None


def devices(out):
    results, arrays = {}, {}
    x, y = data()
    arrays["initial_0"] = make_model().get_weights()[0]
    single = train()
    arrays.update({f"single_{i}": w for i, w in enumerate(single.get_weights())})

    # DataParallel over 4 devices; record what the engine fed the step
    engine = keras.backend.get_backend().distribution_engine
    fed = []
    original = engine.distribute_batch

    def recording(x, mesh, axes):
        result = original(x, mesh, axes)
        fed.append((tuple(result.shape), str(result.sharding.spec),
                    sorted({shard.data.shape[0] for shard in result.addressable_shards}),
                    len(result.addressable_shards)))
        return result
    engine.distribute_batch = recording
    distribution.set_distribution(distribution.DataParallel())
    data_parallel = train()
    engine.distribute_batch = original
    arrays.update({f"data_parallel_{i}": w for i, w in enumerate(data_parallel.get_weights())})
    results["fed"] = fed[0]
    results["kernel_spec_data_parallel"] = str(data_parallel.layers[0].kernel.value.sharding.spec)
    results["devices"] = distribution.list_devices()
    results["uneven"] = error_of(lambda: make_model().fit(x[:6], y[:6], batch_size=6, verbose=0))
    path = os.path.join(os.path.dirname(out), "data_parallel.keras")
    data_parallel.save(path)

    # ModelParallel on a 2x2 mesh: the first kernel split over "model"
    mesh = distribution.DeviceMesh((2, 2), ["batch", "model"], distribution.list_devices())
    layout_map = distribution.LayoutMap(mesh)
    layout_map["dense.*kernel"] = (None, "model")
    distribution.set_distribution(distribution.ModelParallel(layout_map=layout_map,
                                                             batch_dim_name="batch"))
    model_parallel = train()
    kernel = model_parallel.layers[0].kernel.value
    results["kernel_spec_model_parallel"] = str(kernel.sharding.spec)
    results["kernel_shard_shapes"] = sorted({s.data.shape for s in kernel.addressable_shards})
    arrays.update({f"model_parallel_{i}": w for i, w in enumerate(model_parallel.get_weights())})
    arrays["model_parallel_predict"] = model_parallel.predict(x, batch_size=BATCH, verbose=0)
    arrays["single_predict"] = single.predict(x, batch_size=BATCH, verbose=0)
    results["bad_mesh"] = error_of(lambda: distribution.DeviceMesh((3,), ["batch"]))
    results["bad_layout_rank"] = error_of(lambda: _layout_rank_error(x, y))

    # a file saved on one device loads under the distribution and is laid out as it says
    single_path = os.path.join(os.path.dirname(out), "single.keras")
    single.save(single_path)
    loaded = keras.saving.load_model(single_path)
    arrays["loaded_predict"] = loaded.predict(x, batch_size=BATCH, verbose=0)
    results["loaded_kernel_spec"] = str(loaded.layers[0].kernel.value.sharding.spec)
    distribution.set_distribution(None)
    np.savez(out, results=json.dumps(results), **arrays)


def _layout_rank_error(x, y):
    mesh = distribution.DeviceMesh((2, 2), ["batch", "model"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map["dense/kernel"] = ("model",)
    with distribution.ModelParallel(layout_map=layout_map).scope():
        make_model().fit(x, y, batch_size=BATCH, verbose=0)


def host(process_id, port, out):
    distribution.initialize(f"127.0.0.1:{port}", num_processes=2, process_id=int(process_id))
    results = {"process_count": keras.backend.get_backend().distribution_engine.process_count(),
               "devices": distribution.list_devices()}
    distribution.set_distribution(distribution.DataParallel())
    # process 1 draws other initial weights and another shuffle seed: both are process 0's
    # once the processes agree (broadcast)
    model = train(seed=1 + int(process_id))
    arrays = {f"weights_{i}": w for i, w in enumerate(model.get_weights())}
    arrays["predict"] = model.predict(data()[0], batch_size=BATCH, verbose=0)
    np.savez(out, results=json.dumps(results), **arrays)


if __name__ == "__main__":
    if mode == "devices":
        devices(sys.argv[2])
    else:
        host(*sys.argv[2:5])
