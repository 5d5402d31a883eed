"""Lamb: Adam with a per-layer trust ratio (Keras 3 ``keras.optimizers.Lamb``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class Lamb(Optimizer):
    """Lamb (You et al., 2019): Adam's step rescaled, per weight tensor, so that its norm is
    the weight's norm times the learning rate. At step ``t`` (from 1)::

        m <- m + (g - m) * (1 - beta_1)
        v <- v + (g**2 - v) * (1 - beta_2)
        r = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)
        w <- w - learning_rate * (||w|| / ||r||) * r     (ratio 1 when a norm is 0)

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        beta_1: decay rate of the first moment (default 0.9).
        beta_2: decay rate of the second moment (default 0.999).
        epsilon: added to the denominator (default 1e-7).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), step)
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), step)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        update = ops.divide(
            ops.divide(m, ops.subtract(1.0, beta_1_power)),
            ops.add(ops.sqrt(ops.divide(v, ops.subtract(1.0, beta_2_power))), self.epsilon))
        weight_norm = ops.sqrt(ops.sum(ops.square(variable)))
        update_norm = ops.sqrt(ops.sum(ops.square(update)))
        both_positive = ops.logical_and(ops.greater(weight_norm, 0.0),
                                        ops.greater(update_norm, 0.0))
        ratio = ops.where(both_positive,
                          ops.divide(weight_norm, ops.where(both_positive, update_norm, 1.0)),
                          ops.ones_like(weight_norm))
        self.assign_sub(variable, ops.multiply(ops.multiply(ratio, learning_rate), update))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
