"""Nadam: Adam with Nesterov momentum (Keras 3 ``keras.optimizers.Nadam``)."""

from kerasette import ops
from kerasette.backends.config import floatx
from kerasette.optimizers.optimizer import Optimizer


class Nadam(Optimizer):
    """Nadam (Dozat, 2015), with Keras's momentum schedule. At step ``t`` (from 1)::

        u_t = beta_1 * (1 - 0.5 * 0.96**t);  P_t = u_1 * ... * u_t   (the slot "u_product")
        m <- m + (g - m) * (1 - beta_1);  v <- v + (g**2 - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)
        w <- w - learning_rate * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        beta_1: decay rate of the first moment (default 0.9).
        beta_2: decay rate of the second moment (default 0.999).
        epsilon: added to the root of the second moment (default 1e-7).
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
        variables = list(variables)
        dtype = variables[0].dtype if variables else floatx()
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype,
                                            name="u_product")

    def _momentum_factor(self, step, dtype):
        """``u_step = beta_1 * (1 - 0.5 * 0.96**step)``."""
        decay = ops.power(ops.cast(0.96, dtype), step)
        return ops.multiply(ops.cast(self.beta_1, dtype), ops.subtract(1.0, ops.multiply(0.5, decay)))

    def _update_variables(self, grads, trainable_variables, learning_rate):
        # the product of the momentum factors is shared by every variable: one update per step
        dtype = self._u_product.dtype
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        decay = ops.power(ops.cast(0.96, dtype), step)
        self.assign(self._u_product, ops.multiply(ops.multiply(self._u_product, self.beta_1),
                                                  ops.subtract(1.0, ops.multiply(0.5, decay))))
        super()._update_variables(grads, trainable_variables, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        u_t = self._momentum_factor(step, dtype)
        u_t_1 = self._momentum_factor(ops.add(step, 1), dtype)
        u_product_t = ops.cast(self._u_product, dtype)
        u_product_t_1 = ops.multiply(u_product_t, u_t_1)
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), step)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]

        beta_1 = ops.cast(self.beta_1, dtype)
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), ops.subtract(1, beta_1)))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v),
                                        ops.subtract(1, ops.cast(self.beta_2, dtype))))
        m_hat = ops.add(
            ops.divide(ops.multiply(u_t_1, m), ops.subtract(1, u_product_t_1)),
            ops.divide(ops.multiply(ops.subtract(1, u_t), gradient), ops.subtract(1, u_product_t)))
        v_hat = ops.divide(v, ops.subtract(1, beta_2_power))
        self.assign_sub(variable, ops.divide(ops.multiply(m_hat, learning_rate),
                                             ops.add(ops.sqrt(v_hat), self.epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
