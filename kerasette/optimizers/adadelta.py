"""Adadelta: steps scaled by running averages of gradients and updates (Keras 3 ``keras.optimizers.Adadelta``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012)::

        a <- rho * a + (1 - rho) * g**2
        delta = -sqrt(d + epsilon) / sqrt(a + epsilon) * g
        d <- rho * d + (1 - rho) * delta**2
        w <- w + learning_rate * delta

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        rho: decay rate of the running averages (default 0.95).
        epsilon: added inside the square roots (default 1e-7).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        index = self._get_variable_index(variable)
        accumulated_grad = self._accumulated_grads[index]
        accumulated_delta = self._accumulated_delta_vars[index]
        rho = self.rho

        def rms(x):
            return ops.sqrt(ops.add(x, self.epsilon))

        self.assign(accumulated_grad, ops.add(ops.multiply(rho, accumulated_grad),
                                              ops.multiply(1 - rho, ops.square(gradient))))
        delta = ops.negative(ops.divide(ops.multiply(rms(accumulated_delta), gradient),
                                        rms(accumulated_grad)))
        self.assign(accumulated_delta, ops.add(ops.multiply(rho, accumulated_delta),
                                               ops.multiply(1 - rho, ops.square(delta))))
        self.assign_add(variable, ops.multiply(learning_rate, delta))

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
