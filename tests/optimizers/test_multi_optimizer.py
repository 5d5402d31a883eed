"""MultiOptimizer and OptimizerMap: each variable updated by its own optimizer, exactly as
that optimizer alone would; state, configs and saving as Keras 3's."""

import numpy as np
import pytest

import kerasette
from kerasette import layers, optimizers


def _model():
    kerasette.utils.set_random_seed(0)
    return kerasette.Sequential([kerasette.Input((4,)), layers.Dense(3, name="body"),
                                 layers.Dense(1, name="head")])


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    return x, (x @ rng.normal(size=(4, 1))).astype("float32")


def _split_optimizer():
    return optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.05), {"head/.*": optimizers.Adam(0.01)}))


@pytest.mark.parametrize("backend_name", ["numpy", "jax"])
def test_each_inner_optimizer_keeps_the_state_of_its_own_variables(backend_name):
    try:
        kerasette.backend.get_backend(backend_name)
    except ImportError as error:
        pytest.skip(f"the {backend_name} backend is not available: {error}")
    x, y = _data()
    with kerasette.backend.use(backend_name):
        multi = _model()
        multi.compile(optimizer=_split_optimizer(), loss="mse")
        multi.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    # a compiled fit (the stateless step): the Adam optimizer holds slots for the head only,
    # and every optimizer counted every step
    sgd, adam = multi.optimizer.optimizers[1], multi.optimizer.optimizers[0]
    assert isinstance(adam, optimizers.Adam) and isinstance(sgd, optimizers.SGD)
    assert sorted(v.path.split("/")[-1] for v in adam.variables[2:]) == [
        "head_bias_momentum", "head_bias_velocity", "head_kernel_momentum",
        "head_kernel_velocity"]
    assert int(multi.optimizer.iterations.numpy()) == int(adam.iterations.numpy()) == 4
    assert len(multi.optimizer.variables) == 2 + len(adam.variables) + len(sgd.variables)


def test_one_step_equals_the_inner_optimizers_steps():
    x, y = _data()
    model = _model()
    model.compile(optimizer=_split_optimizer(), loss="mse")
    before = model.get_weights()
    grads_model = _model()
    with kerasette.GradientTape() as tape:
        loss = kerasette.losses.mean_squared_error(y, grads_model(x))
        loss = kerasette.ops.mean(loss)
    grads = [np.asarray(g) for g in tape.gradient(loss, grads_model.trainable_variables)]
    model.train_on_batch(x, y)
    after = model.get_weights()
    # body: one SGD step; head: one Adam step (its first: lr * sign-like g / (|g| + eps))
    np.testing.assert_allclose(after[0], before[0] - 0.05 * grads[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(after[1], before[1] - 0.05 * grads[1], rtol=1e-5, atol=1e-7)
    for index in (2, 3):
        g = grads[index]
        expected = before[index] - 0.01 * g / (np.abs(g) + 1e-7)
        np.testing.assert_allclose(after[index], expected, rtol=1e-4, atol=1e-6)


def test_learning_rate_belongs_to_the_inner_optimizers():
    optimizer = _split_optimizer()
    with pytest.raises(AttributeError, match="inner optimizers"):
        optimizer.learning_rate
    with pytest.raises(AttributeError, match="inner optimizers"):
        optimizer.learning_rate = 0.1


def test_map_errors():
    mapping = optimizers.OptimizerMap(optimizers.SGD(), {"a.*": optimizers.Adam()})
    mapping["ab.*"] = optimizers.Adam()
    with pytest.raises(ValueError, match="several patterns"):
        mapping["abc"]
    with pytest.raises(ValueError, match="already mapped"):
        mapping["a.*"] = optimizers.SGD()
    with pytest.raises(ValueError, match="cannot be an inner optimizer"):
        mapping["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())


def test_saved_and_loaded_with_the_model(tmp_path):
    x, y = _data()
    model = _model()
    model.compile(optimizer=_split_optimizer(), loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "multi.keras"
    model.save(path)
    loaded = kerasette.saving.load_model(path)
    assert isinstance(loaded.optimizer, optimizers.MultiOptimizer)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # Keras's own
def test_configs_move_between_kerasette_and_keras(keras):
    ours = optimizers.serialize(_split_optimizer())
    theirs = keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(
        keras.optimizers.SGD(0.05), {"head/.*": keras.optimizers.Adam(0.01)}))
    back = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert isinstance(back, optimizers.MultiOptimizer)
    assert [type(o).__name__ for o in back.optimizers] == ["Adam", "SGD"]
    loaded = keras.optimizers.deserialize(ours)
    assert [type(o).__name__ for o in loaded.optimizers] == ["Adam", "SGD"]
