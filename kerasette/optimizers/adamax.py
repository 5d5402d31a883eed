"""Adamax: Adam with the infinity norm (Keras 3 ``keras.optimizers.Adamax``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014, section 7). At step ``t`` (from 1)::

        m <- m + (g - m) * (1 - beta_1)
        u <- max(beta_2 * u, |g|)
        w <- w - learning_rate * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        beta_1: decay rate of the first moment (default 0.9).
        beta_2: decay rate of the infinity norm (default 0.999).
        epsilon: added to ``u`` (default 1e-7).
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
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), step)
        index = self._get_variable_index(variable)
        m, u = self._m[index], self._u[index]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign(u, ops.maximum(ops.multiply(self.beta_2, u), ops.abs(gradient)))
        self.assign_sub(variable, ops.divide(
            ops.multiply(learning_rate, m),
            ops.multiply(ops.subtract(1, beta_1_power), ops.add(u, self.epsilon))))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
