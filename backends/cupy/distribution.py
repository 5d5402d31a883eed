"""Several GPUs of one machine on CuPy: data parallel with NCCL, one process per GPU.

The engine behind :mod:`kerasette.distribution` on the cupy backend (the contract is
:class:`~kerasette.backends.interface.DistributionEngine`). Each process drives one GPU,
runs the same script on the same data, and:

- starts from process 0's weights (:meth:`CupyDistribution.broadcast_values`, an NCCL
  broadcast), so every replica holds the same model;
- computes each global batch's gradients on its own rows of the batch
  (:meth:`~CupyDistribution.distribute_batch`: process ``r`` of ``n`` takes rows
  ``[r*b/n, (r+1)*b/n)``);
- averages the gradients over the processes (:meth:`~CupyDistribution.reduce_gradients`,
  an NCCL all-reduce, then a division by ``n``) before the optimizer's update, so every
  replica applies the same update: the gradient of the mean loss over the global batch.

Only data parallel: a layout that splits a variable (``ModelParallel``) is refused. On one
GPU (or before :meth:`~CupyDistribution.initialize`) training is plain one-device training,
with a notice. The collectives go through a small communicator (:class:`NcclCommunicator`)
so that the logic above runs on the CPU with a stand-in communicator in the tests.
"""

import os
import socket
import time
import warnings

from ..interface import DistributionEngine


class NcclCommunicator:
    """``cupy.cuda.nccl.NcclCommunicator`` for whole arrays: in-place sum and broadcast.

    Args:
        nccl: the module ``cupy.cuda.nccl``.
        size, rank: the number of processes and this one's index.
        unique_id: the NCCL id that every process of the job shares.
    """

    def __init__(self, nccl, size, rank, unique_id):
        self.nccl, self.size, self.rank = nccl, size, rank
        self._communicator = nccl.NcclCommunicator(size, unique_id, rank)

    def _dtype(self, array):
        names = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32",
                 "float64": "NCCL_FLOAT64", "int32": "NCCL_INT32", "int64": "NCCL_INT64"}
        return getattr(self.nccl, names[array.dtype.name])

    def all_reduce_sum(self, array):
        """Replaces ``array`` (a contiguous cupy array) by its sum over the processes."""
        import cupy
        self._communicator.allReduce(array.data.ptr, array.data.ptr, array.size,
                                     self._dtype(array), self.nccl.NCCL_SUM,
                                     cupy.cuda.get_current_stream().ptr)

    def broadcast(self, array, root=0):
        """Replaces ``array`` by process ``root``'s."""
        import cupy
        self._communicator.bcast(array.data.ptr, array.size, self._dtype(array), root,
                                 cupy.cuda.get_current_stream().ptr)


class CupyDistribution(DistributionEngine):
    """The cupy backend's :class:`~kerasette.backends.interface.DistributionEngine`.

    Args:
        backend: the cupy backend (its ``xp`` and ``Tensor``).
        communicator: an object with ``size``, ``rank``, ``all_reduce_sum(array)`` and
            ``broadcast(array, root)`` (in place); None until :meth:`initialize` makes an
            :class:`NcclCommunicator` (tests pass a stand-in).
    """

    #: NCCL calls are host calls: a step that makes them runs eagerly
    compiles_collectives = False

    def __init__(self, backend, communicator=None):
        self.backend = backend
        self.communicator = communicator
        self._noticed = False

    def list_devices(self, device_type=None):
        if device_type and device_type.lower() != "gpu":
            return []
        return [f"gpu:{i}" for i in range(self.backend.xp.cuda.runtime.getDeviceCount())]

    def initialize(self, job_addresses=None, num_processes=None, process_id=None):
        xp = self.backend.xp
        count = xp.cuda.runtime.getDeviceCount()
        size = int(num_processes or count)
        rank = int(process_id or 0)
        if size <= 1:
            self._notice()
            return
        if not job_addresses:
            raise ValueError(
                "distribution.initialize on the cupy backend needs job_addresses (the "
                "coordinator's 'host:port', which process 0 listens on) with num_processes "
                f"and process_id; got job_addresses={job_addresses!r}.")
        xp.cuda.Device(rank % count).use()  # one GPU per process
        from cupy.cuda import nccl
        host, port = job_addresses.split(",")[0].strip().rsplit(":", 1)
        unique_id = _share_unique_id(nccl, host, int(port), size, rank)
        self.communicator = NcclCommunicator(nccl, size, rank, unique_id)

    def _notice(self):
        if not self._noticed:
            self._noticed = True
            warnings.warn("kerasette.distribution on the cupy backend: one process on one GPU, "
                          "so training is plain one-GPU training (start one process per GPU "
                          "and call kerasette.distribution.initialize to use several).",
                          stacklevel=3)

    def process_count(self):
        return 1 if self.communicator is None else self.communicator.size

    def process_index(self):
        return 0 if self.communicator is None else self.communicator.rank

    def distribute_tensor(self, x, mesh, axes):
        if any(axis is not None for axis in axes):
            raise NotImplementedError(
                f"The cupy backend distributes data only (DataParallel): it cannot split a "
                f"variable over the mesh axes {tuple(axes)}. Use the jax backend for "
                "ModelParallel.")
        return self.backend.convert_to_tensor(x)

    def distribute_batch(self, x, mesh, axes):
        size, count, rank = len(x), self.process_count(), self.process_index()
        if count == 1:
            self._notice()
        if size % count:
            raise ValueError(
                f"A batch of {size} samples cannot be split evenly over the {count} GPU "
                f"processes: use a batch_size that is a multiple of {count} (and a number of "
                "samples that is one too, so the last batch is not partial).")
        return self.backend.convert_to_tensor(x[rank * size // count:(rank + 1) * size // count])

    def reduce_gradients(self, gradients):
        if self.communicator is None or self.communicator.size == 1:
            return gradients
        reduced = []
        for gradient in gradients:
            if gradient is None:
                reduced.append(None)
                continue
            array = self._contiguous_copy(gradient)
            self.communicator.all_reduce_sum(array)
            array /= self.communicator.size
            reduced.append(self.backend.Tensor(array))
        return reduced

    def broadcast_values(self, values):
        if self.communicator is None or self.communicator.size == 1:
            return values
        result = []
        for value in values:
            array = self._contiguous_copy(value)
            self.communicator.broadcast(array, 0)
            result.append(self.backend.Tensor(array))
        return result

    def to_numpy(self, x):
        return self.backend.convert_to_numpy(x)

    def _contiguous_copy(self, tensor):
        """A C-contiguous copy of the raw ``xp`` array of ``tensor`` (its shape kept, 0-d
        too), which NCCL may overwrite."""
        array = tensor.data if isinstance(tensor, self.backend.Tensor) else tensor
        return self.backend.xp.array(array, copy=True, order="C")


def _share_unique_id(nccl, host, port, size, rank):
    """The NCCL id made by process 0 and sent to the others over TCP (``host:port``: the
    coordinator, process 0's machine)."""
    if rank == 0:
        unique_id = nccl.get_unique_id()
        payload = ",".join(str(int(b)) for b in unique_id).encode()
        with socket.create_server((host, port)) as server:
            for _ in range(size - 1):
                connection, _ = server.accept()
                with connection:
                    connection.sendall(payload + b"\n")
        return unique_id
    # process 0 may not listen yet: try again until the timeout
    deadline = time.monotonic() + float(os.environ.get("KERASETTE_DISTRIBUTION_TIMEOUT", "120"))
    while True:
        try:
            connection = socket.create_connection((host, port), timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"distribution.initialize: process {rank} could not reach "
                                   f"process 0 at {host}:{port}.") from None
            time.sleep(0.2)
    with connection:
        data = b""
        while not data.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            data += chunk
    return tuple(int(b) for b in data.decode().strip().split(","))
