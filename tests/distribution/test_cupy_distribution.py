"""Data parallel on the cupy backend (NCCL, one process per GPU), run on the CPU stand-in for
CuPy with a stand-in communicator: two replicas, each a thread, exchange their arrays
through shared memory where NCCL would through the GPUs. What runs is the engine's own
logic (process 0's weights broadcast, each replica's rows of the batch, the gradients'
all-reduce and average) and the trainer's use of it; NCCL itself needs several GPUs.
"""

import threading

import numpy as np
import pytest

import kerasette
from kerasette import distribution

# the suite's `backend` fixture, cupy only (the stand-in where CuPy is missing)
pytestmark = [pytest.mark.standin, pytest.mark.parametrize("backend", ["cupy"], indirect=True)]


class StandinWorld:
    """The replicas of a job, threads of this process: a collective waits for every one."""

    def __init__(self, size):
        self.size = size
        self._barrier = threading.Barrier(size, timeout=60)
        self._slots = [None] * size
        self._ranks = {}  # thread id -> rank
        self.calls = []

    def join(self, rank):
        self._ranks[threading.get_ident()] = rank

    # the communicator's interface (NcclCommunicator's), for the calling thread's replica
    @property
    def rank(self):
        return self._ranks[threading.get_ident()]

    def all_reduce_sum(self, array):
        self._slots[self.rank] = array.copy()
        self._barrier.wait()
        total = self._slots[0]
        for other in self._slots[1:]:
            total = total + other
        self._barrier.wait()
        array[...] = total
        self.calls.append(("all_reduce_sum", self.rank))

    def broadcast(self, array, root=0):
        if self.rank == root:
            self._slots[root] = array.copy()
        self._barrier.wait()
        array[...] = self._slots[root]
        self._barrier.wait()
        self.calls.append(("broadcast", self.rank))


def run_replicas(world, function):
    """``function(rank)`` in one thread per replica; their results by rank."""
    results, errors = [None] * world.size, []

    def replica(rank):
        world.join(rank)
        try:
            results[rank] = function(rank)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
            world._barrier.abort()
    threads = [threading.Thread(target=replica, args=(rank,)) for rank in range(world.size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def make_data():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(16, 3)).astype("float32"),
            rng.normal(size=(16, 2)).astype("float32"))


def make_model(seed):
    kerasette.utils.set_random_seed(seed)
    model = kerasette.Sequential([kerasette.Input((3,)), kerasette.layers.Dense(4, activation="tanh"),
                                  kerasette.layers.Dense(2)])
    model.compile(kerasette.optimizers.SGD(0.1), "mse")
    return model


def test_two_replicas_train_as_one_gpu(backend):
    x, y = make_data()
    reference = make_model(seed=1)
    reference.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)

    engine = backend.distribution_engine
    world = StandinWorld(2)
    models = [make_model(seed=1 + rank) for rank in range(2)]  # replica 1 starts elsewhere
    engine.communicator = world
    try:
        with distribution.DataParallel(devices=["gpu:0", "gpu:1"]).scope():
            fed_rows = []
            original = engine.distribute_batch

            def recording(x, mesh, axes):
                result = original(x, mesh, axes)
                fed_rows.append((world.rank, backend.convert_to_numpy(result)))
                return result
            engine.distribute_batch = recording
            run_replicas(world, lambda rank: models[rank].fit(
                x, y, batch_size=8, epochs=2, shuffle=False, verbose=0))
    finally:
        engine.communicator = None
        del engine.distribute_batch
    # the replicas hold process 0's model trained on the whole batches: the reference's
    for model in models:
        for got, expected in zip(model.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    # each replica fed its half of each batch of 8: rows 0-3 to replica 0, 4-7 to replica 1
    first_batch = {}
    for rank, rows in fed_rows:
        if rows.shape[1] == 3:  # x (y has 2 columns)
            first_batch.setdefault(rank, rows)
    np.testing.assert_array_equal(first_batch[0], x[0:4])
    np.testing.assert_array_equal(first_batch[1], x[4:8])
    assert ("broadcast", 1) in world.calls and ("all_reduce_sum", 1) in world.calls


def test_one_gpu_trains_as_plain_training_with_a_notice(backend):
    x, y = make_data()
    reference = make_model(seed=1)
    reference.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model = make_model(seed=1)
    backend.distribution_engine._noticed = False
    with distribution.DataParallel(devices=["gpu:0"]).scope():
        with pytest.warns(UserWarning, match="one process on one GPU.*plain one-GPU training"):
            model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)


def test_cupy_refuses_what_it_cannot_do(backend):
    engine = backend.distribution_engine
    assert distribution.list_devices() == ["gpu:0"]
    with pytest.raises(NotImplementedError, match="data only.*ModelParallel"):
        distribution.distribute_tensor(np.ones((2, 4), "float32"), distribution.TensorLayout(
            (None, "model"), distribution.DeviceMesh((1, 1), ["batch", "model"], ["gpu:0"])))
    world = StandinWorld(2)
    world.join(1)
    engine.communicator = world
    try:
        with pytest.raises(ValueError, match="batch of 5 samples.*2 GPU processes.*multiple of 2"):
            engine.distribute_batch(np.ones((5, 3), "float32"), None, ("batch", None))
    finally:
        engine.communicator = None
    with pytest.raises(ValueError, match="needs job_addresses"):
        engine.initialize(None, num_processes=2, process_id=0)
