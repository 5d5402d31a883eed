"""FTRL-Proximal (Keras 3 ``keras.optimizers.Ftrl``)."""

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """Follow The Regularized Leader, proximal form (McMahan et al., 2013), for wide sparse
    models; with L1 it drives weights to exactly zero. Per step, with ``p =
    -learning_rate_power`` and ``l2 = l2_regularization_strength + beta / (2 *
    learning_rate)``::

        g' = g + 2 * l2_shrinkage_regularization_strength * w
        n_new = n + g**2
        z <- z + g' - (n_new**p - n**p) / learning_rate * w
        w <- (clip(z, -l1, l1) - z) / (n_new**p / learning_rate + 2 * l2)
        n <- n_new

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        learning_rate_power: how the per-coordinate rate decays, <= 0 (default -0.5).
        initial_accumulator_value: the starting value of ``n``, >= 0 (default 0.1).
        l1_regularization_strength: >= 0 (default 0).
        l2_regularization_strength: >= 0 (default 0).
        l2_shrinkage_regularization_strength: an L2 penalty on the magnitude (not the
            stabilization) term, >= 0 (default 0).
        beta: the ``beta`` of the FTRL paper (default 0).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for argument, value, sign in (
                ("initial_accumulator_value", initial_accumulator_value, ">= 0"),
                ("learning_rate_power", learning_rate_power, "<= 0"),
                ("l1_regularization_strength", l1_regularization_strength, ">= 0"),
                ("l2_regularization_strength", l2_regularization_strength, ">= 0"),
                ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                 ">= 0")):
            if (value > 0.0) if sign == "<= 0" else (value < 0.0):
                raise ValueError(f"Ftrl: {argument} must be {sign}, got {value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        from kerasette import initializers
        self._accumulators, self._linears = [], []
        for variable in variables:   # Keras's order: accumulator, linear, variable by variable
            self._accumulators.append(self.add_variable_from_reference(
                variable, "accumulator", initializers.Constant(self.initial_accumulator_value)))
            self._linears.append(self.add_variable_from_reference(variable, "linear"))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        accumulator, linear = self._accumulators[index], self._linears[index]
        power = -self.learning_rate_power
        l2 = ops.add(self.l2_regularization_strength,
                     ops.divide(self.beta, ops.multiply(2.0, learning_rate)))
        shrunk_gradient = ops.add(
            gradient, ops.multiply(2 * self.l2_shrinkage_regularization_strength, variable))
        new_accumulator = ops.add(accumulator, ops.square(gradient))
        self.assign_add(linear, ops.subtract(shrunk_gradient, ops.multiply(
            ops.divide(ops.subtract(ops.power(new_accumulator, power),
                                    ops.power(accumulator, power)), learning_rate),
            variable)))
        quadratic = ops.add(ops.divide(ops.power(new_accumulator, power), learning_rate),
                            ops.multiply(2.0, l2))
        l1 = self.l1_regularization_strength
        self.assign(variable, ops.divide(ops.subtract(ops.clip(linear, -l1, l1), linear),
                                         quadratic))
        self.assign(accumulator, new_accumulator)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
