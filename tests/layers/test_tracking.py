"""One record of what a layer tracks (kerasette.layers.tracking): what the user assigns is
tracked when assigned; the base classes' bookkeeping never is."""

import numpy as np
import pytest

import kerasette as keras
from kerasette import layers, ops
from kerasette.backends.seed import SeedGenerator
from kerasette.layers.tracking import tracker_of


def tracked_names(obj):
    return list(tracker_of(obj).names)


class Holder(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(3, name="first")
        self.blocks = []
        self.by_name = {"b": layers.Dense(2, name="in_dict")}
        self.pair = (layers.Dense(1, name="in_tuple"), 5)
        self.seed = SeedGenerator(1)
        self.tracker = keras.metrics.Mean(name="tracked_mean")
        self.units = 7
        self.shape = (1, 2)

    def call(self, x):
        x = self.first(x)
        for block in self.blocks:
            x = block(x)
        return x


def test_what_the_user_assigns_is_tracked_in_assignment_order():
    layer = Holder()
    assert tracked_names(layer) == ["first", "blocks", "by_name", "pair", "seed", "tracker"]
    layer.blocks.append(layers.Dense(4, name="appended"))  # after the assignment
    assert [l.name for l in layer._layers] == ["first", "appended", "in_dict", "in_tuple"]
    assert [m.name for m in layer._tracked_metrics] == ["tracked_mean"]
    layer(np.ones((2, 5), "float32"))
    assert [w.path for w in layer.weights] == [
        "first/kernel", "first/bias", "appended/kernel", "appended/bias"]
    assert len(layer.non_trainable_variables) == 1  # the seed generator's state


def test_reassigning_or_deleting_an_attribute_forgets_it():
    layer = Holder()
    layer.first = None
    del layer.by_name
    layer.pair = (1, 2)  # a tuple with no state is not tracked
    assert tracked_names(layer) == ["blocks", "seed", "tracker"]
    assert layer._layers == []


def test_a_variable_assigned_as_an_attribute_is_a_weight_of_its_layer():
    class Scale(layers.Layer):
        def build(self, shape):
            self.scale = keras.Variable(np.ones(shape[-1:], "float32"), name="scale")

        def call(self, x):
            return x * self.scale

    layer = Scale()
    layer(np.ones((1, 3), "float32"))
    assert tracked_names(layer) == ["scale"]
    assert [v.name for v in layer.trainable_weights] == ["scale"]


def test_attributes_set_before_the_base_init_are_tracked_too():
    class Early(layers.Layer):
        def __init__(self):
            self.inner = layers.Dense(2)
            super().__init__()

    assert tracked_names(Early()) == ["inner"]


@pytest.mark.parametrize("kind", ["layer", "sequential", "functional", "subclassed"])
def test_the_base_classes_own_state_is_never_tracked_through_compile_fit_and_save(kind, tmp_path):
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = x[:, :1]
    if kind == "layer":
        layer = layers.Dense(2)
        layer(x)
        assert tracked_names(layer) == ["kernel", "bias"]  # Dense's own build, not the base's
        return
    if kind == "sequential":
        model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(1)])
        expected = []
    elif kind == "functional":
        inputs = keras.Input((4,))
        model = keras.Model(inputs, layers.Dense(1)(layers.Dense(3)(inputs)))
        expected = []
    else:
        class Two(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(3)
                self.out = layers.Dense(1)

            def call(self, x):
                return self.out(self.hidden(x))
        model = Two()
        expected = ["hidden", "out"]
    assert tracked_names(model) == expected
    model.compile("adam", "mse", metrics=["mae"])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    assert tracked_names(model) == expected + ["optimizer"]


def test_a_model_subclass_layers_come_from_its_structure_and_its_attributes():
    class Extended(keras.Sequential):
        def __init__(self):
            super().__init__([keras.Input((4,)), layers.Dense(3, name="stacked")])
            self.extra = layers.Dense(2, name="extra")

    model = Extended()
    assert [l.name for l in model._layers if not isinstance(l, layers.InputLayer)] == [
        "stacked", "extra"]
    model(np.ones((1, 4), "float32"))
    model.extra(np.ones((1, 3), "float32"))
    assert [w.path for w in model.weights] == [
        "stacked/kernel", "stacked/bias", "extra/kernel", "extra/bias"]
    assert [n for n, _ in model._saveable_children()][0] == "layers"


def test_an_optimizer_unbuilds_to_what_it_was_before_build():
    variable = keras.Variable(np.ones((2, 3), "float32"))
    optimizer = keras.optimizers.Adam(amsgrad=True, use_ema=True)
    before = {name: value for name, value in vars(optimizer).items()}
    count = len(optimizer.variables)
    optimizer.build([variable])
    assert optimizer.built and len(optimizer.variables) == count + 4
    optimizer._unbuild()
    assert not optimizer.built
    assert len(optimizer.variables) == count
    assert set(vars(optimizer)) == set(before)
    assert not hasattr(optimizer, "_momentums")
    optimizer.apply([ops.ones((2, 3))], [variable])  # builds again and steps
    assert len(optimizer.variables) == count + 4
    assert int(optimizer.iterations.numpy()) == 1
