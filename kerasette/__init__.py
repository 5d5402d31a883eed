"""kerasette: a Keras-3-compatible deep learning API on readable backends.

``import kerasette as keras``; choose the backend with ``KERASETTE_BACKEND``
(``numpy``, the default; ``cupy``; ``jax``).
"""

from kerasette import backend
from kerasette.backend import _initialize

_initialize()

from kerasette import config, ops  # noqa: E402
from kerasette.backends.variable import StatelessScope, Variable  # noqa: E402
from kerasette.version import __version__  # noqa: E402


class GradientTape:
    """Records operations for automatic differentiation, on the active backend.

    ``GradientTape(persistent=False, watch_accessed_variables=True)``; see
    :meth:`kerasette.backends.interface.Backend.GradientTape`.

    Example:
        >>> x = kerasette.Variable(3.0)
        >>> with kerasette.GradientTape() as tape:
        ...     y = x * x
        >>> float(tape.gradient(y, x))
        6.0
    """

    def __new__(cls, persistent=False, watch_accessed_variables=True):
        return backend.get_backend().GradientTape(
            persistent=persistent, watch_accessed_variables=watch_accessed_variables)


from kerasette import (  # noqa: E402
    activations,
    callbacks,
    constraints,
    datasets,
    distribution,
    dtype_policies,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    optimizers,
    random,
    regularizers,
    saving,
    testing,
    utils,
)
from kerasette.dtype_policies import DTypePolicy  # noqa: E402
from kerasette.initializers import Initializer  # noqa: E402
from kerasette.layers import Input, InputSpec, Layer  # noqa: E402
from kerasette.layers.keras_tensor import KerasTensor  # noqa: E402
from kerasette.losses import Loss  # noqa: E402
from kerasette.metrics import Metric  # noqa: E402
from kerasette.models import Model, Sequential  # noqa: E402
from kerasette.optimizers import Optimizer  # noqa: E402
from kerasette.regularizers import Regularizer  # noqa: E402

backend.clear_session = utils.clear_session

__all__ = [
    "backend", "config", "ops", "GradientTape", "Variable", "StatelessScope", "activations",
    "callbacks", "constraints", "datasets", "dtype_policies", "initializers", "layers",
    "losses", "metrics", "mixed_precision", "models", "optimizers", "random", "regularizers",
    "saving", "testing", "utils", "DTypePolicy", "Initializer", "Input", "InputSpec", "Layer",
    "KerasTensor", "Loss", "Metric", "Model", "Sequential", "Optimizer", "Regularizer",
]
