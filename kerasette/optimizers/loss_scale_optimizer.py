"""LossScaleOptimizer: dynamic loss scaling for float16 training (Keras 3
``keras.optimizers.LossScaleOptimizer``, ``keras.mixed_precision.LossScaleOptimizer``).

float16 gradients of small magnitude underflow to zero. The trainer multiplies the loss by
a scale (:meth:`LossScaleOptimizer.scale_loss`), so the gradients are computed scaled up;
this optimizer divides them back before the wrapped optimizer's update. The scale adapts:

- a step whose gradients are not all finite is skipped (no variable changes, the wrapped
  optimizer's ``iterations`` included) and the scale is halved;
- after ``dynamic_growth_steps`` steps in a row with finite gradients, the scale doubles.

Both decisions are made with ``ops.where`` on tensors, never by reading a value back to the
host, so the step stays one compilable function (``jax.jit``, the engine's replay) and costs
no GPU sync.
"""

from kerasette import initializers, ops
from kerasette.optimizers.optimizer import Optimizer
from kerasette.serialization import deserialize_keras_object, serialize_keras_object

#: the base optimizer's arguments with their defaults: a Keras file may hold them in a
#: LossScaleOptimizer's config (Keras 3.0 wrote them), but only the defaults mean anything
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer with dynamic loss scaling (see the module docstring).

    ``model.compile`` wraps the optimizer in one by itself under the "mixed_float16" policy
    (``auto_scale_loss=True``). In a ``train_step`` of your own, multiply the loss by
    ``optimizer.scale_loss(loss)`` before taking gradients; ``apply`` unscales them.

    Args:
        inner_optimizer: the optimizer that updates the variables.
        initial_scale: the first loss scale (default ``2**15``): better too high than too
            low, as halving is immediate and doubling takes ``dynamic_growth_steps`` steps.
        dynamic_growth_steps: the number of steps in a row with finite gradients after which
            the scale doubles (default 2000).
        name: the optimizer's name.

    Example:
        >>> optimizer = kerasette.optimizers.LossScaleOptimizer(
        ...     kerasette.optimizers.Adam(1e-3), initial_scale=2.0**15)
        >>> model.compile(optimizer=optimizer, loss="mse")
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer: dynamic=False is not supported (as in Keras "
                             "3); set loss_scale_factor on the inner optimizer for a fixed "
                             "scale instead.")
        for argument, default in _BASE_DEFAULTS.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(f"LossScaleOptimizer does not take {argument}=: set it on the "
                                 "inner optimizer instead.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer: argument(s) not recognized: {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: inner_optimizer must be an Optimizer "
                            f"instance, got {inner_optimizer!r}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # the inner optimizer must not unscale the gradients a second time
        self.inner_optimizer.loss_scale_factor = None

    def build(self, variables):
        """Creates ``step_counter`` (finite steps since the scale last changed) and
        ``dynamic_scale``, then builds the inner optimizer."""
        self.step_counter = self.add_variable((), "zeros", dtype="int32", name="step_counter")
        self.dynamic_scale = self.add_variable((), initializers.Constant(self.initial_scale),
                                               dtype="float32", name="dynamic_scale")
        if not self.inner_optimizer.built:  # (wrapping an optimizer already in use)
            self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def variables(self):
        """Its own state (``iteration``, ``learning_rate``, ``step_counter``,
        ``dynamic_scale``), then the inner optimizer's: Keras 3's order, saved as one list."""
        return list(self._variables) + self.inner_optimizer.variables

    @property
    def learning_rate(self):
        """The inner optimizer's learning rate (settable)."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if "inner_optimizer" not in vars(self):  # the base constructor's own placeholder
            Optimizer.learning_rate.fset(self, learning_rate)
            return
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        """The inner optimizer's steps (skipped steps do not count)."""
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """``loss`` times the current loss scale (``initial_scale`` before the build)."""
        scale = self.dynamic_scale if self.built else self.initial_scale
        return ops.multiply(loss, scale)

    def check_finite(self, grads):
        """A boolean scalar tensor: whether every gradient (None skipped) is finite."""
        finite = [ops.all(ops.isfinite(g)) for g in grads if g is not None]
        return ops.all(ops.stack(finite))

    def apply(self, grads, trainable_variables=None):
        """Unscales ``grads`` and lets the inner optimizer apply them when they are all
        finite (else nothing changes but the scale), then updates the scale."""
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("LossScaleOptimizer.apply(grads) without variables needs a "
                                 "built optimizer: pass apply(grads, trainable_variables).")
            self.build(trainable_variables)
        finite = self.check_finite(grads)
        scale = self.dynamic_scale.value
        unscaled = [None if g is None else ops.divide(g, ops.cast(scale, ops.dtype(g)))
                    for g in grads]
        # the inner update runs in any case, and is kept only when the gradients are finite
        # (selecting with `where` keeps the step one pure function, with no host read)
        variables = list(trainable_variables if trainable_variables is not None
                         else self._trainable_variables) + self.inner_optimizer.variables
        before = [v.value for v in variables]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        for variable, old in zip(variables, before):
            if variable.value is not old:
                variable.assign(ops.where(finite, variable.value, old))
        grow = ops.logical_and(finite, ops.equal(self.step_counter.value,
                                                 self.dynamic_growth_steps - 1))
        factor = ops.where(finite, ops.where(grow, 2.0, 1.0), 0.5)
        self.dynamic_scale.assign(ops.multiply(scale, ops.cast(factor, "float32")))
        counter = ops.add(self.step_counter.value, 1)
        self.step_counter.assign(ops.where(ops.logical_and(finite, ops.logical_not(grow)),
                                           counter, ops.zeros_like(counter)))

    def _saveable_children(self):
        """The inner optimizer: Keras 3's weights file holds its variables a second time,
        at ``optimizer/inner_optimizer``."""
        return [("inner_optimizer", self.inner_optimizer)]

    def finalize_variable_values(self, var_list):
        """The inner optimizer's (its moving averages, with ``use_ema``)."""
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        """Keras 3's config: the name, the inner optimizer (serialized) and the scaling."""
        return {"name": self.name,
                "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = deserialize_keras_object(config.pop("inner_optimizer"),
                                         custom_objects=custom_objects)
        return cls(inner, **config)

