"""Adam: adaptive moment estimation (Keras 3 ``keras.optimizers.Adam``)."""

from kerasette import ops
from kerasette.backend import get_backend
from kerasette.optimizers.optimizer import Optimizer


#: Adam's fused kernel flushes the moments' denormal values every this many steps. A moment
#: decaying towards 0 stays denormal for ~150 steps (m, at 0.9 a step) before it underflows
#: to 0, so a few steps of denormals between flushes cost little, while a flush is 4 of the
#: kernel's 16 passes over the variable (and so a quarter of its time) when done each step.
FLUSH_EVERY = 16


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), with the optional AMSGrad variant.

    At step ``t`` (from 1)::

        m <- m + (g - m) * (1 - beta_1)
        v <- v + (g**2 - v) * (1 - beta_2)
        v_hat <- max(v_hat, v)                 # amsgrad only; then used in place of v
        w <- w - learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        beta_1: decay rate of the first moment (default 0.9).
        beta_2: decay rate of the second moment (default 0.999).
        epsilon: added to ``sqrt(v)`` ("epsilon hat" of the paper; default 1e-7).
        amsgrad: whether to use AMSGrad (Reddi et al., 2018).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._step_sizes = None  # {dtype: step size} while one step updates its variables

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def _update_variables(self, grads, trainable_variables, learning_rate):
        # the bias-corrected step size is one scalar per dtype, shared by every variable:
        # computed once per step rather than once per variable (a dozen scalar ops each)
        self._step_sizes = {}
        try:
            super()._update_variables(grads, trainable_variables, learning_rate)
        finally:
            self._step_sizes = None

    def _step_size(self, learning_rate, dtype):
        """``learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` at step ``t``, in ``dtype``."""
        shared = self._step_sizes
        if shared is not None and dtype in shared:
            return shared[dtype]
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), step)
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), step)
        alpha = ops.divide(
            ops.multiply(ops.cast(learning_rate, dtype), ops.sqrt(ops.subtract(1, beta_2_power))),
            ops.subtract(1, beta_1_power))
        if shared is not None:
            shared[dtype] = alpha
        return alpha

    def _flush_due(self):
        """Whether this step flushes the moments' denormals (a bool tensor): every
        ``FLUSH_EVERY`` steps, shared by the step's variables."""
        shared = self._step_sizes
        if shared is not None and "flush" in shared:
            return shared["flush"]
        due = ops.equal(ops.mod(self.iterations, FLUSH_EVERY), 0)
        if shared is not None:
            shared["flush"] = due
        return due

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        alpha = self._step_size(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        if not self.amsgrad:
            # the backend's fused kernel: the same formulas as below, in one call
            new_variable, new_m, new_v = get_backend().adam_update(
                variable, gradient, m, v, alpha, self.beta_1, self.beta_2, self.epsilon,
                flush=self._flush_due())
            m.assign(new_m)  # the kernel flushes the moments' denormals when due
            v.assign(new_v)
            variable.assign(new_variable)
            return

        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - self.beta_2))
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        self.assign_sub(variable, ops.divide(ops.multiply(m, alpha),
                                             ops.add(ops.sqrt(v), self.epsilon)))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
