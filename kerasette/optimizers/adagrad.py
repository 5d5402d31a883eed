"""Adagrad: per-parameter rates from the sum of squared gradients (Keras 3 ``keras.optimizers.Adagrad``)."""

from kerasette import ops
from kerasette.initializers import Constant
from kerasette.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011)::

        a <- a + g**2
        w <- w - learning_rate * g / sqrt(a + epsilon)

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        initial_accumulator_value: the starting value of ``a`` (default 0.1).
        epsilon: added inside the square root (default 1e-7).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=Constant(self.initial_accumulator_value))

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        self.assign_add(accumulator, ops.square(gradient))
        self.assign_sub(variable, ops.divide(ops.multiply(learning_rate, gradient),
                                             ops.sqrt(ops.add(accumulator, self.epsilon))))

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
