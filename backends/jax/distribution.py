"""Several devices on JAX: ``jax.sharding`` meshes and layouts, ``jax.distributed`` hosts.

The engine behind :mod:`kerasette.distribution` on the jax backend (the contract is
:class:`~kerasette.backends.interface.DistributionEngine`). It only places arrays: a batch is
split over the mesh's batch axis (``NamedSharding``), variables are replicated or split as
their layout says, and the jit-compiled train step follows the data: XLA inserts the
all-reduce of the gradients itself (the way Keras 3 distributes on JAX).

Several hosts: :meth:`JaxDistribution.initialize` wraps ``jax.distributed.initialize``;
every process then runs the same script on the same data, and each feeds only its own
rows of each global batch to its local devices (``jax.make_array_from_process_local_data``).
"""

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ..interface import DistributionEngine


class JaxDistribution(DistributionEngine):
    """The jax backend's :class:`~kerasette.backends.interface.DistributionEngine`."""

    compiles_collectives = True

    def __init__(self):
        self._meshes = {}  # (shape, axis names, devices) -> jax Mesh

    def list_devices(self, device_type=None):
        devices = jax.devices(device_type.lower()) if device_type else jax.devices()
        return [f"{device.platform}:{device.id}" for device in devices]

    def initialize(self, job_addresses=None, num_processes=None, process_id=None):
        coordinator = job_addresses.split(",")[0].strip() if job_addresses else None
        # on CPUs the processes' collectives need an implementation: gloo, built into jaxlib
        # (a JAX without the option chooses by itself)
        if hasattr(jax.config, "jax_cpu_collectives_implementation"):
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        try:
            jax.distributed.initialize(coordinator_address=coordinator,
                                       num_processes=num_processes, process_id=process_id)
        except RuntimeError as error:
            if "must be called before" not in str(error):
                raise
            raise RuntimeError(
                "kerasette.distribution.initialize() must come first in the script, before "
                "any model, tensor or device query: JAX has already started its devices in "
                "this process.") from error

    def process_count(self):
        return jax.process_count()

    def process_index(self):
        return jax.process_index()

    def _mesh(self, mesh):
        shape, axis_names, devices = mesh
        key = (tuple(shape), tuple(axis_names), tuple(devices))
        found = self._meshes.get(key)
        if found is None:
            by_name = {f"{d.platform}:{d.id}": d for d in jax.devices()}
            unknown = [d for d in devices if d not in by_name]
            if unknown:
                raise ValueError(f"DeviceMesh: devices {unknown} are not devices of this job; "
                                 f"JAX has {sorted(by_name)}.")
            grid = np.array([by_name[d] for d in devices], dtype=object).reshape(shape)
            found = self._meshes[key] = Mesh(grid, tuple(axis_names))
        return found

    def _sharding(self, mesh, axes):
        return NamedSharding(self._mesh(mesh), PartitionSpec(*axes))

    def distribute_tensor(self, x, mesh, axes):
        sharding = self._sharding(mesh, axes)
        if isinstance(x, jax.Array):
            if x.sharding == sharding:
                return x
            if x.is_fully_addressable and sharding.is_fully_addressable:
                return jax.device_put(x, sharding)
        # every process holds the whole value: each places the pieces its devices hold
        host = np.asarray(self.to_numpy(x) if isinstance(x, jax.Array) else x)
        return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])

    def distribute_batch(self, x, mesh, axes):
        sharding = self._sharding(mesh, axes)
        x = np.asarray(x)
        size = x.shape[0]
        axis = axes[0]
        parts = int(np.prod([sharding.mesh.shape[a] for a in
                             ((axis,) if isinstance(axis, str) else axis)]))
        if size % parts:
            raise ValueError(
                f"A batch of {size} samples cannot be split evenly over the {parts} devices of "
                f"the mesh axis {axis!r}: use a batch_size that is a multiple of {parts} (and "
                f"a number of samples that is one too, so the last batch is not partial).")
        count, index = jax.process_count(), jax.process_index()
        local = x[index * size // count:(index + 1) * size // count]
        return jax.make_array_from_process_local_data(sharding, local, x.shape)

    def reduce_gradients(self, gradients):
        return gradients  # the compiled step's all-reduce, inserted by XLA

    def broadcast_values(self, values):
        if jax.process_count() == 1:
            return values
        # process 0's values, even where the others drew theirs from other seeds
        from jax.experimental import multihost_utils
        return list(multihost_utils.broadcast_one_to_all([self.to_numpy(v) for v in values]))

    def to_numpy(self, x):
        if isinstance(x, jax.Array) and not x.is_fully_addressable and (
                not x.is_fully_replicated):
            from jax.experimental import multihost_utils
            return np.asarray(multihost_utils.process_allgather(x, tiled=True))
        return np.asarray(x)
