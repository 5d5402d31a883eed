"""RMSprop: gradients divided by a running root mean square (Keras 3 ``keras.optimizers.RMSprop``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012), optionally centered and with plain momentum::

        v <- rho * v + (1 - rho) * g**2
        a <- rho * a + (1 - rho) * g               # centered only
        step = learning_rate * g / sqrt(v - a**2 + epsilon)   # centered
        step = learning_rate * g / sqrt(v + epsilon)          # otherwise
        p <- momentum * p + step; w <- w - p       # momentum > 0
        w <- w - step                              # otherwise

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        rho: decay rate of the running averages (default 0.9).
        momentum: momentum of the step (default 0: no momentum slot).
        epsilon: added inside the square root (default 1e-7).
        centered: divide by the estimated variance instead of the second moment.
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        index = self._get_variable_index(variable)
        rho = self.rho
        velocity = self._velocities[index]
        self.assign(velocity, ops.add(ops.multiply(rho, velocity),
                                      ops.multiply(1 - rho, ops.square(gradient))))
        if self.centered:
            average = self._average_gradients[index]
            self.assign(average, ops.add(ops.multiply(rho, average),
                                         ops.multiply(1 - rho, gradient)))
            denominator = ops.add(ops.subtract(velocity, ops.square(average)), self.epsilon)
        else:
            denominator = ops.add(velocity, self.epsilon)
        increment = ops.divide(ops.multiply(learning_rate, gradient), ops.sqrt(denominator))
        if self.momentum > 0:
            momentum = self._momentums[index]
            self.assign(momentum, ops.add(ops.multiply(self.momentum, momentum), increment))
            self.assign_sub(variable, momentum)
        else:
            self.assign_sub(variable, increment)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
