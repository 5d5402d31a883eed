"""``LossScaleOptimizer`` against the real Keras 3: dynamic loss scaling step by step (skip
and halve on non-finite gradients, double after ``dynamic_growth_steps`` finite ones), its
state and config, ``compile``'s automatic wrapping under "mixed_float16", and a short
float16 training run that must skip the same steps as Keras."""

import functools

import numpy as np
import pytest

import kerasette
from kerasette import ops

pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    # overflowing float16 gradients are the point of these tests; numpy warns of them
    pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:The structure of `inputs` doesn't match:UserWarning")]

INF, NAN = np.inf, np.nan
#: one gradient per step for a weight of two entries: overflowing, then finite, ...
GRADIENTS = [[1.0, INF], [4.0, 8.0], [4.0, -8.0], [NAN, 1.0], [2.0, 2.0], [2.0, 2.0],
             [2.0, 2.0], [-INF, 0.0]]


def optimizer(K):
    return K.optimizers.LossScaleOptimizer(K.optimizers.SGD(0.1, momentum=0.5, name="inner"),
                                           initial_scale=8.0, dynamic_growth_steps=2,
                                           name="scaler")


@functools.lru_cache(maxsize=None)  # once for all the backends
def keras_trajectory(keras):
    """The weight and the optimizer's variables after each step, from Keras's own
    ``stateless_apply`` (its stateful ``apply`` does not run on the JAX backend)."""
    jax = pytest.importorskip("jax")
    weight = keras.Variable(np.ones(2, "float32"), name="w")
    opt = optimizer(keras)
    opt.build([weight])
    values, state = [np.ones(2, "float32")], [v.value for v in opt.variables]
    step = jax.jit(opt.stateless_apply)  # compiled once: faster than op by op
    out = []
    for g in GRADIENTS:
        values, state = step(state, [np.asarray(g, "float32")], values)
        out.append([np.asarray(values[0])] + [np.asarray(s) for s in state])
    return out, [v.path for v in opt.variables]


def test_dynamic_scaling_matches_keras_step_by_step(backend, keras):
    expected, paths = keras_trajectory(keras)
    weight = kerasette.Variable(np.ones(2, "float32"), name="w")
    opt = optimizer(kerasette)
    opt.build([weight])
    assert [v.path for v in opt.variables] == paths
    stateless_values = [weight.value]
    stateless_state = [v.value for v in opt.variables]
    for step, (g, want) in enumerate(zip(GRADIENTS, expected)):
        opt.apply([ops.convert_to_tensor(np.asarray(g, "float32"))], [weight])
        got = [weight.numpy()] + [v.numpy() for v in opt.variables]
        stateless_values, stateless_state = opt.stateless_apply(
            stateless_state, [ops.convert_to_tensor(np.asarray(g, "float32"))],
            stateless_values)
        pure = [stateless_values[0]] + list(stateless_state)
        for what, values in (("apply", got), ("stateless_apply", pure)):
            for path, a, b in zip(["weight"] + paths, values, want):
                np.testing.assert_allclose(ops.convert_to_numpy(a), b, rtol=1e-6,
                                           err_msg=f"{what}, step {step}: {path}")
    assert float(opt.dynamic_scale.numpy()) == 4.0 and int(opt.iterations.numpy()) == 5


def test_scale_loss_uses_the_current_scale(backend):
    opt = optimizer(kerasette)
    assert float(ops.convert_to_numpy(opt.scale_loss(ops.convert_to_tensor(1.5)))) == 12.0
    opt.build([kerasette.Variable(np.ones(2, "float32"))])
    opt.dynamic_scale.assign(32.0)
    assert float(ops.convert_to_numpy(opt.scale_loss(ops.convert_to_tensor(1.5)))) == 48.0


def test_config_and_learning_rate_match_keras(keras):
    theirs, ours = optimizer(keras), optimizer(kerasette)
    assert ours.get_config() == theirs.get_config()
    loaded = kerasette.optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert isinstance(loaded, kerasette.optimizers.LossScaleOptimizer)
    assert loaded.get_config() == theirs.get_config()
    assert isinstance(loaded.inner_optimizer, kerasette.optimizers.SGD)
    ours.learning_rate = 0.25
    assert float(ours.inner_optimizer.learning_rate.numpy()) == 0.25
    with pytest.raises(ValueError, match="clipnorm.*inner optimizer"):
        kerasette.optimizers.LossScaleOptimizer(kerasette.optimizers.SGD(), clipnorm=1.0)


@pytest.mark.parametrize("policy, auto_scale_loss", [("mixed_float16", True),
                                                     ("mixed_float16", False),
                                                     ("mixed_bfloat16", True)])
def test_compile_wraps_the_optimizer_as_keras(keras, policy, auto_scale_loss):
    def compiled(K):
        K.mixed_precision.set_global_policy(policy)
        model = K.Sequential([K.Input((3,)), K.layers.Dense(2)])
        model.compile(K.optimizers.Adam(0.01, name="adam"), "mse",
                      auto_scale_loss=auto_scale_loss)
        K.mixed_precision.set_global_policy("float32")
        return type(model.optimizer).__name__, model.optimizer.get_config()
    assert compiled(kerasette) == compiled(keras)


def float16_model(K):
    K.mixed_precision.set_global_policy("mixed_float16")
    model = K.Sequential([K.Input((4,)), K.layers.Dense(8, activation="relu"),
                          K.layers.Dense(1, dtype="float32")])
    K.mixed_precision.set_global_policy("float32")
    return model


X_TRAIN = np.random.default_rng(1).normal(size=(64, 4)).astype("float32")
Y_TRAIN = np.random.default_rng(2).normal(size=(64, 1)).astype("float32")


def train_scaled(K, weights=None):
    """Trains float16_model with a LossScaleOptimizer whose first scale (2**20) makes the
    float16 gradients overflow; returns (initial weights, losses, optimizer state, weights)."""
    model = float16_model(K)
    if weights is not None:
        model.set_weights(weights)
    initial = model.get_weights()
    model.compile(K.optimizers.LossScaleOptimizer(K.optimizers.SGD(0.05),
                                                  initial_scale=2.0 ** 20,
                                                  dynamic_growth_steps=3), "mse")
    history = model.fit(X_TRAIN, Y_TRAIN, batch_size=16, epochs=4, shuffle=False, verbose=0)
    return (initial, history.history["loss"], [np.asarray(v) for v in model.optimizer.variables],
            [np.asarray(w) for w in model.get_weights()])


@functools.lru_cache(maxsize=None)  # once for all the backends
def keras_training(keras):
    return train_scaled(keras)


def test_training_skips_overflowing_steps_as_keras(backend, keras):
    """The first steps are skipped and the scale halves until the gradients fit, then SGD
    trains; Keras skips the same steps, and the weights stay float32."""
    initial, keras_loss, keras_state, keras_weights = keras_training(keras)
    _, loss, state, weights = train_scaled(kerasette, initial)
    assert [s.dtype for s in state] == [s.dtype for s in keras_state]
    for a, b in zip(state, keras_state):
        np.testing.assert_allclose(a, b, rtol=1e-6)  # steps counted, skipped, the scale
    assert state[3] < 2.0 ** 20 and state[4] > 0  # halved, then some steps taken
    np.testing.assert_allclose(loss, keras_loss, rtol=2e-2)
    for a, b in zip(weights, keras_weights):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=2e-2, atol=2e-3)


@pytest.mark.standin
def test_a_loss_scaled_step_reads_nothing_back_from_the_device():
    """Skipping a step and changing the scale are ``where`` on device values: on the cupy
    stand-in, which counts host reads, more steps per epoch read nothing more."""
    from backend_availability import REAL_CUPY, unavailable
    reason = unavailable("cupy", standin_ok=True) or (
        "host reads are counted by the CPU stand-in only" if REAL_CUPY else None)
    if reason:
        pytest.skip(reason)
    import cupy
    with kerasette.backend.use("cupy"):
        model = float16_model(kerasette)
        model.compile(kerasette.optimizers.LossScaleOptimizer(kerasette.optimizers.SGD(0.05),
                                                              initial_scale=2.0 ** 20), "mse")
        reads = {}
        for steps in (1, 4):
            model.fit(X_TRAIN, Y_TRAIN, batch_size=8, epochs=1, steps_per_epoch=steps,
                      verbose=0)
            cupy.SYNCS.clear()
            model.fit(X_TRAIN, Y_TRAIN, batch_size=8, epochs=1, steps_per_epoch=steps,
                      verbose=0)
            reads[steps] = dict(cupy.SYNCS)
        assert reads[1] == reads[4], f"host reads in an epoch of 1 and of 4 steps: {reads}"
        # the overflowing steps happened, on the device: skipped, the scale halved
        assert float(model.optimizer.dynamic_scale.numpy()) < 2.0 ** 20


def test_fit_scales_the_loss_by_loss_scale_factor():
    """The trainer multiplies the loss by ``optimizer.scale_loss`` (which the optimizer then
    divides out): a fixed loss_scale_factor leaves training as it is, as in Keras 3."""
    x, y = X_TRAIN[:8], Y_TRAIN[:8]
    weights = []
    for factor in (None, 8.0):
        kerasette.utils.set_random_seed(0)
        model = kerasette.Sequential([kerasette.Input((4,)), kerasette.layers.Dense(1)])
        model.compile(kerasette.optimizers.SGD(0.1, loss_scale_factor=factor), "mse")
        model.fit(x, y, epochs=2, verbose=0)
        weights.append(model.get_weights())
    for plain, scaled in zip(*weights):
        np.testing.assert_allclose(scaled, plain, rtol=1e-6)
