"""SGD: gradient descent, with optional (Nesterov) momentum (Keras 3 ``keras.optimizers.SGD``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent with momentum.

    Without momentum: ``w <- w - learning_rate * g``. With momentum::

        velocity <- momentum * velocity - learning_rate * g
        w <- w + velocity                                     # nesterov=False
        w <- w + momentum * velocity - learning_rate * g      # nesterov=True

    Args:
        learning_rate: a float, a schedule or a callable (default 0.01).
        momentum: a float in [0, 1] (default 0: no momentum slot).
        nesterov: whether to apply Nesterov momentum.
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments
            (weight_decay, clipnorm, clipvalue, global_clipnorm, ...).

    Example:
        >>> optimizer = kerasette.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> optimizer.apply([gradient], [weight])
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) \
                or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a float in [0, 1], got {momentum!r}.")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        step = ops.multiply(gradient, learning_rate)
        if self.momentum == 0:
            self.assign_sub(variable, step)
            return
        velocity = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum, variable.dtype)
        self.assign(velocity, ops.subtract(ops.multiply(velocity, momentum), step))
        if self.nesterov:
            self.assign_add(variable, ops.subtract(ops.multiply(velocity, momentum), step))
        else:
            self.assign_add(variable, velocity)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
