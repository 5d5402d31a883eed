"""Adafactor: Adam-like steps with a factored second moment (Keras 3
``keras.optimizers.Adafactor``)."""

from kerasette import ops
from kerasette.backends.variable import Variable
from kerasette.optimizers.optimizer import Optimizer


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018): the second moment of a matrix gradient is kept as
    its row and column means (``r``, ``c``: memory in ``rows + columns`` instead of ``rows *
    columns``), and each step is clipped by its root mean square. At step ``t`` (from 1),
    with ``beta_2_t = 1 - t ** beta_2_decay`` and ``G = g**2 + epsilon_1``::

        rho = min(learning_rate, 1 / sqrt(t))
        alpha = max(epsilon_2, rms(w)) * rho
        matrices (last two axes): r <- beta_2_t r + (1 - beta_2_t) mean(G, axis=-1)
                                  c <- beta_2_t c + (1 - beta_2_t) mean(G, axis=-2)
                                  v = (r / mean(r)) outer c
        vectors and scalars:      v <- beta_2_t v + (1 - beta_2_t) G
        u = g / sqrt(v);  w <- w - alpha * u / max(1, rms(u) / clip_threshold)

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        beta_2_decay: the decay exponent of the second moment's rate (default -0.8).
        epsilon_1: added to the squared gradient (default 1e-30).
        epsilon_2: the smallest weight scale a step is relative to (default 1e-3).
        clip_threshold: the update's root mean square above which it is scaled down
            (default 1.0).
        relative_step: with a fixed learning rate, cap it at ``1 / sqrt(t)`` (default True).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        # Keras's order, variable by variable: r and c (matrices only; named after the
        # variable), then the velocity
        self._r, self._c, self._v = [], [], []
        for variable in variables:
            shape = tuple(variable.shape)
            if len(shape) >= 2:
                self._r.append(self.add_variable(shape[:-1], dtype=variable.dtype,
                                                 name=variable.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=variable.dtype,
                                                 name=variable.name))
            else:
                # unused: Keras 3 keeps two int32 scalars here, kept so that saved optimizer
                # state lines up variable for variable with Keras's
                self._r.append(self.add_variable((), dtype="int32", name=variable.name))
                self._c.append(self.add_variable((), dtype="int32", name=variable.name))
            self._v.append(self.add_variable_from_reference(variable, "velocity"))

    @staticmethod
    def _rms(x):
        return ops.sqrt(ops.mean(ops.square(x)))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        inverse_root_step = ops.divide(1.0, ops.sqrt(step))
        if self.relative_step and not self._has_schedule():
            learning_rate = ops.minimum(learning_rate, inverse_root_step)
        index = self._get_variable_index(variable)
        r, c, v = self._r[index], self._c[index], self._v[index]
        rho = ops.minimum(learning_rate, inverse_root_step)
        alpha = ops.multiply(ops.maximum(ops.cast(self.epsilon_2, dtype), self._rms(variable)), rho)
        squared = ops.add(ops.square(gradient), self.epsilon_1)
        beta_2 = ops.subtract(1.0, ops.power(step, self.beta_2_decay))

        def decayed(old, new):
            return ops.add(ops.multiply(beta_2, old), ops.multiply(ops.subtract(1.0, beta_2), new))

        if len(variable.shape) >= 2:
            self.assign(r, decayed(r, ops.mean(squared, axis=-1)))
            self.assign(c, decayed(c, ops.mean(squared, axis=-2)))
            self.assign(v, ops.multiply(
                ops.expand_dims(ops.divide(r, ops.mean(r, axis=-1, keepdims=True)), -1),
                ops.expand_dims(c, -2)))
        else:
            self.assign(v, decayed(v, squared))
        update = ops.divide(gradient, ops.sqrt(v))
        update = ops.divide(update, ops.maximum(1.0, ops.divide(self._rms(update),
                                                                self.clip_threshold)))
        self.assign_sub(variable, ops.multiply(alpha, update))

    def _has_schedule(self):
        """Whether the learning rate is a schedule or a callable (Keras caps only a fixed
        one at ``1 / sqrt(t)``)."""
        return not isinstance(self._learning_rate, Variable)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
