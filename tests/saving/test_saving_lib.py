"""``.keras`` and ``.weights.h5`` files: round trips, compile and optimizer state, resuming
training exactly, overwrite and atomic saves, and the errors of files that do not fit.

Each test runs on every available backend through the ``backend`` fixture.
"""

import io
import json
import os
import stat
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import kerasette
from kerasette import layers
from kerasette.saving import FileFormatError


def data(seed=0, n=32):
    g = np.random.default_rng(seed)
    x = g.normal(size=(n, 6)).astype("float32")
    y = g.normal(size=(n, 2)).astype("float32")
    return x, y


def mlp(name=None):
    return kerasette.Sequential([
        kerasette.Input((6,)),
        layers.Dense(8, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(2),
    ], name=name)


def two_in_two_out():
    a = kerasette.Input((6,), name="a")
    b = kerasette.Input((3,), name="b")
    h = layers.Dense(5, activation="tanh", name="hidden")(a)
    joined = layers.Concatenate(name="join")([h, b])
    score = layers.Dense(1, name="score")(joined)
    label = layers.Dense(3, activation="softmax", name="label")(joined)
    return kerasette.Model(inputs=[a, b], outputs=[score, label], name="two_heads")


def assert_same_weights(model_a, model_b, **tolerance):
    weights_a, weights_b = model_a.get_weights(), model_b.get_weights()
    assert len(weights_a) == len(weights_b)
    for wa, wb in zip(weights_a, weights_b):
        np.testing.assert_allclose(wa, wb, **(tolerance or dict(rtol=0, atol=0)))


def trained_mlp(epochs=1):
    kerasette.utils.set_random_seed(1)
    model = mlp()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = data()
    model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0)
    return model


# ---------------------------------------------------------------------------- round trips
def test_sequential_round_trip_restores_weights_predictions_and_optimizer(backend, tmp_path):
    model = trained_mlp(epochs=2)
    x, _ = data(seed=5)
    path = tmp_path / "mlp.keras"
    model.save(path)
    restored = kerasette.models.load_model(path)
    assert type(restored) is kerasette.Sequential
    assert [l.name for l in restored.layers] == [l.name for l in model.layers]
    assert_same_weights(model, restored)
    # the moving statistics moved during training and came back
    assert not np.allclose(restored.layers[1].moving_mean.numpy(), 0)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(restored.optimizer.iterations.numpy()) == 8  # 2 epochs of 4 batches
    for ours, theirs in zip(model.optimizer.variables, restored.optimizer.variables):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_functional_two_inputs_two_outputs_round_trip(backend, tmp_path):
    kerasette.utils.set_random_seed(2)
    model = two_in_two_out()
    model.compile(optimizer=kerasette.optimizers.SGD(0.05, momentum=0.9),
                  loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
                  metrics=[["mae"], ["accuracy"]])
    g = np.random.default_rng(3)
    xa, xb = g.normal(size=(16, 6)).astype("float32"), g.normal(size=(16, 3)).astype("float32")
    ys = [g.normal(size=(16, 1)).astype("float32"), g.integers(0, 3, size=(16,))]
    model.fit([xa, xb], ys, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "two.keras")
    restored = kerasette.models.load_model(tmp_path / "two.keras")
    assert restored.input_names == ["a", "b"] and restored.output_names == ["score", "label"]
    for ours, theirs in zip(model.predict([xa, xb], verbose=0),
                            restored.predict([xa, xb], verbose=0)):
        np.testing.assert_array_equal(ours, theirs)
    config = restored.get_compile_config()
    assert config["loss"] == ["mse", "sparse_categorical_crossentropy"]
    assert config["loss_weights"] == [1.0, 0.5]
    assert config["optimizer"]["config"]["momentum"] == pytest.approx(0.9)
    assert (model.evaluate([xa, xb], ys, verbose=0, return_dict=True)
            == pytest.approx(restored.evaluate([xa, xb], ys, verbose=0, return_dict=True),
                             rel=1e-6))


@kerasette.saving.register_keras_serializable(package="tests_saving")
class Scaled(kerasette.layers.Layer):
    """A layer with a weight of its own and a sublayer, for the subclassing tests."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.project = layers.Dense(units)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")

    def call(self, x):
        return self.project(x) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@kerasette.saving.register_keras_serializable(package="tests_saving")
class Tower(kerasette.Model):
    """A subclassed model: layers in attributes and in a list."""

    def __init__(self, width=4, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.blocks = [Scaled(width), Scaled(width)]
        self.head = layers.Dense(1)

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x)

    def get_config(self):
        return {**super().get_config(), "width": self.width}


def test_registered_subclassed_model_round_trip(backend, tmp_path):
    kerasette.utils.set_random_seed(4)
    model = Tower(width=5)
    x, y = data()
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(x, y[:, :1], epochs=1, batch_size=16, verbose=0)
    model.blocks[1].scale.assign(np.arange(5, dtype="float32"))
    model.save(tmp_path / "tower.keras")
    restored = kerasette.saving.load_model(tmp_path / "tower.keras")
    assert type(restored) is Tower and restored.width == 5
    np.testing.assert_array_equal(restored.blocks[1].scale.numpy(), np.arange(5))
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(restored.optimizer.iterations.numpy()) == 2
    with zipfile.ZipFile(tmp_path / "tower.keras") as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        # Keras 3's paths: attribute names, list entries by class name
        assert weights["blocks/scaled_1/vars/0"].shape == (5,)
        assert weights["blocks/scaled_1/project/vars/0"].shape == (5, 5)
        assert weights["head/vars/0"].shape == (5, 1)


def test_custom_objects_make_an_unregistered_class_loadable(backend, tmp_path):
    class Doubler(kerasette.layers.Layer):
        def call(self, x):
            return x * 2.0

    model = kerasette.Sequential([kerasette.Input((6,)), Doubler(name="double"),
                                  layers.Dense(2)])
    model.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match="Unknown class 'Doubler'.*custom_objects"):
        kerasette.models.load_model(tmp_path / "custom.keras")
    restored = kerasette.models.load_model(tmp_path / "custom.keras",
                                           custom_objects={"Doubler": Doubler})
    x, _ = data()
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_lambda_is_refused_in_safe_mode_and_loads_without_it(backend, tmp_path):
    model = kerasette.Sequential([kerasette.Input((6,)),
                                  layers.Lambda(lambda t: t + 1.0), layers.Dense(2)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        kerasette.models.load_model(tmp_path / "lambda.keras")
    # safe_mode=False rebuilds the lambda from the bytecode the file holds
    restored = kerasette.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    x, _ = data()
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_compile_false_leaves_the_model_uncompiled(backend, tmp_path):
    model = trained_mlp()
    model.save(tmp_path / "m.keras")
    restored = kerasette.models.load_model(tmp_path / "m.keras", compile=False)
    assert not restored.compiled and restored.optimizer is None
    assert_same_weights(model, restored)


def test_compile_settings_are_restored(backend, tmp_path):
    kerasette.utils.set_random_seed(0)
    model = mlp()
    model.compile(optimizer=kerasette.optimizers.Adam(learning_rate=0.003, beta_1=0.8),
                  loss=kerasette.losses.Huber(delta=0.5), metrics=["mae", "mse"])
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "c.keras")
    restored = kerasette.models.load_model(tmp_path / "c.keras")
    assert restored.compiled
    assert type(restored.optimizer) is kerasette.optimizers.Adam
    assert float(restored.optimizer.learning_rate.numpy()) == pytest.approx(0.003)
    assert restored.optimizer.beta_1 == pytest.approx(0.8)
    assert isinstance(restored.loss, kerasette.losses.Huber)
    assert restored.loss.get_config()["delta"] == pytest.approx(0.5)
    ours = model.evaluate(x, y, verbose=0, return_dict=True)
    theirs = restored.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(ours) == sorted(theirs) == ["loss", "mae", "mse"]
    assert theirs == pytest.approx(ours, rel=1e-6)


@pytest.mark.parametrize("via", ["keras_file", "weights_file"])
def test_resumed_training_ends_where_uninterrupted_training_ends(backend, tmp_path, via):
    """2 epochs, save, load, 1 more epoch == 3 epochs in one go (same seed, no shuffling):
    the optimizer's moments, its step count and the moving statistics all carried over."""
    x, y = data(n=40)
    kerasette.utils.set_random_seed(7)
    straight = mlp()
    straight.compile(optimizer="adam", loss="mse")
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)

    kerasette.utils.set_random_seed(7)
    first = mlp()
    first.compile(optimizer="adam", loss="mse")
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    if via == "keras_file":
        first.save(tmp_path / "ckpt.keras")
        resumed = kerasette.models.load_model(tmp_path / "ckpt.keras")
    else:
        first.save_weights(tmp_path / "ckpt.weights.h5")
        kerasette.utils.set_random_seed(99)  # different starting weights, all overwritten
        resumed = mlp()
        resumed.compile(optimizer="adam", loss="mse")
        resumed.load_weights(tmp_path / "ckpt.weights.h5")
    assert int(resumed.optimizer.iterations.numpy()) == 10
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert int(resumed.optimizer.iterations.numpy()) == 15
    assert_same_weights(straight, resumed)
    for ours, theirs in zip(straight.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---------------------------------------------------------------------------- the file
def test_archive_members_and_metadata(backend, tmp_path):
    model = trained_mlp()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json",
                                              "model.weights.h5"]
        meta = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        assert meta["keras_version"].startswith("3.")
        assert meta["kerasette_version"] == kerasette.__version__
        assert config["class_name"] == "Sequential"
        assert config["compile_config"]["loss"] == "mse"
        # every backend compiles the steps (numpy: a replayed schedule), and says so
        assert config["compile_config"]["jit_compile"] is True
        assert config["build_config"] == {"input_shape": [None, 6]}
        assert weights["layers/dense/vars/0"].shape == (6, 8)
        assert weights["layers/dense_1/vars/0"].shape == (8, 2)
        np.testing.assert_array_equal(weights["layers/batch_normalization/vars/2"][()],
                                      model.layers[1].moving_mean.numpy())
        assert weights["optimizer/vars/0"][()] == 4
        assert len(weights["optimizer/vars"]) == 2 + 2 * 6  # iterations, lr, m and v per weight
        assert weights["vars"].attrs["name"] == model.name


def test_weights_file_round_trip_into_a_fresh_model(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    kerasette.utils.set_random_seed(123)
    other = mlp()
    other.load_weights(tmp_path / "w.weights.h5")  # no optimizer: its state is ignored
    assert_same_weights(model, other)
    # a .keras file's weights load the same way
    model.save(tmp_path / "m.keras")
    third = mlp()
    third.load_weights(tmp_path / "m.keras")
    assert_same_weights(model, third)


def test_wrong_extensions_are_refused_with_keras_messages(backend, tmp_path):
    model = trained_mlp()
    with pytest.raises(ValueError, match="Invalid filepath extension for saving.*`.keras`"):
        model.save(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="File format not supported"):
        kerasette.models.load_model(tmp_path / "model.h5")
    with pytest.raises(FileNotFoundError):
        kerasette.models.load_model(tmp_path / "absent.keras")
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "absent.weights.h5")
    assert os.listdir(tmp_path) == []


def test_overwrite_false_refuses_an_existing_file(backend, tmp_path):
    model = trained_mlp()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    before = (tmp_path / "m.keras").read_bytes(), (tmp_path / "m.weights.h5").read_bytes()
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save_weights(tmp_path / "m.weights.h5", overwrite=False)
    assert ((tmp_path / "m.keras").read_bytes(), (tmp_path / "m.weights.h5").read_bytes()) \
        == before
    model.layers[0].kernel.assign(np.zeros((6, 8), "float32"))
    model.save(tmp_path / "m.keras")  # overwrite=True (the default) replaces it
    restored = kerasette.models.load_model(tmp_path / "m.keras")
    assert not restored.layers[0].kernel.numpy().any()


class Exploding(kerasette.layers.Layer):
    """Raises in save_own_variables when told to: a save failing half-way."""

    explode = False

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w

    def save_own_variables(self, store):
        store["0"] = self.w
        if Exploding.explode:
            raise RuntimeError("disk on fire")


@pytest.mark.parametrize("kind", ["keras", "weights"])
def test_a_failed_save_leaves_the_previous_file_and_no_temporary_file(backend, tmp_path,
                                                                       kind):
    model = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(3),
                                  Exploding(name="exploding"), layers.Dense(2)])
    path = tmp_path / ("m.keras" if kind == "keras" else "m.weights.h5")

    def save():
        model.save(path) if kind == "keras" else model.save_weights(path)

    save()
    old_kernel = model.layers[0].kernel.numpy()
    previous = path.read_bytes()
    model.layers[0].kernel.assign(old_kernel + 1.0)
    Exploding.explode = True
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            save()
    finally:
        Exploding.explode = False
    assert os.listdir(tmp_path) == [path.name]
    assert path.read_bytes() == previous
    fresh = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(3),
                                  Exploding(name="exploding_2"), layers.Dense(2)])
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.layers[0].kernel.numpy(), old_kernel)


def save_as(model, path):
    model.save(path) if str(path).endswith(".keras") else model.save_weights(path)


def load_from(path):
    """The weights of a fresh ``mlp()`` after loading ``path``."""
    if str(path).endswith(".keras"):
        return kerasette.models.load_model(path).get_weights()
    fresh = mlp()
    fresh.load_weights(path)
    return fresh.get_weights()


@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5"])
@pytest.mark.parametrize("mode", [0o600, 0o640], ids=oct)
def test_resaving_keeps_the_file_permissions(backend, tmp_path, name, mode):
    model = trained_mlp()
    path = tmp_path / name
    save_as(model, path)
    path.chmod(mode)
    model.layers[0].kernel.assign(np.zeros((6, 8), "float32"))
    save_as(model, path)
    assert oct(stat.S_IMODE(path.stat().st_mode)) == oct(mode)
    assert not load_from(path)[0].any()  # the file was replaced


@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5"])
def test_a_new_file_gets_the_mode_the_umask_gives(backend, tmp_path, name):
    model = trained_mlp()
    previous = os.umask(0o022)
    try:
        save_as(model, tmp_path / name)
    finally:
        os.umask(previous)
    assert oct(stat.S_IMODE((tmp_path / name).stat().st_mode)) == oct(0o644)


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
@pytest.mark.parametrize("length", [240, "NAME_MAX"])
def test_a_name_as_long_as_the_system_allows_is_saved_and_loaded(backend, tmp_path, suffix,
                                                                 length):
    try:
        longest = os.pathconf(tmp_path, "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    length = longest if length == "NAME_MAX" else length
    path = tmp_path / ("m" * (length - len(suffix)) + suffix)
    model = trained_mlp()
    save_as(model, path)
    model.layers[0].kernel.assign(np.ones((6, 8), "float32"))
    save_as(model, path)  # replacing it needs a temporary beside it, too
    assert os.listdir(tmp_path) == [path.name]
    for got, expected in zip(load_from(path), model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)


# ---------------------------------------------------------------------------- mismatches
def snapshot(model):
    return [w.copy() for w in model.get_weights()]


def test_a_different_shape_names_layer_variable_and_both_shapes(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    other = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(8, activation="relu"),
                                  layers.BatchNormalization(), layers.Dense(3)],
                                 name="wider_head")
    before = snapshot(other)
    with pytest.raises(ValueError) as raised:
        other.load_weights(tmp_path / "w.weights.h5")
    message = str(raised.value)
    last = other.layers[2]
    assert f'Layer "{last.name}" (layers/dense_1)' in message
    assert 'variable "kernel"' in message and "(8, 3)" in message and "(8, 2)" in message
    assert 'variable "bias"' not in message  # the first problem of a layer is enough
    assert "nothing was changed" in message
    for old, new in zip(before, other.get_weights()):
        np.testing.assert_array_equal(old, new)  # all or nothing: the fitting layers too


def test_a_different_number_of_layers_says_which(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    shorter = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(8),
                                    layers.BatchNormalization()])
    before = snapshot(shorter)
    with pytest.raises(ValueError, match=r"1 object\(s\) that the model .* does not have: "
                                         r"\['layers/dense_1'\]"):
        shorter.load_weights(tmp_path / "w.weights.h5")
    longer = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(8),
                                   layers.BatchNormalization(), layers.Dense(2),
                                   layers.Dense(2)])
    with pytest.raises(ValueError) as raised:
        longer.load_weights(tmp_path / "w.weights.h5")
    assert (f'Layer "{longer.layers[3].name}" (layers/dense_2) expects 2 variables '
            "[kernel (2, 2), bias (2,)], but the file holds 0") in str(raised.value)
    for old, new in zip(before, shorter.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_a_different_number_of_variables_says_which(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    no_bias = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(8, use_bias=False),
                                    layers.BatchNormalization(), layers.Dense(2)])
    with pytest.raises(ValueError) as raised:
        no_bias.load_weights(tmp_path / "w.weights.h5")
    message = str(raised.value)
    assert (f'Layer "{no_bias.layers[0].name}" (layers/dense) expects 1 variables '
            "[kernel (6, 8)], but the file holds 2") in message
    assert '"1" (8,)' in message


def test_skip_mismatch_loads_what_fits_and_warns(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    other = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(8),
                                  layers.BatchNormalization(), layers.Dense(3)])
    kept = other.layers[2].kernel.numpy()
    with pytest.warns(UserWarning, match="skipped"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].kernel.numpy(),
                                  model.layers[0].kernel.numpy())
    np.testing.assert_array_equal(other.layers[2].kernel.numpy(), kept)


def _rewrite_dataset(src, dst, dataset_path, value):
    with h5py.File(src, "r") as source, h5py.File(dst, "w") as target:
        for key in source:
            source.copy(source[key], target, name=key)
        del target[dataset_path]
        target[dataset_path] = value


def test_string_data_is_refused_and_nothing_changes(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    _rewrite_dataset(tmp_path / "w.weights.h5", tmp_path / "bad.weights.h5",
                     "layers/dense_1/vars/1", np.array([b"ab", b"cd"]))
    fresh = mlp()
    before = snapshot(fresh)
    with pytest.raises(FileFormatError, match=r"layers/dense_1/vars/1.*\|S2.*numbers"):
        fresh.load_weights(tmp_path / "bad.weights.h5")
    for old, new in zip(before, fresh.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_float_data_for_an_integer_variable_is_refused(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    _rewrite_dataset(tmp_path / "w.weights.h5", tmp_path / "bad.weights.h5",
                     "optimizer/vars/0", np.float32(4.5))
    fresh = mlp()
    fresh.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r'Optimizer "adam.*variable "iteration".*int32.*'
                                         r"float32"):
        fresh.load_weights(tmp_path / "bad.weights.h5")
    assert int(fresh.optimizer.iterations.numpy()) == 0


def test_a_failing_custom_load_puts_every_value_back(backend, tmp_path):
    class Fragile(kerasette.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

        def load_own_variables(self, store):
            self.w.assign(store["0"])
            raise RuntimeError("half-way")

    def make():
        return kerasette.Sequential([kerasette.Input((6,)), layers.Dense(3),
                                     Fragile(name="fragile"), layers.Dense(2)])
    source = make()
    source.layers[1].w.assign(np.full((3,), 7.0, "float32"))
    source.save_weights(tmp_path / "w.weights.h5")
    target = make()
    before = snapshot(target)
    with pytest.raises(RuntimeError, match="half-way"):
        target.load_weights(tmp_path / "w.weights.h5")
    for old, new in zip(before, target.get_weights()):
        np.testing.assert_array_equal(old, new)


def _unwritten_kernel(path):
    """The file at ``path`` with its first kernel declared but never written."""
    with h5py.File(path, "r+") as store:
        del store["layers/dense/vars/0"]
        store.create_dataset("layers/dense/vars/0", shape=(6, 8), dtype="float32", chunks=(2, 8))


def _wrong_slot_shape(path):
    """The file at ``path`` with one optimizer slot of the wrong shape."""
    with h5py.File(path, "r+") as store:
        del store["optimizer/vars/2"]
        store["optimizer/vars/2"] = np.zeros((6, 9), "float32")


@pytest.mark.parametrize("container", [".weights.h5", ".keras"])
@pytest.mark.parametrize("damage, error, match", [
    ("other_architecture", ValueError, r"nothing was changed\.\n- Layer .*\(8, 2\).*\(8, 3\)"),
    ("wrong_slot_shape", ValueError, r'variable "dense_\d+_kernel_momentum".*\(6, 9\)'),
    ("unwritten_kernel", FileFormatError, r"layers/dense/vars/0 declares 192 bytes but "
                                          r"stores 0"),
], ids=["other_architecture", "wrong_slot_shape", "unwritten_kernel"])
def test_a_failed_load_leaves_the_model_and_its_optimizer_as_they_were(
        backend, tmp_path, container, damage, error, match):
    saved = trained_mlp()
    weights = tmp_path / "w.weights.h5"
    if damage == "other_architecture":
        wider = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(8, activation="relu"),
                                      layers.BatchNormalization(), layers.Dense(3)])
        wider.compile(optimizer="adam", loss="mse")
        x, y = data()
        wider.fit(x, np.concatenate([y, y[:, :1]], axis=1), epochs=1, batch_size=8, verbose=0)
        wider.save_weights(weights)
    else:
        saved.save_weights(weights)
        {"wrong_slot_shape": _wrong_slot_shape, "unwritten_kernel": _unwritten_kernel}[damage](
            weights)
    path = weights
    if container == ".keras":
        saved.save(tmp_path / "m.keras")
        path = tmp_path / "bad.keras"
        with zipfile.ZipFile(tmp_path / "m.keras") as good, zipfile.ZipFile(path, "w") as bad:
            for name in good.namelist():
                bad.writestr(name, weights.read_bytes() if name == "model.weights.h5"
                             else good.read(name))
    target = mlp()
    target.compile(optimizer="adam", loss="mse")  # compiled, never fit: optimizer unbuilt
    before = snapshot(target)
    optimizer_before = [v.numpy().copy() for v in target.optimizer.variables]
    with pytest.raises(error, match=match):
        target.load_weights(path)
    assert not target.optimizer.built
    assert len(target.optimizer.variables) == len(optimizer_before) == 2
    for old, new in zip(optimizer_before, target.optimizer.variables, strict=True):
        np.testing.assert_array_equal(old, new.numpy())
    for old, new in zip(before, target.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    # The optimizer still builds as usual: a good file loads its whole state.
    saved.save_weights(tmp_path / "good.weights.h5")
    target.load_weights(tmp_path / "good.weights.h5")
    assert len(target.optimizer.variables) == len(saved.optimizer.variables) == 2 + 2 * 6
    assert int(target.optimizer.iterations.numpy()) == 4
    assert_same_weights(saved, target)


def _compressed_copy(source, destination):
    """``source`` with every dataset rewritten gzip-compressed (as h5py users may write)."""
    with h5py.File(source, "r") as old, h5py.File(destination, "w") as new:
        def copy(name, item):
            if isinstance(item, h5py.Group):
                new.require_group(name).attrs.update(item.attrs)
            elif item.shape == ():  # HDF5 cannot compress a scalar
                new.create_dataset(name, data=item[()])
            else:
                new.create_dataset(name, data=item[()], compression="gzip")
        old.visititems(copy)
        new.attrs.update(old.attrs)


def test_compressed_weights_from_other_tools_load(backend, tmp_path):
    # The budget counts a compressed dataset by what it stores (bounded expansion): real
    # weights, even all-zero ones, still load both ways.
    model = trained_mlp()
    model.layers[2].bias.assign(np.zeros((2,), "float32"))
    model.save_weights(tmp_path / "w.weights.h5")
    _compressed_copy(tmp_path / "w.weights.h5", tmp_path / "gz.weights.h5")
    with h5py.File(tmp_path / "gz.weights.h5", "r") as store:
        assert store["layers/dense/vars/0"].compression == "gzip"
    fresh = mlp()
    fresh.compile(optimizer="adam", loss="mse")
    fresh.load_weights(tmp_path / "gz.weights.h5")
    assert_same_weights(model, fresh)
    assert int(fresh.optimizer.iterations.numpy()) == 4
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as good, \
            zipfile.ZipFile(tmp_path / "gz.keras", "w") as compressed:
        for name in good.namelist():
            compressed.writestr(name, (tmp_path / "gz.weights.h5").read_bytes()
                                if name == "model.weights.h5" else good.read(name))
    assert_same_weights(model, kerasette.models.load_model(tmp_path / "gz.keras"))


def test_load_weights_needs_a_built_model(backend, tmp_path):
    model = trained_mlp()
    model.save_weights(tmp_path / "w.weights.h5")
    unbuilt = kerasette.Sequential([layers.Dense(8), layers.BatchNormalization(),
                                    layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")


@pytest.mark.parametrize("content, match", [
    (b"not a zip at all", "not a .keras file"),
    (None, "config.json is not valid JSON"),
])
def test_malformed_archives_raise_file_format_errors(backend, tmp_path, content, match):
    path = tmp_path / "bad.keras"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", "{not json")
            archive.writestr("model.weights.h5", b"")
    else:
        path.write_bytes(content)
    with pytest.raises(FileFormatError, match=match):
        kerasette.models.load_model(path)


def test_loading_warns_about_a_keras_2_file(backend, tmp_path):
    model = trained_mlp()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["metadata.json"] = json.dumps({"keras_version": "2.15.0"}).encode()
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kerasette.models.load_model(tmp_path / "old.keras")
    assert any("Keras 2.15.0" in str(w.message) for w in caught)
