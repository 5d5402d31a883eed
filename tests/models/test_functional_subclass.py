"""A subclass of ``Model`` built with the functional constructor, against the real Keras 3.

``class M(keras.Model): ...`` then ``M(inputs, outputs)`` (Keras's guides do this with a
subclass that overrides only ``train_step``) gives a functional model of class ``M``: Keras
puts ``Functional`` into ``M``'s bases the first time. It has the graph's layers, a summary,
trains, predicts, and its config is a functional config that ``load_model`` rebuilds as an
``M`` (given ``custom_objects`` or a registered class), and ``clone_model`` copies as an
``M``. A subclass whose ``__init__`` takes
``(inputs, outputs, **kwargs)`` and calls ``super().__init__(inputs, outputs)`` is one too,
but its config is the plain ``Model`` config (Keras revives only constructors like
``Functional``'s), so loading it without a ``from_config`` of its own fails in both, and
``clone_model`` gives a plain functional model.

Each script runs once on Keras and once on kerasette (numpy backend), from Keras's weights.
"""

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

import kerasette

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
Y = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")


def _graph(K):
    inputs = K.Input((3,), name="x")
    hidden = K.layers.Dense(4, activation="tanh", name="hidden")(inputs)
    return inputs, K.layers.Dense(2, name="out")(hidden)


def _class_name_or_error(make):
    try:
        return type(make()).__name__
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def _script(K, folder, weights=None):
    """The record of what a user sees of functional subclasses of ``K.Model``."""

    class Doubling(K.Model):
        """Only a method of its own, as Keras's guides' subclasses that override train_step."""

        def doubled(self, x):
            return 2 * self.predict(x, verbose=0)

    class WithInit(K.Model):
        def __init__(self, inputs, outputs, **kwargs):
            super().__init__(inputs, outputs, **kwargs)
            self.scale = 3.0

    record = {}
    model = Doubling(*_graph(K), name="doubling")
    if weights is not None:
        model.set_weights(weights)
    record["weights"] = [w.copy() for w in model.get_weights()]
    record["isinstance"] = (isinstance(model, Doubling), isinstance(model, K.Model))
    record["layers"] = [layer.name for layer in model.layers]
    record["params"] = model.count_params()
    out = io.StringIO()
    with redirect_stdout(out):
        model.summary()
    record["summary_totals"] = [line.strip() for line in out.getvalue().splitlines()
                                if "params" in line]
    record["config_keys"] = sorted(model.get_config())
    record["doubled"] = model.doubled(X)
    model.compile(K.optimizers.SGD(learning_rate=0.1), "mse")
    record["loss"] = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False,
                               verbose=0).history["loss"]
    record["predicted"] = model.predict(X, verbose=0)

    path = str(folder / "doubling.keras")
    model.save(path)
    loaded = K.saving.load_model(path, custom_objects={"Doubling": Doubling})
    record["loaded"] = (type(loaded) is Doubling, loaded.name,
                        [layer.name for layer in loaded.layers])
    record["loaded_doubled"] = loaded.doubled(X)
    try:
        K.saving.load_model(path)
        record["unknown_class"] = None
    except Exception as error:
        # (Keras raises TypeError for every class it cannot find, kerasette ValueError)
        record["unknown_class"] = "refused, naming the class" if "Doubling" in str(error) else str(error)

    @K.saving.register_keras_serializable(package="functional_subclass_test")
    class Registered(K.Model):
        pass
    registered = Registered(*_graph(K))
    path = str(folder / "registered.keras")
    registered.save(path)
    record["registered"] = type(K.saving.load_model(path)) is Registered

    with_init = WithInit(*_graph(K), name="with_init")
    record["with_init"] = (isinstance(with_init, WithInit), with_init.scale,
                           [layer.name for layer in with_init.layers],
                           "layers" in with_init.get_config())
    # clone_model: a class with Functional's constructor clones as itself, others as Functional
    record["clones"] = (_class_name_or_error(lambda: K.models.clone_model(model)),
                        _class_name_or_error(lambda: K.models.clone_model(with_init)))
    path = str(folder / "with_init.keras")
    with_init.save(path)
    try:
        K.saving.load_model(path, custom_objects={"WithInit": WithInit})
        record["with_init_loads"] = True
    except Exception as error:
        # Keras: TypeError from its reviving; kerasette: ValueError from its config loader
        record["with_init_loads"] = "inputs" in str(error)
    return record


@pytest.fixture(scope="module")
def records(keras, tmp_path_factory):
    expected = _script(keras, tmp_path_factory.mktemp("keras"))
    with kerasette.backend.use("numpy"):
        mine = _script(kerasette, tmp_path_factory.mktemp("kerasette"), expected["weights"])
    return expected, mine


@pytest.mark.parametrize("aspect", ["isinstance", "layers", "params", "summary_totals",
                                    "config_keys", "loaded", "unknown_class", "registered",
                                    "with_init", "with_init_loads", "clones"])
def test_what_the_user_sees(aspect, records):
    expected, mine = records
    assert mine[aspect] == expected[aspect]


@pytest.mark.parametrize("aspect", ["doubled", "loss", "predicted", "loaded_doubled"])
def test_numbers(aspect, records):
    expected, mine = records
    np.testing.assert_allclose(mine[aspect], expected[aspect], rtol=1e-5, atol=1e-6)


def test_a_subclass_with_call_stays_subclassed():
    """Another subclass, built without functional arguments, is unaffected: it runs its own
    ``call``, and no ``Functional`` enters its bases."""
    class Plain(kerasette.Model):
        pass
    Plain(*_graph(kerasette))

    class Squares(kerasette.Model):
        def __init__(self):
            super().__init__()
            self.dense = kerasette.layers.Dense(2, kernel_initializer="ones")

        def call(self, x):
            return self.dense(x) ** 2
    with kerasette.backend.use("numpy"):
        model = Squares()
        np.testing.assert_allclose(kerasette.ops.convert_to_numpy(model(X)),
                                   X.sum(axis=1, keepdims=True).repeat(2, axis=1) ** 2,
                                   rtol=1e-5)
    assert not isinstance(model, kerasette.models.Functional)
    assert isinstance(Plain.__new__(Plain), kerasette.models.Functional)
