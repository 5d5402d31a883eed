"""Learning rate schedules: values against their formulas in numpy and against Keras 3,
on every backend, with the step as a Python int, a tensor and a Variable, and inside jax.jit."""

import math

import numpy as np
import pytest

import kerasette
from kerasette import ops
from kerasette.optimizers import schedules

STEPS = [0, 1, 2, 5, 9, 10, 11, 25, 50, 99, 100, 101, 150, 333, 1000]


def _cosine(fraction, alpha):
    return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha


def _sgdr(step, initial, first, t_mul, m_mul, alpha):
    fraction = step / first
    if t_mul == 1.0:
        restart = math.floor(fraction)
        fraction -= restart
    else:
        restart = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
        fraction = (fraction - (1 - t_mul ** restart) / (1 - t_mul)) / t_mul ** restart
    return initial * ((1 - alpha) * m_mul ** restart * 0.5 * (1 + math.cos(math.pi * fraction))
                      + alpha)


def _piecewise(step, boundaries, values):
    for boundary, value in zip(boundaries, values):
        if step <= boundary:
            return value
    return values[-1]


def _polynomial_cycle(step, initial, decay_steps, end, power):
    decay_steps = decay_steps * (1 if step == 0 else math.ceil(step / decay_steps))
    return (initial - end) * (1 - step / decay_steps) ** power + end


# (class, arguments, the formula in Python)
CASES = [
    (schedules.ExponentialDecay, {"initial_learning_rate": 0.1, "decay_steps": 10,
                                  "decay_rate": 0.5},
     lambda s: 0.1 * 0.5 ** (s / 10)),
    (schedules.ExponentialDecay, {"initial_learning_rate": 0.1, "decay_steps": 10,
                                  "decay_rate": 0.5, "staircase": True},
     lambda s: 0.1 * 0.5 ** (s // 10)),
    (schedules.PiecewiseConstantDecay, {"boundaries": [10, 100], "values": [1.0, 0.5, 0.1]},
     lambda s: _piecewise(s, [10, 100], [1.0, 0.5, 0.1])),
    (schedules.PiecewiseConstantDecay, {"boundaries": [5], "values": [0.3, 0.2]},
     lambda s: _piecewise(s, [5], [0.3, 0.2])),
    (schedules.PolynomialDecay, {"initial_learning_rate": 0.1, "decay_steps": 100},
     lambda s: (0.1 - 1e-4) * (1 - min(s, 100) / 100) + 1e-4),
    (schedules.PolynomialDecay, {"initial_learning_rate": 0.1, "decay_steps": 100,
                                 "end_learning_rate": 0.01, "power": 2.0},
     lambda s: (0.1 - 0.01) * (1 - min(s, 100) / 100) ** 2 + 0.01),
    (schedules.PolynomialDecay, {"initial_learning_rate": 0.1, "decay_steps": 100,
                                 "end_learning_rate": 0.01, "power": 0.5, "cycle": True},
     lambda s: _polynomial_cycle(s, 0.1, 100, 0.01, 0.5)),
    (schedules.InverseTimeDecay, {"initial_learning_rate": 0.1, "decay_steps": 10,
                                  "decay_rate": 0.5},
     lambda s: 0.1 / (1 + 0.5 * s / 10)),
    (schedules.InverseTimeDecay, {"initial_learning_rate": 0.1, "decay_steps": 10,
                                  "decay_rate": 0.5, "staircase": True},
     lambda s: 0.1 / (1 + 0.5 * (s // 10))),
    (schedules.CosineDecay, {"initial_learning_rate": 0.1, "decay_steps": 100},
     lambda s: 0.1 * _cosine(min(s, 100) / 100, 0.0)),
    (schedules.CosineDecay, {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.1},
     lambda s: 0.1 * _cosine(min(s, 100) / 100, 0.1)),
    (schedules.CosineDecay, {"initial_learning_rate": 0.0, "decay_steps": 100,
                             "warmup_target": 0.2, "warmup_steps": 10},
     lambda s: 0.2 * s / 10 if s < 10 else 0.2 * _cosine((min(s, 110) - 10) / 100, 0.0)),
    (schedules.CosineDecay, {"initial_learning_rate": 0.05, "decay_steps": 50, "alpha": 0.2,
                             "warmup_target": 0.1, "warmup_steps": 25},
     lambda s: (0.05 + 0.05 * s / 25) if s < 25
     else 0.1 * _cosine((min(s, 75) - 25) / 50, 0.2)),
    (schedules.CosineDecayRestarts, {"initial_learning_rate": 0.1, "first_decay_steps": 10},
     lambda s: _sgdr(s, 0.1, 10, 2.0, 1.0, 0.0)),
    (schedules.CosineDecayRestarts, {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                                     "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1},
     lambda s: _sgdr(s, 0.1, 10, 1.0, 0.5, 0.1)),
    (schedules.CosineDecayRestarts, {"initial_learning_rate": 0.1, "first_decay_steps": 7,
                                     "t_mul": 3.0, "m_mul": 0.9},
     lambda s: _sgdr(s, 0.1, 7, 3.0, 0.9, 0.0)),
]
CASE_IDS = [f"{cls.__name__}-{i}" for i, (cls, _, _) in enumerate(CASES)]


def _values(schedule, steps):
    return [float(ops.convert_to_numpy(schedule(step))) for step in steps]


@pytest.mark.parametrize("cls, arguments, formula", CASES, ids=CASE_IDS)
def test_schedule_matches_formula(backend, cls, arguments, formula):
    schedule = cls(**arguments)
    np.testing.assert_allclose(_values(schedule, STEPS), [formula(s) for s in STEPS],
                               rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("cls, arguments, formula", CASES, ids=CASE_IDS)
def test_schedule_matches_keras(backend, keras, cls, arguments, formula):
    ours = cls(**arguments)
    theirs = getattr(keras.optimizers.schedules, cls.__name__)(**arguments)
    want = [float(np.asarray(theirs(keras.ops.convert_to_tensor(s, dtype="int32"))))
            for s in STEPS]
    # float32 rounding: cos(pi * x) near -1 cancels, so the absolute error is ~1 ulp of the rate
    np.testing.assert_allclose(_values(ours, STEPS), want, rtol=1e-6, atol=5e-8)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("cls, arguments, formula", CASES, ids=CASE_IDS)
def test_step_as_tensor_and_variable(backend, cls, arguments, formula):
    schedule = cls(**arguments)
    for step in (7, 60):
        as_tensor = schedule(ops.convert_to_tensor(step, dtype="int32"))
        as_variable = schedule(kerasette.Variable(step, dtype="int32"))
        as_float = schedule(ops.convert_to_tensor(float(step), dtype="float32"))
        assert ops.dtype(as_tensor) == "float32"
        assert ops.shape(as_tensor) == ()
        for value in (as_tensor, as_variable, as_float):
            assert float(ops.convert_to_numpy(value)) == pytest.approx(formula(step), rel=2e-5)


@pytest.mark.parametrize("cls, arguments, formula", CASES, ids=CASE_IDS)
def test_schedule_under_jit(backend, cls, arguments, formula):
    # ops.jit is jax.jit on JAX: the step is a traced tensor, no Python branch on it
    schedule = cls(**arguments)
    compiled = ops.jit(schedule.__call__)
    got = [float(ops.convert_to_numpy(compiled(ops.convert_to_tensor(s, dtype="int32"))))
           for s in STEPS]
    np.testing.assert_allclose(got, [formula(s) for s in STEPS], rtol=2e-5, atol=1e-7)


@pytest.mark.parametrize("cls, arguments, formula", CASES, ids=CASE_IDS)
def test_config_round_trip(cls, arguments, formula):
    schedule = cls(**arguments)
    config = schedule.get_config()
    assert cls.from_config(config).get_config() == config
    serialized = schedules.serialize(schedule)
    assert serialized["module"] == "keras.optimizers.schedules"
    assert serialized["class_name"] == cls.__name__
    clone = schedules.deserialize(serialized)
    assert type(clone) is cls
    assert clone.get_config() == config


def test_argument_errors():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, first_decay_steps=-1)
    with pytest.raises(ValueError, match="1 less than"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(0)


def test_custom_schedule_in_an_optimizer(backend):
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return ops.divide(1.0, ops.power(2.0, ops.cast(step, "float32")))

        def get_config(self):
            return {}

    from kerasette import optimizers
    variable = kerasette.Variable(np.zeros(1, "float32"))
    optimizer = optimizers.SGD(learning_rate=Halving())
    for _ in range(3):
        optimizer.apply([ops.ones((1,))], [variable])
    np.testing.assert_allclose(variable.numpy(), [-(1 + 0.5 + 0.25)])
