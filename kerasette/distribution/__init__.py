"""Training on several devices and hosts with Keras 3's API (``keras.distribution``).

Set a distribution and ``fit``/``evaluate``/``predict`` follow it::

    import kerasette as keras
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model.fit(x, y, batch_size=64)   # each batch split over every device

The work is done by the backend's engine: ``jax.sharding`` on the jax backend (XLA
inserts the all-reduce of the gradients in the compiled step; several hosts through
:func:`initialize`), NCCL on cupy (one process per GPU). The numpy backend has no
distribution and says so.
"""

from kerasette.distribution.distribution_lib import (DataParallel, DeviceMesh, Distribution,
                                                     LayoutMap, ModelParallel, TensorLayout,
                                                     distribute_tensor, distribution,
                                                     get_device_count, initialize,
                                                     list_devices, set_distribution)

__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "ModelParallel",
           "TensorLayout", "distribute_tensor", "distribution", "get_device_count",
           "initialize", "list_devices", "set_distribution"]
