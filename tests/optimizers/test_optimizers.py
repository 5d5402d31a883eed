"""Optimizers: each update rule, step by step, against its formula written out in numpy
(float64) and against Keras 3 on JAX, on every backend; the pure step; the denormal flush;
configs and names."""

import warnings

import numpy as np
import pytest

import kerasette
from kerasette import ops, optimizers
from kerasette.optimizers import schedules

STEPS = 5
SHAPES = [(3, 4), (4,)]

# (optimizer, arguments): every rule and its variants, and the base optimizer's features
CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True}),
    ("AdamW", {}),
    ("AdamW", {"weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5}),
    ("RMSprop", {"centered": True}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {}),
    ("Adagrad", {"initial_accumulator_value": 0.5}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adamax", {}),
    ("Nadam", {}),
    ("Lion", {}),
    ("Lion", {"beta_1": 0.5, "beta_2": 0.9}),
    ("Adafactor", {}),
    ("Adafactor", {"relative_step": False, "clip_threshold": 0.5}),
    ("Ftrl", {}),
    ("Ftrl", {"l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1,
              "l2_shrinkage_regularization_strength": 0.02, "beta": 0.5,
              "learning_rate_power": -0.3}),
    ("Lamb", {}),
    ("Muon", {}),
    ("Muon", {"nesterov": False, "adam_lr_ratio": 0.5, "ns_steps": 3}),
    ("ScheduleFreeAdamW", {}),
    ("ScheduleFreeAdamW", {"warmup_steps": 3}),
    ("SGD", {"weight_decay": 0.05}),
    ("Adam", {"weight_decay": 0.05}),
    ("SGD", {"clipnorm": 0.5}),
    ("Adam", {"clipnorm": 0.5}),
    ("SGD", {"clipvalue": 0.3}),
    ("RMSprop", {"clipvalue": 0.3}),
    ("SGD", {"global_clipnorm": 0.5}),
    ("Adam", {"global_clipnorm": 0.5}),
    ("Adam", {"loss_scale_factor": 8.0}),
    ("Adam", {"gradient_accumulation_steps": 2}),
    ("SGD", {"momentum": 0.9, "gradient_accumulation_steps": 3}),
    ("SGD", {"use_ema": True}),
    ("Adam", {"use_ema": True, "ema_momentum": 0.5, "ema_overwrite_frequency": 2}),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kwargs.items()) or 'default'}"
            for name, kwargs in CASES]

DEFAULTS = {
    "SGD": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "Adam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
             "amsgrad": False},
    "AdamW": {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
              "epsilon": 1e-7, "amsgrad": False},
    "RMSprop": {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                "centered": False},
    "Adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "Adadelta": {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    "Adamax": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Nadam": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Lion": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
    "Adafactor": {"learning_rate": 0.001, "beta_2_decay": -0.8, "epsilon_1": 1e-30,
                  "epsilon_2": 1e-3, "clip_threshold": 1.0, "relative_step": True},
    "Ftrl": {"learning_rate": 0.001, "learning_rate_power": -0.5,
             "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
             "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0,
             "beta": 0.0},
    "Lamb": {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "Muon": {"learning_rate": 0.001, "weight_decay": 0.004, "adam_beta_1": 0.9, "adam_beta_2": 0.999,
             "adam_weight_decay": 0.004, "epsilon": 1e-7, "exclude_layers": [],
             "exclude_embeddings": True, "muon_a": 3.4445, "muon_b": -4.7750, "muon_c": 2.0315,
             "adam_lr_ratio": 1, "momentum": 0.95, "ns_steps": 5, "nesterov": True,
             "rms_rate": 0.2},
    "ScheduleFreeAdamW": {"learning_rate": 0.0025, "beta_1": 0.9, "beta_2": 0.999,
                          "epsilon": 1e-8, "warmup_steps": 0},
}
BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "clipvalue": None,
                 "global_clipnorm": None, "use_ema": False, "ema_momentum": 0.99,
                 "ema_overwrite_frequency": None, "loss_scale_factor": None,
                 "gradient_accumulation_steps": None}


def _arguments(name, kwargs):
    """The test's arguments: a learning rate large enough that every step shows."""
    return {"learning_rate": 0.1, **kwargs}


def _initial_weights():
    rng = np.random.default_rng(0)
    return [rng.normal(size=shape).astype("float32") for shape in SHAPES]


def _gradient_sequence():
    rng = np.random.default_rng(1)
    return [[rng.normal(size=shape).astype("float32") for shape in SHAPES]
            for _ in range(STEPS)]


def _variables(weights):
    variables = []
    for i, weight in enumerate(weights):
        variable = kerasette.Variable(weight, name=f"w{i}")
        variable.path = f"dense/w{i}"
        variables.append(variable)
    return variables


# ---------------------------------------------------------------------- the formulas in numpy
# Each rule takes the weight w, gradient g, this weight's state s (a dict), the step t
# (from 1), the learning rate, the hyperparameters c and the state shared by all weights.

def _sgd(w, g, s, t, lr, c, shared):
    if c["momentum"] == 0:
        return w - lr * g
    s["m"] = c["momentum"] * s.get("m", 0.0) - lr * g
    if c["nesterov"]:
        return w + c["momentum"] * s["m"] - lr * g
    return w + s["m"]


def _adam(w, g, s, t, lr, c, shared):
    b1, b2 = c["beta_1"], c["beta_2"]
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    v = s["v"]
    if c["amsgrad"]:
        s["v_hat"] = v = np.maximum(s.get("v_hat", 0.0), v)
    return w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * s["m"] / (np.sqrt(v) + c["epsilon"])


def _rmsprop(w, g, s, t, lr, c, shared):
    rho = c["rho"]
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    if c["centered"]:
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
        step = lr * g / np.sqrt(s["v"] - s["a"] ** 2 + c["epsilon"])
    else:
        step = lr * g / np.sqrt(s["v"] + c["epsilon"])
    if c["momentum"] > 0:
        s["p"] = c["momentum"] * s.get("p", 0.0) + step
        return w - s["p"]
    return w - step


def _adagrad(w, g, s, t, lr, c, shared):
    s["a"] = s.get("a", c["initial_accumulator_value"]) + g * g
    return w - lr * g / np.sqrt(s["a"] + c["epsilon"])


def _adadelta(w, g, s, t, lr, c, shared):
    rho, eps = c["rho"], c["epsilon"]
    s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g * g
    delta = -np.sqrt(s.get("d", 0.0) + eps) / np.sqrt(s["a"] + eps) * g
    s["d"] = rho * s.get("d", 0.0) + (1 - rho) * delta ** 2
    return w + lr * delta


def _adamax(w, g, s, t, lr, c, shared):
    b1, b2 = c["beta_1"], c["beta_2"]
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
    return w - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + c["epsilon"]))


def _nadam(w, g, s, t, lr, c, shared):
    b1, b2 = c["beta_1"], c["beta_2"]

    def u(step):
        return b1 * (1 - 0.5 * 0.96 ** step)
    product = shared["u_product"]  # u_1 * ... * u_t, updated once per step
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = u(t + 1) * s["m"] / (1 - product * u(t + 1)) + (1 - u(t)) * g / (1 - product)
    v_hat = s["v"] / (1 - b2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + c["epsilon"])


def _lion(w, g, s, t, lr, c, shared):
    b1, b2 = c["beta_1"], c["beta_2"]
    m = s.get("m", 0.0)
    w = w - lr * np.sign(b1 * m + (1 - b1) * g)
    s["m"] = b2 * m + (1 - b2) * g
    return w


def _rms(x):
    return np.sqrt(np.mean(x * x))


def _adafactor(w, g, s, t, lr, c, shared):
    if c["relative_step"]:
        lr = min(lr, 1 / np.sqrt(t))
    alpha = max(c["epsilon_2"], _rms(w)) * min(lr, 1 / np.sqrt(t))
    squared = g * g + c["epsilon_1"]
    beta_2 = 1 - t ** c["beta_2_decay"]
    if w.ndim >= 2:   # the second moment factored into row and column means
        s["r"] = beta_2 * s.get("r", 0.0) + (1 - beta_2) * squared.mean(-1)
        s["c"] = beta_2 * s.get("c", 0.0) + (1 - beta_2) * squared.mean(-2)
        v = np.outer(s["r"] / s["r"].mean(), s["c"])
    else:
        v = s["v"] = beta_2 * s.get("v", 0.0) + (1 - beta_2) * squared
    u = g / np.sqrt(v)
    return w - alpha * u / max(1.0, _rms(u) / c["clip_threshold"])


def _ftrl(w, g, s, t, lr, c, shared):
    p = -c["learning_rate_power"]
    n = s.get("n", np.full_like(w, c["initial_accumulator_value"]))
    z = s.get("z", np.zeros_like(w))
    l1, l2 = c["l1_regularization_strength"], c["l2_regularization_strength"] + c["beta"] / (2 * lr)
    n_new = n + g * g
    z = z + g + 2 * c["l2_shrinkage_regularization_strength"] * w - (n_new ** p - n ** p) / lr * w
    s["n"], s["z"] = n_new, z
    return (np.clip(z, -l1, l1) - z) / (n_new ** p / lr + 2 * l2)


def _lamb(w, g, s, t, lr, c, shared):
    b1, b2 = c["beta_1"], c["beta_2"]
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    r = (s["m"] / (1 - b1 ** t)) / (np.sqrt(s["v"] / (1 - b2 ** t)) + c["epsilon"])
    ratio = np.linalg.norm(w) / np.linalg.norm(r)
    return w - lr * ratio * r


def _newton_schulz(x, c):
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(c["ns_steps"]):
        gram = x @ x.T
        x = c["muon_a"] * x + (c["muon_b"] * gram + c["muon_c"] * gram @ gram) @ x
    return x.T if tall else x


def _muon(w, g, s, t, lr, c, shared):
    # each kind of weight decays by its own rate, before the step (as all weight decay)
    if w.ndim != 2:   # AdamW
        w = w - w * c["adam_weight_decay"] * lr
        return _adam(w, g, s, t, lr * c["adam_lr_ratio"],
                     {**c, "beta_1": c["adam_beta_1"], "beta_2": c["adam_beta_2"],
                      "amsgrad": False}, shared)
    w = w - w * c["weight_decay"] * lr
    s["m"] = c["momentum"] * s.get("m", 0.0) + g
    direction = g + c["momentum"] * s["m"] if c["nesterov"] else s["m"]
    return w - lr * _newton_schulz(direction, c) * np.sqrt(max(w.shape)) * c["rms_rate"]


def _schedule_free_adamw(w, g, s, t, lr, c, shared):
    b1, b2 = c["beta_1"], c["beta_2"]
    if c["warmup_steps"]:
        lr = lr * min(t / c["warmup_steps"], 1.0)
    z_old = s.get("z", w)
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    z = s["z"] = z_old - lr * g / (np.sqrt(s["v"] / (1 - b2 ** t)) + c["epsilon"])
    x = (1 - 1 / t) * (w - (1 - b1) * z_old) / b1 + z / t
    return (1 - b1) * z + b1 * x


RULES = {"SGD": _sgd, "Adam": _adam, "AdamW": _adam, "RMSprop": _rmsprop, "Adagrad": _adagrad,
         "Adadelta": _adadelta, "Adamax": _adamax, "Nadam": _nadam, "Lion": _lion,
         "Adafactor": _adafactor, "Ftrl": _ftrl, "Lamb": _lamb, "Muon": _muon,
         "ScheduleFreeAdamW": _schedule_free_adamw}


def numpy_reference(name, kwargs, weights, gradient_sequence):
    """The weights after each step, from the formulas above and Keras's documented
    processing order: unscale, (accumulate), clip, decay, update, moving average."""
    c = {**BASE_DEFAULTS, **DEFAULTS[name], **kwargs}
    lr = c["learning_rate"]
    w = [x.astype(np.float64) for x in weights]
    states = [{} for _ in w]
    shared = {"u_product": 1.0}
    accumulated = [np.zeros_like(x) for x in w]
    averages = [None for _ in w]
    updates = 0
    history = []
    for iteration, grads in enumerate(gradient_sequence):
        grads = [g.astype(np.float64) for g in grads]
        if c["loss_scale_factor"]:
            grads = [g / c["loss_scale_factor"] for g in grads]
        steps = c["gradient_accumulation_steps"]
        if steps:
            accumulated = [a + g for a, g in zip(accumulated, grads)]
            if (iteration + 1) % steps:
                history.append([x.copy() for x in w])
                continue
            grads = [a / steps for a in accumulated]
            accumulated = [np.zeros_like(x) for x in w]
        if c["clipnorm"]:
            grads = [g * c["clipnorm"] / max(np.linalg.norm(g), c["clipnorm"]) for g in grads]
        if c["clipvalue"]:
            grads = [np.clip(g, -c["clipvalue"], c["clipvalue"]) for g in grads]
        if c["global_clipnorm"]:
            norm = np.sqrt(sum(np.sum(g * g) for g in grads))
            grads = [g * c["global_clipnorm"] / max(norm, c["global_clipnorm"]) for g in grads]
        if c["weight_decay"] and name != "Muon":  # Muon decays by kind of weight: its rule
            w = [x - x * c["weight_decay"] * lr for x in w]
        updates += 1
        t = updates
        shared["u_product"] *= c.get("beta_1", 0) * (1 - 0.5 * 0.96 ** t)
        w = [RULES[name](x, g, s, t, lr, c, shared) for x, g, s in zip(w, grads, states)]
        if c["use_ema"]:
            momentum = c["ema_momentum"] if iteration > 0 else 0.0
            averages = [x if a is None else momentum * a + (1 - momentum) * x
                        for a, x in zip(averages, w)]
            if c["ema_overwrite_frequency"] and (iteration + 1) % c["ema_overwrite_frequency"] == 0:
                w = [a.copy() for a in averages]
        history.append([x.copy() for x in w])
    return history


def _run(name, kwargs, weights, gradient_sequence):
    """Our optimizer's weights after each step, and the optimizer."""
    optimizer = getattr(optimizers, name)(**_arguments(name, kwargs))
    variables = _variables(weights)
    history = []
    for grads in gradient_sequence:
        optimizer.apply([ops.convert_to_tensor(g) for g in grads], variables)
        history.append([v.numpy() for v in variables])
    return history, optimizer, variables


# ---------------------------------------------------------------------- update rules
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_update_rule_matches_numpy_formula(backend, name, kwargs):
    weights, gradient_sequence = _initial_weights(), _gradient_sequence()
    ours, _, _ = _run(name, kwargs, weights, gradient_sequence)
    expected = numpy_reference(name, _arguments(name, kwargs), weights, gradient_sequence)
    for step, (got, want) in enumerate(zip(ours, expected)):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6,
                                       err_msg=f"{name} {kwargs}, step {step + 1}")


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_update_rule_matches_keras(backend, keras, name, kwargs):
    weights, gradient_sequence = _initial_weights(), _gradient_sequence()
    ours, optimizer, _ = _run(name, kwargs, weights, gradient_sequence)
    reference = getattr(keras.optimizers, name)(**_arguments(name, kwargs))
    keras_variables = [keras.Variable(w) for w in weights]
    for step, grads in enumerate(gradient_sequence):
        reference.apply([keras.ops.convert_to_tensor(g) for g in grads], keras_variables)
        for got, want in zip(ours[step], keras_variables):
            np.testing.assert_allclose(got, np.asarray(want.value), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} {kwargs}, step {step + 1}")
    # the same state, in the same order, as Keras keeps it (saved optimizer state moves)
    assert len(optimizer.variables) == len(reference.variables)
    for got, want in zip(optimizer.variables, reference.variables):
        assert got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), np.asarray(want.value), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name} {kwargs}: state {got.path}")


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's own
@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_defaults_and_config_match_keras(keras, name):
    ours = getattr(optimizers, name)(name="opt")
    theirs = getattr(keras.optimizers, name)(name="opt")
    assert ours.get_config() == theirs.get_config()


def test_float32_stays_float32(backend):
    variables = _variables(_initial_weights())
    optimizer = optimizers.Nadam(learning_rate=0.1, clipnorm=1.0, weight_decay=0.01)
    optimizer.apply([ops.convert_to_tensor(g) for g in _gradient_sequence()[0]], variables)
    assert [v.dtype for v in variables] == ["float32", "float32"]
    assert optimizer.iterations.dtype == "int32"
    assert all(v.dtype == "float32" for v in optimizer.variables[1:])
    values = [v.value for v in optimizer.variables] + [v.value for v in variables]
    assert all(ops.dtype(v) in ("float32", "int32") for v in values)


# ---------------------------------------------------------------------- the pure step
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_stateless_apply_equals_apply(backend, name, kwargs):
    weights, gradient_sequence = _initial_weights(), _gradient_sequence()
    ours, stateful, _ = _run(name, kwargs, weights, gradient_sequence)

    optimizer = getattr(optimizers, name)(**_arguments(name, kwargs))
    variables = _variables(weights)
    optimizer.build(variables)
    step = ops.jit(optimizer.stateless_apply)  # jax.jit on JAX, the function itself elsewhere
    optimizer_values = [v.value for v in optimizer.variables]
    trainable_values = [v.value for v in variables]
    for i, grads in enumerate(gradient_sequence):
        trainable_values, optimizer_values = step(
            optimizer_values, [ops.convert_to_tensor(g) for g in grads], trainable_values)
        for got, want in zip(trainable_values, ours[i]):
            np.testing.assert_allclose(ops.convert_to_numpy(got), want, rtol=1e-6, atol=1e-7)
    for got, want in zip(optimizer_values, stateful.variables):
        np.testing.assert_allclose(ops.convert_to_numpy(got), want.numpy(), rtol=1e-6, atol=1e-7)
    # nothing stateful moved
    for variable, weight in zip(variables, weights):
        np.testing.assert_array_equal(variable.numpy(), weight)
    assert int(ops.convert_to_numpy(optimizer.iterations)) == 0


@pytest.fixture
def jax_backend():
    """The jax backend, active for the test (skipped where it cannot load)."""
    jax = pytest.importorskip("jax")
    try:
        kerasette.backend.get_backend("jax")
    except Exception as error:
        pytest.skip(f"the jax backend is unavailable ({type(error).__name__}: {error})")
    with kerasette.backend.use("jax"):
        yield jax


def test_stateless_apply_under_jax_jit(jax_backend):
    jax = jax_backend
    weights, gradient_sequence = _initial_weights(), _gradient_sequence()
    ours, _, _ = _run("Adam", {"amsgrad": True, "clipnorm": 1.0}, weights, gradient_sequence)
    optimizer = optimizers.Adam(learning_rate=0.1, amsgrad=True, clipnorm=1.0)
    variables = _variables(weights)
    optimizer.build(variables)
    step = jax.jit(optimizer.stateless_apply)
    optimizer_values = [v.value for v in optimizer.variables]
    trainable_values = [v.value for v in variables]
    for grads in gradient_sequence:
        trainable_values, optimizer_values = step(optimizer_values, grads, trainable_values)
    for got, want in zip(trainable_values, ours[-1]):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6, atol=1e-7)
    assert int(optimizer_values[0]) == STEPS


def test_learning_rate_change_reaches_a_compiled_step(backend):
    # ReduceLROnPlateau sets optimizer.learning_rate; a compiled step must see it
    variable = kerasette.Variable(np.ones(3, "float32"))
    optimizer = optimizers.SGD(learning_rate=0.1)
    optimizer.build([variable])
    step = ops.jit(optimizer.stateless_apply)
    gradient = [ops.ones((3,))]
    new, _ = step([v.value for v in optimizer.variables], gradient, [variable.value])
    np.testing.assert_allclose(ops.convert_to_numpy(new[0]), 0.9, rtol=1e-6)
    optimizer.learning_rate = 0.5
    new, _ = step([v.value for v in optimizer.variables], gradient, [variable.value])
    np.testing.assert_allclose(ops.convert_to_numpy(new[0]), 0.5, rtol=1e-6)


def test_stateless_apply_checks_its_arguments(backend):
    optimizer = optimizers.Adam()
    with pytest.raises(ValueError, match="built"):
        optimizer.stateless_apply([], [], [])
    variable = kerasette.Variable(np.ones(2, "float32"))
    optimizer.build([variable])
    with pytest.raises(ValueError, match="optimizer values"):
        optimizer.stateless_apply([], [ops.ones((2,))], [variable.value])
    with pytest.raises(ValueError, match="trainable values"):
        optimizer.stateless_apply([v.value for v in optimizer.variables], [ops.ones((2,))], [])


# ---------------------------------------------------------------------- denormals
def test_flush_denormals_zeroes_only_denormals(backend):
    values = np.array([1e-39, -1e-39, 1e-45, 1.17549435e-38, -1e-30, 0.0, 0.5, -3.0], "float32")
    flushed = ops.convert_to_numpy(optimizers.flush_denormals(ops.convert_to_tensor(values)))
    np.testing.assert_array_equal(flushed, np.where(np.arange(8) < 3, 0, values))
    assert flushed.dtype == np.float32
    values64 = ops.convert_to_tensor(np.array([1e-310, 1e-300, 2.0], "float64"))
    if ops.dtype(values64) != "float64":
        return  # JAX without jax_enable_x64 has no float64
    flushed64 = ops.convert_to_numpy(optimizers.flush_denormals(values64))
    np.testing.assert_array_equal(flushed64, [0, 1e-300, 2.0])


FLUSH_CASES = [("SGD", {"momentum": 0.9}), ("Adam", {"amsgrad": True}), ("AdamW", {}),
               ("RMSprop", {"momentum": 0.5, "centered": True}), ("Adagrad", {}),
               ("Adadelta", {}), ("Adamax", {}), ("Nadam", {}), ("Lion", {}),
               ("Adam", {"gradient_accumulation_steps": 2, "use_ema": True})]


@pytest.mark.parametrize("name, kwargs", FLUSH_CASES,
                         ids=[f"{n}-{'-'.join(map(str, k))}" for n, k in FLUSH_CASES])
def test_update_flushes_denormal_state(backend, name, kwargs):
    # under a zero gradient every slot decays: its denormal entries must become 0 and its
    # normal ones must take exactly the value the rule gives them without any flushing
    start = np.array([1e-39, -1e-39, 1e-30, 0.5], "float32")
    if name not in ("SGD", "Lion"):  # slots that hold squares or norms are non-negative
        start = np.abs(start)

    def prepared(values):
        variable = kerasette.Variable(np.ones(4, "float32"))
        optimizer = getattr(optimizers, name)(**kwargs)
        optimizer.build([variable])
        # the moving average of the weights does not decay: it follows the weights
        slots = [v for v in optimizer.variables[2:]
                 if v.shape == (4,) and not v.name.endswith("_average")]
        for slot in slots:
            slot.assign(values)
        return optimizer, slots

    optimizer, slots = prepared(start)
    reference, reference_slots = prepared(start * np.array([0, 0, 1, 1], "float32"))
    assert slots
    for _ in range(2):
        optimizer.apply([ops.zeros((4,))])
        reference.apply([ops.zeros((4,))])
    for slot, reference_slot in zip(slots, reference_slots):
        value = slot.numpy()
        assert not np.any((value != 0) & (np.abs(value) < np.finfo(np.float32).tiny)), slot.path
        np.testing.assert_array_equal(value[:2], 0, err_msg=slot.path)
        np.testing.assert_array_equal(value[2:], reference_slot.numpy()[2:], err_msg=slot.path)


def test_adam_state_is_flushed_of_denormals_every_few_steps(backend):
    # the case that slowed numpy training: weights whose gradient is always zero
    from kerasette.optimizers.adam import FLUSH_EVERY
    variable = kerasette.Variable(np.ones(3, "float32"))
    optimizer = optimizers.Adam(beta_1=0.5, beta_2=0.5)
    optimizer.build([variable])
    optimizer.variables[2].assign(np.array([1e-30, -1e-30, 1.0], "float32"))
    optimizer.variables[3].assign(np.array([1e-30, 1e-35, 1.0], "float32"))
    tiny = np.finfo(np.float32).tiny
    denormal_since = None
    for step in range(3 * FLUSH_EVERY):
        optimizer.apply([ops.zeros((3,))])
        values = np.concatenate([slot.numpy() for slot in optimizer.variables[2:]])
        denormal = bool(np.any((values != 0) & (np.abs(values) < tiny)))
        if step % FLUSH_EVERY == 0:
            assert not denormal, f"a denormal moment right after the flush of step {step}"
        if denormal and denormal_since is None:
            denormal_since = step
        elif not denormal:
            denormal_since = None
        assert denormal_since is None or step - denormal_since < FLUSH_EVERY
    # decayed to 0 (or, where the backend itself flushes the denormal product m * (1 - beta_1)
    # to zero, as XLA on CPU does, stopped at a normal value near the smallest one)
    assert np.all(np.abs(optimizer.variables[2].numpy()[:2]) < 2 * tiny)


def test_trainable_variables_are_not_flushed(backend):
    denormal = ops.add(ops.convert_to_tensor(np.array([1e-39], "float32")), 0.0)
    if ops.convert_to_numpy(denormal)[0] == 0:
        pytest.skip(f"the {backend.name} backend flushes denormals itself")
    variable = kerasette.Variable(np.array([1e-39, 1.0], "float32"))
    optimizers.SGD(learning_rate=0.1).apply([ops.zeros((2,))], [variable])
    assert variable.numpy()[0] == np.float32(1e-39)


# ---------------------------------------------------------------------- the base optimizer
def test_none_gradients_are_skipped(backend):
    variables = _variables(_initial_weights())
    optimizer = optimizers.SGD(learning_rate=0.1)
    grads = _gradient_sequence()[0]
    with pytest.warns(UserWarning, match="dense/w1"):
        optimizer.apply([ops.convert_to_tensor(grads[0]), None], variables)
    np.testing.assert_allclose(variables[0].numpy(), _initial_weights()[0] - 0.1 * grads[0],
                               rtol=1e-6)
    np.testing.assert_array_equal(variables[1].numpy(), _initial_weights()[1])
    with pytest.raises(ValueError, match="no gradients"):
        optimizer.apply([None, None], variables)


def test_apply_gradients_and_iterations(backend):
    variables = _variables(_initial_weights())
    optimizer = optimizers.SGD(learning_rate=0.1)
    grads = [ops.convert_to_tensor(g) for g in _gradient_sequence()[0]]
    iterations = optimizer.apply_gradients(zip(grads, variables))
    assert int(iterations.numpy()) == 1
    optimizer.apply(grads)  # the variables it was built with
    assert int(optimizer.iterations.numpy()) == 2
    with pytest.raises(ValueError, match="2 variables"):
        optimizer.apply(grads[:1])
    with pytest.raises(ValueError, match="other variables"):
        optimizer.apply(grads[:1], [kerasette.Variable(np.ones((3, 4), "float32"))])


def test_constraint_is_applied_after_the_update(backend):
    variable = kerasette.Variable(np.array([0.5, -0.5], "float32"))
    variable.constraint = lambda w: ops.maximum(w, 0.0)
    plain = kerasette.Variable(np.array([0.5, -0.5], "float32"))
    plain.constraint = None
    optimizers.SGD(learning_rate=1.0).apply([ops.ones((2,)), ops.ones((2,))], [variable, plain])
    np.testing.assert_allclose(variable.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(plain.numpy(), [-0.5, -1.5])


def test_exclude_from_weight_decay(backend):
    variables = _variables(_initial_weights())
    optimizer = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["w1"])
    optimizer.apply([ops.zeros(SHAPES[0]), ops.zeros(SHAPES[1])], variables)
    weights = _initial_weights()
    np.testing.assert_allclose(variables[0].numpy(), weights[0] * (1 - 0.05), rtol=1e-6)
    np.testing.assert_array_equal(variables[1].numpy(), weights[1])
    with pytest.raises(ValueError, match="before"):
        optimizer.exclude_from_weight_decay(var_names=["w0"])


def test_learning_rate_property(backend):
    optimizer = optimizers.Adam(learning_rate=0.01)
    assert float(optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    optimizer.learning_rate = 0.5
    assert float(optimizer.learning_rate.numpy()) == 0.5
    assert optimizer.get_config()["learning_rate"] == 0.5
    optimizer.learning_rate = lambda: 0.25
    assert optimizer.learning_rate == 0.25
    assert len(optimizer.variables) == 1  # the learning-rate Variable is gone

    schedule = schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.5)
    scheduled = optimizers.SGD(learning_rate=schedule)
    variable = kerasette.Variable(np.zeros(1, "float32"))
    for expected in (1.0, 0.5, 0.25):
        assert float(ops.convert_to_numpy(scheduled.learning_rate)) == pytest.approx(expected)
        before = variable.numpy().copy()
        scheduled.apply([ops.ones((1,))], [variable])
        np.testing.assert_allclose(before - variable.numpy(), expected, rtol=1e-6)
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.learning_rate = 0.1
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(learning_rate="fast")


def test_slot_names_and_order_follow_keras(backend):
    variables = _variables(_initial_weights())
    optimizer = optimizers.Adam(name="adam", amsgrad=True)
    optimizer.build(variables)
    assert [v.path for v in optimizer.variables] == [
        "adam/iteration", "adam/learning_rate",
        "adam/dense_w0_momentum", "adam/dense_w0_velocity",
        "adam/dense_w1_momentum", "adam/dense_w1_velocity",
        "adam/dense_w0_velocity_hat", "adam/dense_w1_velocity_hat"]
    assert not any(v.trainable for v in optimizer.variables)


def test_save_and_load_own_variables(backend):
    variables = _variables(_initial_weights())
    optimizer = optimizers.Adam(learning_rate=0.1)
    for grads in _gradient_sequence():
        optimizer.apply([ops.convert_to_tensor(g) for g in grads], variables)
    store = {}
    optimizer.save_own_variables(store)
    restored = optimizers.Adam(learning_rate=0.1)
    restored.build(variables)
    restored.load_own_variables(store)
    for got, want in zip(restored.variables, optimizer.variables):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.warns(UserWarning, match="Skipping"):
        optimizers.Adam().load_own_variables(store)


def test_scale_loss(backend):
    assert optimizers.SGD().scale_loss(2.0) == 2.0
    scaled = optimizers.SGD(loss_scale_factor=4.0).scale_loss(ops.convert_to_tensor(2.0))
    assert float(ops.convert_to_numpy(scaled)) == 8.0


def test_argument_errors():
    with pytest.raises(ValueError, match="only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(learning_rat=0.1)


# ---------------------------------------------------------------------- names and configs
@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_config_round_trip(name, kwargs):
    optimizer = getattr(optimizers, name)(**_arguments(name, kwargs))
    config = optimizer.get_config()
    clone = type(optimizer).from_config(config)
    assert clone.get_config() == config
    serialized = optimizers.serialize(optimizer)
    assert serialized["module"] == "keras.optimizers"
    assert serialized["class_name"] == name
    assert optimizers.deserialize(serialized).get_config() == config


def test_config_with_schedule_round_trips_and_loads_in_keras(keras):
    schedule = schedules.CosineDecay(0.1, decay_steps=100, warmup_target=0.2, warmup_steps=10)
    optimizer = optimizers.Adam(learning_rate=schedule, name="adam")
    serialized = optimizers.serialize(optimizer)
    clone = optimizers.deserialize(serialized)
    assert isinstance(clone._learning_rate, schedules.CosineDecay)
    assert clone.get_config() == optimizer.get_config()
    theirs = keras.optimizers.deserialize(optimizers.serialize(optimizer))
    assert keras.optimizers.serialize(theirs) == serialized


@pytest.mark.parametrize("identifier, cls", [
    ("adam", optimizers.Adam), ("Adam", optimizers.Adam), ("sgd", optimizers.SGD),
    ("rmsprop", optimizers.RMSprop), ("RMSprop", optimizers.RMSprop),
    ("adamw", optimizers.AdamW), ("adagrad", optimizers.Adagrad),
    ("adadelta", optimizers.Adadelta), ("adamax", optimizers.Adamax),
    ("nadam", optimizers.Nadam), ("lion", optimizers.Lion),
])
def test_get_by_name(identifier, cls):
    optimizer = optimizers.get(identifier)
    assert type(optimizer) is cls
    assert optimizer.get_config() == cls(name=optimizer.name).get_config()


def test_get_passes_instances_and_none():
    optimizer = optimizers.SGD()
    assert optimizers.get(optimizer) is optimizer
    assert optimizers.get(None) is None
    config = {"class_name": "SGD", "config": {"learning_rate": 0.5, "momentum": 0.9}}
    from_dict = optimizers.get(config)
    assert from_dict.momentum == 0.9
    assert float(from_dict.learning_rate.numpy()) == 0.5


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as error:
        optimizers.get("adamm")
    message = str(error.value)
    assert "'adamm'" in message
    for name in ("adadelta", "adagrad", "adam", "adamax", "adamw", "lion", "nadam", "rmsprop",
                 "sgd"):
        assert name in message
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(42)


def test_custom_optimizer(backend):
    class SignSGD(optimizers.Optimizer):
        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, ops.multiply(ops.cast(learning_rate, variable.dtype),
                                                   ops.sign(gradient)))

    variable = kerasette.Variable(np.array([1.0, 1.0], "float32"))
    optimizer = SignSGD(learning_rate=0.25)
    assert optimizer.name.startswith("sign_sgd")
    optimizer.apply([ops.convert_to_tensor(np.array([3.0, -0.1], "float32"))], [variable])
    np.testing.assert_allclose(variable.numpy(), [0.75, 1.25])


def test_missing_gradient_warning_is_raised_once_per_apply(backend):
    variables = _variables(_initial_weights())
    optimizer = optimizers.SGD()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer.apply([None, ops.zeros(SHAPES[1])], variables)
    assert len([w for w in caught if "Gradients do not exist" in str(w.message)]) == 1
