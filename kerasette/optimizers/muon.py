"""Muon: momentum orthogonalized by Newton-Schulz for matrices, AdamW for the rest (Keras 3
``keras.optimizers.Muon``)."""

import re

from kerasette import ops
from kerasette.optimizers.optimizer import Optimizer


class Muon(Optimizer):
    """Muon (Jordan et al., 2024): each 2-D weight's momentum is replaced by the nearest
    semi-orthogonal matrix (five Newton-Schulz iterations of the quintic ``a X + b (X X^T)
    X + c (X X^T)^2 X``) before the step; other weights (biases, scales, convolution
    kernels, embeddings, any path matching ``exclude_layers``) take an AdamW step.

    Matrices::

        m <- momentum * m + g;   G = g + momentum * m  (nesterov)  or  m
        w <- w - lr * NS(G) * sqrt(max(rows, columns)) * rms_rate

    Args:
        learning_rate: a float, a schedule or a callable (default 0.001).
        adam_beta_1, adam_beta_2: AdamW's moment decay rates (defaults 0.9, 0.999).
        adam_weight_decay: AdamW's decoupled weight decay (default 0.004).
        weight_decay: the Muon weights' decoupled weight decay (default 0.004).
        epsilon: AdamW's denominator epsilon (default 1e-7).
        exclude_layers: regular expressions; a weight whose path matches one takes AdamW.
        exclude_embeddings: whether weights with "embedding" in their path take AdamW
            (default True).
        muon_a, muon_b, muon_c: the Newton-Schulz coefficients.
        adam_lr_ratio: AdamW's learning rate relative to ``learning_rate`` (default 1).
        momentum: Muon's momentum (default 0.95).
        ns_steps: Newton-Schulz iterations (default 5).
        nesterov: Nesterov momentum for the Muon weights (default True).
        rms_rate: scales the orthogonal update to an AdamW-like RMS (default 0.2; None: no
            scaling).
        **kwargs: the base :class:`~kerasette.optimizers.Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 weight_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.adam_weight_decay = adam_weight_decay
        self.epsilon = epsilon
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = exclude_embeddings
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.rms_rate = rms_rate

    def _uses_adamw(self, variable):
        """Whether ``variable`` takes the AdamW step rather than Muon's."""
        path = getattr(variable, "path", None) or variable.name
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        # Keras's order, variable by variable: momentum, then AdamW's velocity
        self._momentums, self._velocities = [], []
        for variable in variables:
            self._momentums.append(self.add_variable_from_reference(variable, "momentum"))
            self._velocities.append(self.add_variable_from_reference(variable, "velocity")
                                    if self._uses_adamw(variable) else None)

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        if v is not None:
            self._adamw_step(gradient, variable, ops.multiply(learning_rate, self.adam_lr_ratio),
                             m, v)
        else:
            self._muon_step(gradient, variable, learning_rate, m)

    def _muon_step(self, gradient, variable, learning_rate, m):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        self.assign_add(m, ops.add(gradient, ops.multiply(m, self.momentum - 1)))
        direction = ops.add(gradient, ops.multiply(self.momentum, m)) if self.nesterov else m
        update = ops.multiply(learning_rate, self._orthogonalized(direction))
        if self.rms_rate is not None:
            rows, columns = variable.shape
            update = ops.multiply(update, max(rows, columns) ** 0.5 * self.rms_rate)
        self.assign_sub(variable, update)

    def _orthogonalized(self, x):
        """The Newton-Schulz approximation of ``U V^T`` for ``x = U S V^T`` (wide form: a
        tall matrix is transposed first and back after)."""
        tall = x.shape[0] > x.shape[1]
        if tall:
            x = ops.transpose(x)
        x = ops.divide(x, ops.add(ops.sqrt(ops.sum(ops.square(x))), 1e-7))
        for _ in range(self.ns_steps):
            gram = ops.matmul(x, ops.transpose(x))
            polynomial = ops.add(ops.multiply(self.muon_b, gram),
                                 ops.multiply(self.muon_c, ops.matmul(gram, gram)))
            x = ops.add(ops.multiply(self.muon_a, x), ops.matmul(polynomial, x))
        return ops.transpose(x) if tall else x

    def _adamw_step(self, gradient, variable, learning_rate, m, v):
        dtype = variable.dtype
        learning_rate = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.adam_beta_1, dtype), step)
        beta_2_power = ops.power(ops.cast(self.adam_beta_2, dtype), step)
        alpha = ops.divide(ops.multiply(learning_rate, ops.sqrt(ops.subtract(1.0, beta_2_power))),
                           ops.subtract(1.0, beta_1_power))
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - self.adam_beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v),
                                        1 - self.adam_beta_2))
        self.assign_sub(variable, ops.divide(ops.multiply(m, alpha),
                                             ops.add(ops.sqrt(v), self.epsilon)))

    def _apply_weight_decay(self, variables):
        # the AdamW weights decay by adam_weight_decay, the Muon weights by weight_decay
        for variable in variables:
            decay = self.adam_weight_decay if self._uses_adamw(variable) else self.weight_decay
            if decay is None or not self._use_weight_decay(variable):
                continue
            learning_rate = ops.cast(self.learning_rate, variable.dtype)
            variable.assign(ops.subtract(variable, ops.multiply(
                ops.multiply(variable, ops.cast(decay, variable.dtype)), learning_rate)))

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate,
        })
        return config
