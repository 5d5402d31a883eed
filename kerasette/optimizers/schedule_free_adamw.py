"""Schedule-free AdamW (Keras 3 ``keras.optimizers.ScheduleFreeAdamW``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW (Defazio et al., 2024): no learning-rate schedule to tune; the
    weights interpolate between an Adam-scaled SGD sequence ``z`` and its running average
    ``x``. The ``momentum`` slot holds ``z`` (it starts at the weights). At step ``t``::

        v <- v + (g**2 - v) (1 - beta_2)
        z <- z - lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)
        x_old = (w - (1 - beta_1) z_old) / beta_1
        x = (1 - 1/t) x_old + (1/t) z
        w <- (1 - beta_1) z + beta_1 x

    with ``lr`` ramped up linearly over ``warmup_steps``.

    Args:
        learning_rate: a float, a schedule or a callable (default 0.0025).
        beta_1: the interpolation between ``z`` and ``x`` (default 0.9).
        beta_2: decay rate of the second moment (default 0.999).
        epsilon: added to the denominator (default 1e-8).
        warmup_steps: steps over which the learning rate rises from 0 (default 0).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        for z, variable in zip(self._momentums, variables):
            z.assign(ops.copy(variable.value))   # its own buffer (see ops.copy)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        if self.warmup_steps > 0:
            learning_rate = ops.multiply(
                learning_rate, ops.minimum(ops.divide(step, float(self.warmup_steps)), 1.0))
        index = self._get_variable_index(variable)
        z, v = self._momentums[index], self._velocities[index]
        z_old = z.value  # the value before this step (arrays are never written in place)
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        correction = ops.subtract(1.0, ops.power(ops.cast(self.beta_2, dtype), step))
        denominator = ops.add(ops.sqrt(ops.divide(v, correction)), self.epsilon)
        self.assign_sub(z, ops.divide(ops.multiply(learning_rate, gradient), denominator))
        weight = ops.divide(1.0, step)
        x_old = ops.divide(ops.subtract(variable, ops.multiply(1 - self.beta_1, z_old)),
                           self.beta_1)
        x = ops.add(ops.multiply(ops.subtract(1.0, weight), x_old), ops.multiply(weight, z))
        self.assign(variable, ops.add(ops.multiply(1 - self.beta_1, z),
                                      ops.multiply(self.beta_1, x)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
