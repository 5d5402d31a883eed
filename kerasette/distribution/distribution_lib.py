"""Keras 3's ``keras.distribution``: device meshes, layouts, and the distribution that
``fit``/``evaluate``/``predict`` follow.

kerasette does not distribute by itself: it asks the backend's engine for several devices
(the capability ``Backend.distribution_engine``), JAX's ``jax.sharding`` and
``jax.distributed`` on the jax backend, NCCL on cupy. The numpy backend has none and says so.
"""

import contextlib
import os
import re
from collections.abc import MutableMapping

import numpy as np

from kerasette import backend as kbackend
from kerasette.backends import tree

# the distribution set by set_distribution (process-wide, as in Keras 3)
_distribution = None


def _engine(what):
    """The active backend's distribution engine; a ValueError naming ``what`` when it has
    none."""
    backend = kbackend.get_backend()
    engine = backend.distribution_engine
    if engine is None:
        raise ValueError(
            f"{what}: the {backend.name} backend runs on one device and has no distribution. "
            "Use KERASETTE_BACKEND=jax (several devices or hosts, jax.sharding) or "
            "KERASETTE_BACKEND=cupy (several GPUs of one machine, NCCL), or unset the "
            "distribution: kerasette.distribution.set_distribution(None).")
    return engine


def list_devices(device_type=None):
    """The devices of the job, e.g. ``["cpu:0", "cpu:1"]`` (every process's on several hosts).

    Args:
        device_type: "cpu", "gpu" or "tpu" to list only those; None for the backend's
            default devices.
    """
    return _engine("list_devices()").list_devices(device_type)


def get_device_count(device_type=None):
    """How many devices :func:`list_devices` lists."""
    return len(list_devices(device_type))


def _from_environment(value, name, convert=str):
    if value is not None:
        return value
    for prefix in ("KERASETTE_DISTRIBUTION_", "KERAS_DISTRIBUTION_"):
        found = os.environ.get(prefix + name)
        if found:
            return convert(found)
    return None


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Joins a job of several processes (hosts, or GPUs of one machine on cupy). Call it
    first in every process, before building a model.

    Args:
        job_addresses: comma-separated ``"host:port"`` addresses whose first is the
            coordinator's (process 0's); default: ``$KERASETTE_DISTRIBUTION_JOB_ADDRESSES``
            (or Keras's ``$KERAS_DISTRIBUTION_JOB_ADDRESSES``). On JAX, None lets
            ``jax.distributed.initialize`` find it on clusters it knows (Slurm, Cloud TPU).
        num_processes: how many processes take part; default
            ``$KERASETTE_DISTRIBUTION_NUM_PROCESSES`` (or ``$KERAS_...``).
        process_id: this process's index, from 0; default
            ``$KERASETTE_DISTRIBUTION_PROCESS_ID`` (or ``$KERAS_...``).

    Example (two hosts, the same script on each)::

        kerasette.distribution.initialize("10.0.0.1:1234", num_processes=2, process_id=0)
        kerasette.distribution.set_distribution(kerasette.distribution.DataParallel())
    """
    engine = _engine("initialize()")
    engine.initialize(_from_environment(job_addresses, "JOB_ADDRESSES"),
                      _from_environment(num_processes, "NUM_PROCESSES", int),
                      _from_environment(process_id, "PROCESS_ID", int))


class DeviceMesh:
    """Devices arranged in a grid with named axes (e.g. ``"batch"``, ``"model"``).

    Args:
        shape: the grid's shape; its product is the number of devices.
        axis_names: one name per axis of ``shape``.
        devices: the devices (strings of :func:`list_devices`), in row-major order over
            ``shape``; default: every device of the job.

    Example:
        >>> mesh = DeviceMesh((2, 2), ["batch", "model"], list_devices())
    """

    def __init__(self, shape, axis_names, devices=None):
        shape, axis_names = tuple(int(s) for s in shape), tuple(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(f"DeviceMesh: shape {shape} has {len(shape)} axes but axis_names "
                             f"{axis_names} names {len(axis_names)}: give one name per axis.")
        if devices is None:
            devices = list_devices()
        devices = np.asarray(devices)
        if int(np.prod(shape)) != devices.size:
            raise ValueError(f"DeviceMesh: shape {shape} holds {int(np.prod(shape))} devices but "
                             f"{devices.size} devices were given ({devices.ravel().tolist()}); "
                             "the product of the shape must be the number of devices.")
        self._shape, self._axis_names = shape, axis_names
        self._devices = devices.reshape(shape)

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    def _spec(self):
        """The mesh as the engines take it: ``(shape, axis names, devices)``."""
        return self._shape, self._axis_names, tuple(str(d) for d in self._devices.ravel())

    def __repr__(self):
        return f"<DeviceMesh shape={self._shape}, axis_names={list(self._axis_names)}>"


class TensorLayout:
    """How a tensor lies on a :class:`DeviceMesh`: one mesh axis name (split over that axis's
    devices) or None (whole on each) per dimension of the tensor.

    Args:
        axes: the names, e.g. ``("batch", None)``.
        device_mesh: the mesh; may be set later (a :class:`LayoutMap` sets its own).
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = None
        self.device_mesh = device_mesh

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if device_mesh is not None:
            names = [a for axis in self._axes if axis is not None
                     for a in ((axis,) if isinstance(axis, str) else axis)]
            unknown = [a for a in names if a not in device_mesh.axis_names]
            if unknown:
                raise ValueError(f"TensorLayout {self._axes}: axes {unknown} are not axes of the "
                                 f"device mesh, whose axis_names are {list(device_mesh.axis_names)}.")
        self._device_mesh = device_mesh

    def __repr__(self):
        return f"<TensorLayout axes={self._axes}, device_mesh={self._device_mesh}>"


class LayoutMap(MutableMapping):
    """Variable paths to layouts; a key is a regular expression that must match the whole
    path (``re.fullmatch``, as in Keras 3).

    Args:
        device_mesh: the mesh every layout of the map lies on.

    Example:
        >>> layout_map = LayoutMap(mesh)
        >>> layout_map[".*dense.*kernel"] = (None, "model")   # split the output units
    """

    def __init__(self, device_mesh):
        self._layouts = {}
        self._device_mesh = device_mesh

    @property
    def device_mesh(self):
        return self._device_mesh

    def __getitem__(self, key):
        """The layout of the variable path ``key``: an exact key first, else the one key
        whose pattern it matches (None when none matches; several is an error)."""
        if key in self._layouts:
            return self._layouts[key]
        matches = [pattern for pattern in self._layouts if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"LayoutMap: the path {key!r} matches several keys {matches}; make "
                             "the keys specific enough that each variable matches one.")
        return self._layouts[matches[0]] if matches else None

    def __setitem__(self, key, layout):
        if key in self._layouts:
            raise ValueError(f"LayoutMap: {key!r} already has a layout, "
                             f"{self._layouts[key].axes}; delete it first to replace it.")
        if isinstance(layout, (tuple, list)):
            layout = TensorLayout(layout)
        if not isinstance(layout, TensorLayout):
            raise ValueError(f"LayoutMap[{key!r}]: expected a TensorLayout or a tuple of axis "
                             f"names, got {type(layout).__name__}.")
        layout.device_mesh = self._device_mesh
        self._layouts[key] = layout

    def __delitem__(self, key):
        del self._layouts[key]

    def __len__(self):
        return len(self._layouts)

    def __iter__(self):
        return iter(self._layouts)


class Distribution:
    """How a model is laid out over a :class:`DeviceMesh`: its batches over the mesh axis
    ``batch_dim_name``, each variable as :meth:`get_variable_layout` says. Set one with
    :func:`set_distribution` (or for a block of code with :meth:`scope`)."""

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name or device_mesh.axis_names[0]
        if self._batch_dim_name not in device_mesh.axis_names:
            raise ValueError(f"{type(self).__name__}: batch_dim_name {self._batch_dim_name!r} is "
                             f"not an axis of the device mesh {list(device_mesh.axis_names)}.")
        self.auto_shard_dataset = auto_shard_dataset

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    def get_data_layout(self, data_shape):
        """The layout of a batch of shape ``data_shape``: split along its first dimension."""
        return TensorLayout((self._batch_dim_name,) + (None,) * (len(data_shape) - 1),
                            self._device_mesh)

    def get_variable_layout(self, variable):
        """The layout of ``variable``: replicated on every device unless a subclass says."""
        return TensorLayout((None,) * len(variable.shape), self._device_mesh)

    def get_tensor_layout(self, path):
        """The layout of the intermediate tensor at ``path``; None: the compiler chooses."""
        return None

    def distribute_dataset(self, dataset):
        """``dataset`` as it is: kerasette's arrays are split batch by batch in ``fit``."""
        return dataset

    @contextlib.contextmanager
    def scope(self):
        """This distribution, for the code of the ``with`` block."""
        global _distribution
        previous, _distribution = _distribution, self
        try:
            yield self
        finally:
            _distribution = previous


class DataParallel(Distribution):
    """Data parallel: each batch split over the devices, the variables whole on each; the
    gradients are averaged over the devices in the train step (by XLA on JAX, by NCCL on
    cupy), so training follows one-device training with the same global batch.

    Args:
        device_mesh: a 1-D :class:`DeviceMesh` (its axis is the batch axis).
        devices: the devices to use, when no mesh is given; default: every device.
        auto_shard_dataset: kept for Keras 3's signature (each process takes its own rows
            of every global batch anyway).

    Example:
        >>> kerasette.distribution.set_distribution(kerasette.distribution.DataParallel())
        >>> model.fit(x, y, batch_size=64)   # 64 = 16 per device on 4 devices
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is None:
            devices = list_devices() if devices is None else list(devices)
            device_mesh = DeviceMesh((len(devices),), ["batch"], devices)
        elif len(device_mesh.shape) != 1:
            raise ValueError(f"DataParallel takes a 1-D device mesh; got shape "
                             f"{device_mesh.shape}. Use ModelParallel for a mesh of more axes.")
        super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)


class ModelParallel(Distribution):
    """Model parallel (with data parallel on the batch axis): variables split over the mesh
    as the :class:`LayoutMap` says (its keys matched against each variable's whole ``path``,
    e.g. ``"dense/kernel"``), the others replicated; batches split over ``batch_dim_name``.

    Args:
        layout_map: the :class:`LayoutMap` (its mesh is the distribution's).
        batch_dim_name: the mesh axis batches are split over; default its first axis.
        auto_shard_dataset: kept for Keras 3's signature.

    Example:
        >>> mesh = DeviceMesh((2, 2), ["batch", "model"], list_devices())
        >>> layout_map = LayoutMap(mesh)
        >>> layout_map[".*dense.*kernel"] = (None, "model")
        >>> set_distribution(ModelParallel(layout_map=layout_map, batch_dim_name="batch"))
    """

    def __init__(self, *, layout_map=None, batch_dim_name=None, auto_shard_dataset=True,
                 **kwargs):
        device_mesh = kwargs.pop("device_mesh", None)
        if kwargs:
            raise ValueError(f"ModelParallel: argument(s) not recognized: {sorted(kwargs)}")
        if layout_map is None:
            if device_mesh is None:
                raise ValueError("ModelParallel needs a layout_map (a LayoutMap of a DeviceMesh).")
            layout_map = LayoutMap(device_mesh)
        super().__init__(layout_map.device_mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map

    def get_variable_layout(self, variable):
        layout = self._layout_map[variable.path]
        if layout is None:
            return super().get_variable_layout(variable)
        if len(layout.axes) != len(variable.shape):
            raise ValueError(
                f"ModelParallel: the layout {layout.axes} for variable {variable.path!r} has "
                f"{len(layout.axes)} axes but the variable has shape {tuple(variable.shape)}: "
                "give one axis name (or None) per dimension.")
        for axis, size in zip(layout.axes, variable.shape):
            if axis is not None and size % self.device_mesh.shape[
                    self.device_mesh.axis_names.index(axis)]:
                parts = self.device_mesh.shape[self.device_mesh.axis_names.index(axis)]
                raise ValueError(
                    f"ModelParallel: variable {variable.path!r} of shape {tuple(variable.shape)} "
                    f"cannot be split evenly over the {parts} devices of mesh axis {axis!r} "
                    f"(layout {layout.axes}).")
        return layout


def set_distribution(value):
    """Sets the distribution ``fit``/``evaluate``/``predict`` follow (None: one device)."""
    global _distribution
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(f"set_distribution expects a Distribution (DataParallel, ModelParallel) "
                         f"or None; got {type(value).__name__}.")
    if value is not None:
        _engine("set_distribution()")
    _distribution = value


def distribution():
    """The distribution set by :func:`set_distribution` (or a :meth:`Distribution.scope`);
    None when there is none."""
    return _distribution


def distribute_tensor(tensor, layout):
    """``tensor`` laid out as ``layout`` (a :class:`TensorLayout` with its mesh) says."""
    if not isinstance(layout, TensorLayout) or layout.device_mesh is None:
        raise ValueError("distribute_tensor expects a TensorLayout with its device_mesh; got "
                         f"{layout!r}.")
    return _engine("distribute_tensor()").distribute_tensor(
        tensor, layout.device_mesh._spec(), layout.axes)


class StepDistribution:
    """What the trainer needs to run one kind of step under the current distribution: the
    variables' layouts, the batch's, and the engine (internal; made by :func:`for_step`)."""

    def __init__(self, distribution, engine, variable_groups):
        self.distribution, self.engine = distribution, engine
        self._mesh = distribution.device_mesh._spec()
        self._layouts = [[distribution.get_variable_layout(v).axes for v in group]
                         for group in variable_groups]

    @property
    def compiles(self):
        """Whether the step may go through the backend's ``jit``."""
        return self.engine.compiles_collectives

    def start(self, variable_groups):
        """Makes every process start from process 0's values (cupy's replicas)."""
        for group in variable_groups:
            values = self.engine.broadcast_values([v.value for v in group])
            for variable, value in zip(group, values):
                variable.assign(value)

    def state(self, value_groups):
        """The step's state, each value laid out as its variable's layout says (values
        already laid out so are passed as they are)."""
        distribute = self.engine.distribute_tensor
        return tuple([distribute(value, self._mesh, axes) for value, axes in zip(values, layouts)]
                     for values, layouts in zip(value_groups, self._layouts))

    def batch(self, data):
        """``data`` (a structure of host arrays; None leaves) split over the batch axis."""
        def split(x):
            if x is None:
                return None
            x = np.asarray(x)
            axes = self.distribution.get_data_layout(x.shape).axes
            return self.engine.distribute_batch(x, self._mesh, axes)
        return tree.map_structure(split, data)


def for_step(variable_groups):
    """A :class:`StepDistribution` for a step of ``variable_groups`` under the current
    distribution; None when no distribution is set."""
    current = distribution()
    if current is None:
        return None
    engine = _engine(f"{type(current).__name__} distribution")
    step = StepDistribution(current, engine, variable_groups)
    step.start(variable_groups)
    return step


def reduce_gradients(gradients):
    """The train step's gradients of the global batch (see
    ``DistributionEngine.reduce_gradients``); the gradients themselves without a
    distribution."""
    current = distribution()
    if current is None:
        return gradients
    return _engine(f"{type(current).__name__} distribution").reduce_gradients(gradients)


def to_numpy(x):
    """``x`` as a numpy array of its global value (gathered from every process under a
    distribution on several hosts)."""
    current = distribution()
    if current is None:
        return kbackend.get_backend().convert_to_numpy(x)
    return _engine(f"{type(current).__name__} distribution").to_numpy(x)


def shared_seed(seed):
    """Process 0's ``seed`` in every process under a distribution (so that every process
    shuffles the data alike); ``seed`` itself without one."""
    current = distribution()
    if current is None:
        return seed
    engine = _engine(f"{type(current).__name__} distribution")
    if engine.process_count() == 1:
        return seed
    (value,) = engine.broadcast_values([np.asarray(seed, dtype="int32")])
    return int(engine.to_numpy(value))
