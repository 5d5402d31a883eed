"""Custom objects: registration, ``custom_object_scope`` and ``get_custom_objects``, under the
public paths of Keras 3 (``keras.saving.*``)."""

import threading

import numpy as np
import pytest

import kerasette
from kerasette import layers


class Scale(layers.Layer):
    """An unregistered layer: loadable only when the user names it."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def saved_model(tmp_path):
    model = kerasette.Sequential([kerasette.Input((3,)), Scale(3.0), layers.Dense(2)])
    path = tmp_path / "scaled.keras"
    model.save(path)
    return model, path


def test_the_public_names_of_keras_saving_are_there(keras):
    ours = {name for name in dir(kerasette.saving) if not name.startswith("_")}
    theirs = {name for name in dir(keras.saving) if not name.startswith("_")}
    # KerasFileEditor (inspecting and editing files) is not implemented
    assert theirs - {"KerasFileEditor"} <= ours


def test_custom_object_scope_makes_a_class_loadable_inside_it_only(backend, tmp_path):
    model, path = saved_model(tmp_path)
    with pytest.raises(ValueError, match="Unknown class 'Scale'"):
        kerasette.saving.load_model(path)
    with kerasette.saving.custom_object_scope({"Scale": Scale}) as scope:
        assert isinstance(scope, kerasette.saving.CustomObjectScope)
        assert kerasette.saving.get_registered_object("Scale") is Scale
        restored = kerasette.saving.load_model(path)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(np.asarray(restored(x)), np.asarray(model(x)), rtol=1e-6)
    assert restored.layers[0].factor == 3.0
    assert kerasette.saving.get_registered_object("Scale") is None
    with pytest.raises(ValueError, match="Unknown class 'Scale'"):
        kerasette.saving.load_model(path)


def test_scopes_nest_as_in_keras_and_are_per_thread():
    outer, inner = object(), object()
    lookup = kerasette.saving.get_registered_object
    with kerasette.saving.CustomObjectScope({"a": outer}):
        with kerasette.saving.custom_object_scope({"b": inner}):
            # Keras 3: the inner scope replaces the outer one until it exits
            assert (lookup("a"), lookup("b")) == (None, inner)
            seen = []
            thread = threading.Thread(target=lambda: seen.append(lookup("b")))
            thread.start()
            thread.join()
            assert seen == [None]
        assert (lookup("a"), lookup("b")) == (outer, None)


def test_get_custom_objects_is_the_global_registry(backend, tmp_path):
    _, path = saved_model(tmp_path)
    custom = kerasette.saving.get_custom_objects()
    custom["Scale"] = Scale
    try:
        assert isinstance(kerasette.saving.load_model(path).layers[0], Scale)
    finally:
        del custom["Scale"]
    assert "Scale" not in kerasette.saving.get_custom_objects()

    @kerasette.saving.register_keras_serializable(package="tests_registration")
    class Shift(layers.Layer):
        pass

    try:
        assert kerasette.saving.get_custom_objects()["tests_registration>Shift"] is Shift
        assert kerasette.saving.get_registered_name(Shift) == "tests_registration>Shift"
    finally:
        del kerasette.saving.get_custom_objects()["tests_registration>Shift"]
