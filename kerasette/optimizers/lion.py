"""Lion: evolved sign momentum (Keras 3 ``keras.optimizers.Lion``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Lion (Chen et al., 2023): the step is the sign of an interpolated momentum::

        w <- w - learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
        m <- beta_2 * m + (1 - beta_2) * g

    Its steps have magnitude ``learning_rate`` in every coordinate, so it wants a
    learning rate 3-10 times smaller than Adam's.

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        beta_1: interpolation factor of the step, in (0, 1] (default 0.9).
        beta_2: decay rate of the momentum (default 0.99).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Lion: beta_1 must be in (0, 1] (otherwise Lion degenerates to "
                             f"SignSGD), got {beta_1!r}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        m = self._momentums[self._get_variable_index(variable)]
        self.assign_sub(variable, ops.multiply(learning_rate, ops.sign(ops.add(
            ops.multiply(m, beta_1), ops.multiply(gradient, ops.subtract(1.0, beta_1))))))
        self.assign(m, ops.add(ops.multiply(m, beta_2),
                               ops.multiply(gradient, ops.subtract(1.0, beta_2))))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
