"""Learning rate schedules (Keras 3 ``keras.optimizers.schedules``): the rate as a function of the step.

A schedule is called with the optimizer's step counter, a tensor, and returns
a 0-d float tensor. Each is written with :mod:`kerasette.ops` and no Python
branching on the step's value, so it runs on every backend and inside
``jax.jit``. Pass one as an optimizer's ``learning_rate``::

    schedule = ExponentialDecay(0.1, decay_steps=1000, decay_rate=0.96)
    optimizer = kerasette.optimizers.SGD(learning_rate=schedule)
"""

import math

from kerasette import ops


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        """The constructor arguments, JSON-serializable."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in "
            "order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        """A schedule from :meth:`get_config`'s output."""
        return cls(**config)


def _check_positive(schedule, name, value):
    if value <= 0:
        raise ValueError(f"{type(schedule).__name__}: {name} must be > 0, got {name}={value!r}.")


def _step_and_rate(step, initial_learning_rate):
    """The initial rate as a tensor, and ``step`` cast to its dtype."""
    initial_learning_rate = ops.convert_to_tensor(initial_learning_rate)
    dtype = ops.dtype(initial_learning_rate)
    return ops.cast(step, dtype), initial_learning_rate, dtype


class _PeriodDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments, and the number of
    decay periods elapsed (``step / decay_steps``, whole periods with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or type(self).__name__
        _check_positive(self, "decay_steps", decay_steps)

    def _periods(self, step):
        """``(periods, initial rate, decay rate)`` as tensors of the initial rate's dtype."""
        step, initial_learning_rate, dtype = _step_and_rate(step, self.initial_learning_rate)
        periods = ops.divide(step, ops.cast(self.decay_steps, dtype))
        if self.staircase:
            periods = ops.floor(periods)
        return periods, initial_learning_rate, ops.cast(self.decay_rate, dtype)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_PeriodDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps over which the rate is multiplied by ``decay_rate``.
        decay_rate: the factor.
        staircase: decay in whole periods (``step // decay_steps``).
        name: a name for the schedule (default "ExponentialDecay").
    """

    def __call__(self, step):
        periods, initial_learning_rate, decay_rate = self._periods(step)
        return ops.multiply(initial_learning_rate, ops.power(decay_rate, periods))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to ``boundaries[0]`` (inclusive), ``values[1]`` up to
    ``boundaries[1]``, ..., ``values[-1]`` after the last boundary.

    Args:
        boundaries: increasing step numbers.
        values: one more value than boundaries.
        name: a name for the schedule.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the "
                f"length of values. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = ops.convert_to_tensor(step)
        boundaries = [ops.cast(b, ops.dtype(step)) for b in self.boundaries]
        values = [ops.convert_to_tensor(v) for v in self.values]
        dtype = ops.dtype(values[0])
        # the sum of each value times "the step is in its interval": one value survives
        result = ops.multiply(ops.cast(ops.less_equal(step, boundaries[0]), dtype), values[0])
        result = ops.add(result, ops.multiply(
            ops.cast(ops.greater(step, boundaries[-1]), dtype), values[-1]))
        for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            inside = ops.logical_and(ops.greater(step, low), ops.less_equal(step, high))
            result = ops.add(result, ops.multiply(ops.cast(inside, dtype), value))
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` along ``(1 - step /
    decay_steps) ** power``, then constant (or, with ``cycle``, restarting with a
    longer period).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the length of the decay.
        end_learning_rate: the final rate (default 0.0001).
        power: the polynomial's power (default 1: linear).
        cycle: restart after ``decay_steps``, each time over the next multiple of it.
        name: a name for the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_positive(self, "decay_steps", decay_steps)

    def __call__(self, step):
        step, initial_learning_rate, dtype = _step_and_rate(step, self.initial_learning_rate)
        end_learning_rate = ops.cast(self.end_learning_rate, dtype)
        decay_steps = ops.cast(self.decay_steps, dtype)
        if self.cycle:
            # the first multiple of decay_steps at or after the step (1 at step 0)
            multiplier = ops.where(ops.equal(step, 0), 1.0,
                                   ops.ceil(ops.divide(step, decay_steps)))
            decay_steps = ops.multiply(decay_steps, ops.cast(multiplier, dtype))
        else:
            step = ops.minimum(step, decay_steps)
        p = ops.divide(step, decay_steps)
        return ops.add(ops.multiply(ops.subtract(initial_learning_rate, end_learning_rate),
                                    ops.power(ops.subtract(1, p), ops.cast(self.power, dtype))),
                       end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_PeriodDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the step scale.
        decay_rate: the decay rate.
        staircase: decay in whole periods (``step // decay_steps``).
        name: a name for the schedule (default "InverseTimeDecay").
    """

    def __call__(self, step):
        periods, initial_learning_rate, decay_rate = self._periods(step)
        return ops.divide(initial_learning_rate, ops.add(1.0, ops.multiply(decay_rate, periods)))


def _cosine_decay(fraction, alpha, dtype):
    """``(1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha``."""
    cosine = ops.multiply(0.5, ops.add(1.0, ops.cos(ops.multiply(
        ops.convert_to_tensor(math.pi, dtype=dtype), fraction))))
    return ops.add(ops.multiply(1 - alpha, cosine), alpha)


class CosineDecay(LearningRateSchedule):
    """A cosine decay (Loshchilov & Hutter, 2017, without restarts), after an optional
    linear warmup.

    Without warmup: ``initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * step /
    decay_steps)) + alpha)``, constant after ``decay_steps``. With ``warmup_target``: a
    line from ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps``, then
    the cosine decay from ``warmup_target``.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the length of the decay.
        alpha: the final rate as a fraction of the decay's start (default 0).
        name: a name for the schedule.
        warmup_target: the rate at the end of the warmup (None: no warmup).
        warmup_steps: the length of the warmup.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_positive(self, "decay_steps", decay_steps)

    def __call__(self, step):
        step, initial_learning_rate, dtype = _step_and_rate(step, self.initial_learning_rate)
        decay_steps = ops.cast(self.decay_steps, dtype)
        if self.warmup_target is None:
            step = ops.minimum(step, decay_steps)
            return ops.multiply(initial_learning_rate,
                                _cosine_decay(ops.divide(step, decay_steps), self.alpha, dtype))
        warmup_target = ops.cast(self.warmup_target, dtype)
        warmup_steps = ops.cast(self.warmup_steps, dtype)
        step = ops.minimum(step, ops.add(decay_steps, warmup_steps))
        warming = ops.add(ops.multiply(ops.subtract(warmup_target, initial_learning_rate),
                                       ops.divide(step, warmup_steps)),
                          initial_learning_rate)
        decaying = ops.multiply(warmup_target, _cosine_decay(
            ops.divide(ops.subtract(step, warmup_steps), decay_steps), self.alpha, dtype))
        return ops.where(ops.less(step, warmup_steps), warming, decaying)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """A cosine decay with warm restarts (SGDR, Loshchilov & Hutter, 2017).

    The first period lasts ``first_decay_steps``; each next one is ``t_mul`` times
    longer and starts ``m_mul`` times lower.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: the length of the first period.
        t_mul: the growth factor of the periods (default 2).
        m_mul: the factor of each restart's initial rate (default 1).
        alpha: the final rate of a period as a fraction of its start (default 0).
        name: a name for the schedule.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_positive(self, "first_decay_steps", first_decay_steps)

    def __call__(self, step):
        step, initial_learning_rate, dtype = _step_and_rate(step, self.initial_learning_rate)
        fraction = ops.divide(step, ops.cast(self.first_decay_steps, dtype))
        t_mul = ops.cast(self._t_mul, dtype)
        if self._t_mul == 1.0:  # a hyperparameter, not a tensor: equal periods
            restart = ops.floor(fraction)
            fraction = ops.subtract(fraction, restart)
        else:  # periods growing geometrically: which one holds the step, and where in it
            restart = ops.floor(ops.divide(
                ops.log(ops.subtract(1.0, ops.multiply(fraction, ops.subtract(1.0, t_mul)))),
                ops.log(t_mul)))
            elapsed = ops.divide(ops.subtract(1.0, ops.power(t_mul, restart)),
                                 ops.subtract(1.0, t_mul))
            fraction = ops.divide(ops.subtract(fraction, elapsed), ops.power(t_mul, restart))
        m_factor = ops.power(ops.cast(self._m_mul, dtype), restart)
        cosine = ops.multiply(ops.multiply(0.5, m_factor), ops.add(1.0, ops.cos(ops.multiply(
            ops.convert_to_tensor(math.pi, dtype=dtype), fraction))))
        alpha = ops.cast(self.alpha, dtype)
        decayed = ops.add(ops.multiply(ops.subtract(1, alpha), cosine), alpha)
        return ops.multiply(initial_learning_rate, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}
