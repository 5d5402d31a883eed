"""Lambda layers in files, in Keras 3's format: a lambda or local function saved as its
bytecode (with defaults and captured values), a named function by name.

Bytecode loads only with ``safe_mode=False`` (or after
``kerasette.config.enable_unsafe_deserialization()``), and safe mode refuses before
anything is unmarshalled. Files move between kerasette and Keras 3 (on JAX) both ways.
Tests that build models run on every available backend through the ``backend`` fixture.
"""

import inspect
import json
import marshal
import tracemalloc
import zipfile

import numpy as np
import pytest

import kerasette
from kerasette import layers, ops
from kerasette.layers.core import lambda_layer
from kerasette.layers.layer import Layer
from kerasette.serialization import serialization_lib
from kerasette.utils import function_code
from zip_crafting import rezip

REFUSAL = r"Lambda.*Python code.*safe_mode=False.*trusted source"


@kerasette.saving.register_keras_serializable(package="lambda_test")
def halve_and_shift(x):
    return x * 0.5 - 1.0


def cube(x):  # module-level, not registered: loads only through custom_objects
    return x * x * x


def scaler(scale, offset):
    """A local function capturing ``scale`` and ``offset`` (a closure)."""
    def scale_and_shift(x, power=2.0):
        return ops.power(x, power) * scale + offset
    return scale_and_shift


def inputs(n=5, features=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, features)).astype("float32")


def round_trip(model, tmp_path, **load_options):
    path = tmp_path / "model.keras"
    model.save(path)
    return kerasette.models.load_model(path, **load_options)


def saved_layer_configs(path):
    """The configs of the Lambda layers in a ``.keras`` file, as stored."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    return [layer for layer in config["config"]["layers"] if layer["class_name"] == "Lambda"]


@pytest.fixture
def no_unmarshalling(monkeypatch):
    """Any attempt to unmarshal or rebuild a function fails the test."""
    def refuse(*args, **kwargs):
        pytest.fail("a code object was unmarshalled in safe mode")
    monkeypatch.setattr(marshal, "loads", refuse)
    monkeypatch.setattr(function_code, "func_load", refuse)


@pytest.fixture
def unsafe_switch(monkeypatch):
    """Restores safe mode after a test that calls enable_unsafe_deserialization()."""
    monkeypatch.setattr(serialization_lib, "_unsafe_deserialization_enabled", False)


# ---------------------------------------------------------------------- func_dump / func_load
def test_func_dump_and_load_keep_defaults_and_closure():
    function = scaler(3.0, 0.25)
    code, defaults, closure = function_code.func_dump(function)
    assert defaults == (2.0,) and closure == (0.25, 3.0)  # co_freevars are sorted by name
    # JSON turns the tuples into lists; func_load takes them back
    loaded = function_code.func_load(code, defaults=list(defaults), closure=list(closure))
    assert loaded.__defaults__ == (2.0,)
    assert loaded(2.0) == pytest.approx(2.0 ** 2 * 3.0 + 0.25)
    assert loaded(2.0, power=3.0) == pytest.approx(2.0 ** 3 * 3.0 + 0.25)


def test_func_load_takes_keras_generic_triple():
    code, defaults, closure = function_code.func_dump(lambda x, k=4: x * k)
    loaded = function_code.func_load([code, [5], closure])
    assert loaded(3) == 15


def test_a_loaded_function_sees_kerasette_ops_keras_and_numpy():
    code, _, _ = function_code.func_dump(
        lambda x: ops.sum(x) + keras.ops.max(x) + np.float32(kerasette.ops.min(x)))  # noqa: F821
    loaded = function_code.func_load(code)
    x = np.array([1.0, 5.0, 2.0], "float32")
    assert float(loaded(x)) == pytest.approx(8.0 + 5.0 + 1.0)
    assert loaded.__globals__["keras"] is kerasette and loaded.__globals__["ops"] is kerasette.ops
    # each loaded function has its own globals
    assert function_code.func_load(code).__globals__ is not loaded.__globals__


@pytest.mark.parametrize("code, defaults, closure, message", [
    ("bm90IGJ5dGVjb2Rl", None, None, r"bytecode.*Python version.*3\.\d+"),
    (function_code.func_dump(lambda x: x)[0], None, [1.0], r"captures 0 variable.*holds 1"),
    (function_code.func_dump(scaler(1.0, 2.0))[0], [2.0], [1.0], r"captures 2 variable"),
    (function_code.func_dump(lambda x: x)[0], "2.0", None, "defaults.*must be a list"),
    (__import__("base64").b64encode(marshal.dumps(42)).decode(), None, None,
     "must be a marshalled code object, got a int"),
    (42, None, None, "must be base64 text, got int"),
])
def test_func_load_errors_say_what_is_wrong(code, defaults, closure, message):
    with pytest.raises(ValueError, match=message):
        function_code.func_load(code, defaults=defaults, closure=closure)


def test_missing_globals_lists_names_a_loaded_function_lacks():
    def uses_module_globals(x):
        return json.loads("2.0") * ops.sum(x) + len(x) + cube(x)
    assert function_code.missing_globals(uses_module_globals) == ["cube", "json"]
    assert function_code.missing_globals(lambda x: [ops.abs(v) for v in x]) == []


# ---------------------------------------------------------------------- round trips
def test_sequential_lambda_round_trips_with_safe_mode_false(backend, tmp_path):
    model = kerasette.Sequential([
        kerasette.Input((4,)),
        layers.Dense(3, name="dense"),
        layers.Lambda(lambda x: ops.sum(x * x, axis=-1, keepdims=True) + 1.0, name="energy"),
    ])
    restored = round_trip(model, tmp_path, safe_mode=False)
    x = inputs()
    hidden = ops.convert_to_numpy(model.get_layer("dense")(x))
    expected = np.sum(hidden ** 2, axis=-1, keepdims=True) + 1.0
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    [stored] = saved_layer_configs(tmp_path / "model.keras")
    assert stored["module"] == "keras.layers"
    assert stored["config"]["function"]["class_name"] == "__lambda__"
    assert set(stored["config"]["function"]["config"]) == {"code", "defaults", "closure"}


def test_functional_lambdas_round_trip(backend, tmp_path):
    a = kerasette.Input((4,), name="a")
    b = kerasette.Input((4,), name="b")
    joined = layers.Lambda(lambda pair: pair[0] * 2.0 - pair[1], name="join")([a, b])
    local = layers.Lambda(scaler(1.5, -0.5), name="local")(joined)
    named = layers.Lambda(halve_and_shift, name="named")(local)
    model = kerasette.Model(inputs=[a, b], outputs=named)
    restored = round_trip(model, tmp_path, safe_mode=False)
    xa, xb = inputs(seed=1), inputs(seed=2)
    expected = ((xa * 2.0 - xb) ** 2 * 1.5 - 0.5) * 0.5 - 1.0
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), expected, rtol=1e-5)
    np.testing.assert_array_equal(restored.predict([xa, xb], verbose=0),
                                  model.predict([xa, xb], verbose=0))
    stored = {layer["config"]["name"]: layer["config"]["function"]
              for layer in saved_layer_configs(tmp_path / "model.keras")}
    # the local function keeps its default and its captured values; the registered one is
    # saved by name, as Keras 3 writes it
    assert stored["local"]["config"]["defaults"] == [2.0]
    assert stored["local"]["config"]["closure"] == [-0.5, 1.5]
    assert stored["named"] == {"module": "builtins", "class_name": "function",
                               "config": "lambda_test>halve_and_shift",
                               "registered_name": "function"}


def test_output_shape_mask_and_arguments_round_trip(backend, tmp_path):
    x_in = kerasette.Input((4,))
    fixed = layers.Lambda(lambda x, k: x[:, :2] * k, output_shape=(2,), arguments={"k": 3.0},
                          mask=lambda inputs, mask: ops.greater(inputs, 0.0), name="fixed")
    shaped = layers.Lambda(lambda x, offset: x + offset, arguments={"offset": -1.0},
                           output_shape=lambda shape: shape,
                           mask=np.array([True, False]), name="shaped")
    model = kerasette.Model(x_in, shaped(fixed(x_in)))
    restored = round_trip(model, tmp_path, safe_mode=False)
    x = inputs()
    np.testing.assert_allclose(restored.predict(x, verbose=0), x[:, :2] * 3.0 - 1.0, rtol=1e-6)
    new_fixed, new_shaped = restored.get_layer("fixed"), restored.get_layer("shaped")
    assert new_fixed.arguments == {"k": 3.0} and new_shaped.arguments == {"offset": -1.0}
    assert new_fixed.compute_output_shape((None, 4)) == (None, 2)
    assert new_shaped.compute_output_shape((7, 2)) == (7, 2)
    np.testing.assert_array_equal(ops.convert_to_numpy(new_fixed.compute_mask(x)), x > 0)
    np.testing.assert_array_equal(ops.convert_to_numpy(new_shaped.compute_mask(x)),
                                  [True, False])
    assert new_fixed.supports_masking and new_shaped.supports_masking


def test_list_inputs_and_array_arguments_round_trip(backend, tmp_path):
    a, b = kerasette.Input((4,), name="a"), kerasette.Input((4,), name="b")
    weights = np.array([0.5, -1.0, 2.0, 3.0], "float32")
    mixed = layers.Lambda(lambda pair, w: pair[0] * w + pair[1], output_shape=(4,),
                          arguments={"w": weights}, name="mix")([a, b])
    model = kerasette.Model([a, b], mixed)
    assert tuple(mixed.shape) == (None, 4)
    restored = round_trip(model, tmp_path, safe_mode=False)
    argument = restored.get_layer("mix").arguments["w"]
    assert isinstance(argument, np.ndarray) and argument.dtype == np.float32
    np.testing.assert_array_equal(argument, weights)
    xa, xb = inputs(seed=3), inputs(seed=4)
    np.testing.assert_allclose(restored.predict([xa, xb], verbose=0), xa * weights + xb,
                               rtol=1e-6)


def test_a_function_taking_training_gets_it_after_loading(backend, tmp_path):
    model = kerasette.Sequential([
        kerasette.Input((3,)),
        layers.Lambda(lambda x, training=None: x * (10.0 if training else 1.0)),
    ])
    restored = round_trip(model, tmp_path, safe_mode=False)
    x = inputs(features=3)
    np.testing.assert_allclose(restored.predict(x, verbose=0), x)
    np.testing.assert_allclose(ops.convert_to_numpy(restored(x, training=True)), x * 10.0,
                               rtol=1e-6)


def test_named_functions_load_in_safe_mode(backend, tmp_path):
    model = kerasette.Sequential([
        kerasette.Input((4,)),
        layers.Lambda(halve_and_shift), layers.Lambda(kerasette.activations.relu),
        layers.Lambda(ops.abs), layers.Lambda(cube),
    ])
    path = tmp_path / "model.keras"
    model.save(path)
    modules = [(layer["config"]["function"]["module"], layer["config"]["function"]["config"])
               for layer in saved_layer_configs(path)]
    assert modules == [("builtins", "lambda_test>halve_and_shift"),
                       ("keras.activations", "relu"), ("keras.ops", "abs"),
                       (__name__, "cube")]
    # no bytecode: safe mode loads it, given the unregistered function
    with pytest.raises(ValueError, match=r"unknown function 'cube'.*custom_objects"):
        kerasette.models.load_model(path)
    restored = kerasette.models.load_model(path, custom_objects={"cube": cube})
    assert [layer.function for layer in restored.layers] == [
        halve_and_shift, kerasette.activations.relu, ops.abs, cube]
    x = inputs()
    np.testing.assert_allclose(restored.predict(x, verbose=0),
                               np.abs(np.maximum(x * 0.5 - 1.0, 0.0)) ** 3, rtol=1e-5)


def test_a_module_name_is_never_resolved_to_a_kerasette_function_of_the_same_name():
    config = {"name": "l", "function": {"module": "my_project.functions", "class_name": "function",
                                        "config": "relu", "registered_name": "function"}}
    with pytest.raises(ValueError, match=r"Lambda \"l\": unknown function 'relu'"):
        layers.Lambda.from_config(config)
    # Keras writes "builtins" for its own functions: those are kerasette's
    config["function"]["module"] = "builtins"
    assert layers.Lambda.from_config(config).function is kerasette.activations.relu
    config["function"]["config"] = "deserialize"  # not a function on tensors
    with pytest.raises(ValueError, match="unknown function 'deserialize'"):
        layers.Lambda.from_config(config)


def test_to_json_round_trips_with_unsafe_deserialization(backend, unsafe_switch):
    model = kerasette.Sequential([kerasette.Input((4,)),
                                  layers.Lambda(lambda x: ops.square(x) - 2.0)])
    text = model.to_json()
    with pytest.raises(ValueError, match=REFUSAL):
        kerasette.models.model_from_json(text)
    kerasette.config.enable_unsafe_deserialization()
    restored = kerasette.models.model_from_json(text)
    x = inputs()
    np.testing.assert_allclose(restored.predict(x, verbose=0), x ** 2 - 2.0, rtol=1e-6)


# ---------------------------------------------------------------------- safe mode
def test_safe_mode_refuses_before_unmarshalling(backend, tmp_path, no_unmarshalling):
    model = kerasette.Sequential([kerasette.Input((4,)),
                                  layers.Lambda(lambda x: x + 1.0, name="plus_one")])
    path = tmp_path / "model.keras"
    model.save(path)
    with pytest.raises(ValueError, match=REFUSAL) as raised:
        kerasette.models.load_model(path)
    assert 'Lambda layer "plus_one" (its function)' in str(raised.value)
    with pytest.raises(ValueError, match=REFUSAL):
        kerasette.models.load_model(path, safe_mode=True)
    with pytest.raises(ValueError, match=REFUSAL):
        kerasette.models.model_from_json(model.to_json())


@pytest.mark.parametrize("key", ["output_shape", "mask", "arguments"])
def test_safe_mode_refuses_code_anywhere_in_a_lambda(key, no_unmarshalling):
    code = {"class_name": "__lambda__",
            "config": {"code": "AAAA", "defaults": None, "closure": None}}
    config = {"name": "sneaky", "function": {"module": "keras.ops", "class_name": "function",
                                             "config": "abs", "registered_name": "function"},
              key: {"hidden": code} if key == "arguments" else code}
    with pytest.raises(ValueError, match=REFUSAL) as raised:
        serialization_lib.deserialize_keras_object(
            {"module": "keras.layers", "class_name": "Lambda", "config": config})
    assert "sneaky" in str(raised.value) and key in str(raised.value)


def test_from_config_outside_a_load_is_safe(no_unmarshalling):
    config = layers.Lambda(lambda x: x).get_config()
    with pytest.raises(ValueError, match=REFUSAL):
        layers.Lambda.from_config(config)


def test_keras_generic_lambda_objects_are_refused_in_safe_mode(no_unmarshalling):
    config = {"class_name": "__lambda__", "config": {"value": ["AAAA", None, None]}}
    with pytest.raises(ValueError, match=r"Python lambda.*safe_mode=False"):
        serialization_lib.deserialize_keras_object(config)


def test_keras_generic_lambda_objects_load_outside_safe_mode():
    code, _, _ = function_code.func_dump(lambda x, k: x - k)
    config = {"class_name": "__lambda__", "config": {"value": [code, [1.5], None]}}
    loaded = serialization_lib.deserialize_keras_object(config, safe_mode=False)
    assert loaded(4.0) == 2.5


def test_enable_unsafe_deserialization_lets_safe_mode_loads_rebuild_code(backend, tmp_path,
                                                                        unsafe_switch):
    model = kerasette.Sequential([kerasette.Input((4,)), layers.Lambda(lambda x: -x)])
    path = tmp_path / "model.keras"
    model.save(path)
    assert serialization_lib.in_safe_mode()
    kerasette.config.enable_unsafe_deserialization()
    assert not serialization_lib.in_safe_mode()
    x = inputs()
    # as in Keras 3, the switch wins over safe_mode=True
    restored = kerasette.models.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), -x)


# ---------------------------------------------------------------------- safe mode: bounded work
# A file may name any of kerasette's public functions. ops.repeat with repeats=2**40 on a
# (batch, 4) input would need petabytes: a regression fails at once (MemoryError, not the
# ValueError asked for) instead of eating the machine's memory.
HUGE_REPEATS = 2 ** 40
UNBOUNDED = r"Lambda layer \"grow\".*'repeat'.*safe_mode=False.*trusted source"


def lambda_file(tmp_path, function, arguments, edit, name="grow"):
    """A ``.keras`` file of ``Input((4,)) -> Lambda(function, arguments)`` whose Lambda
    config was then changed by ``edit(config)``, as a hostile file would be written."""
    model = kerasette.Sequential([kerasette.Input((4,)),
                                  layers.Lambda(function, arguments=arguments, name=name)])
    model.save(tmp_path / "honest.keras")
    with zipfile.ZipFile(tmp_path / "honest.keras") as archive:
        config = json.loads(archive.read("config.json"))
    [layer] = [layer for layer in config["config"]["layers"] if layer["class_name"] == "Lambda"]
    edit(layer["config"])
    rezip(tmp_path / "honest.keras", tmp_path / "edited.keras",
          replace={"config.json": json.dumps(config).encode()})
    return tmp_path / "edited.keras"


def set_repeats(repeats):
    def edit(config):
        config["arguments"]["repeats"] = repeats
    return edit


def test_safe_mode_refuses_a_builtin_function_that_can_grow_memory(backend, tmp_path):
    path = lambda_file(tmp_path, ops.repeat, {"repeats": 2, "axis": 1}, set_repeats(HUGE_REPEATS))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=UNBOUNDED) as raised:
            kerasette.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "repeats" in str(raised.value)
    assert peak < 20 * 2 ** 20  # refused from the config: nothing near the input's size
    with pytest.raises(ValueError, match=UNBOUNDED):
        layers.Lambda.from_config({"name": "grow", "function": "repeat",
                                   "arguments": {"repeats": HUGE_REPEATS, "axis": 1}})


def test_the_same_file_loads_with_safe_mode_false(backend, tmp_path):
    path = lambda_file(tmp_path, ops.repeat, {"repeats": 2, "axis": 1}, set_repeats(3))
    with pytest.raises(ValueError, match=UNBOUNDED):
        kerasette.models.load_model(path)
    restored = kerasette.models.load_model(path, safe_mode=False)
    x = inputs()
    np.testing.assert_array_equal(restored.predict(x, verbose=0), np.repeat(x, 3, axis=1))
    assert tuple(restored.layers[-1].output.shape) == (None, 12)


@pytest.mark.parametrize("function, arguments, edit, why", [
    # an elementwise op, but its argument is an array from the file: it broadcasts
    (ops.add, {"x2": np.ones((1, 4), "float32")}, lambda config: None, "'add'.*x2"),
    (ops.multiply, {"x2": 2.0},
     lambda config: config["arguments"].update(x2=list(range(1000))), "'multiply'.*x2"),
    # not elementwise: the output's shape is not the input's
    (ops.sum, {"axis": -1}, lambda config: None, "'sum'"),
    (ops.abs, {}, lambda config: config["function"].update(config="tile"), "'tile'"),
    # a built-in function as the output shape or mask function
    (ops.abs, {}, lambda config: config.update(output_shape={
        "module": "keras.ops", "class_name": "function", "config": "ones",
        "registered_name": "function"}), "output_shape.*'ones'"),
])
def test_safe_mode_allows_only_elementwise_builtins_with_plain_arguments(
        tmp_path, function, arguments, edit, why):
    path = lambda_file(tmp_path, function, arguments, edit)
    with pytest.raises(ValueError, match=rf"Lambda layer \"grow\".*{why}.*safe_mode=False"):
        kerasette.models.load_model(path)


def test_elementwise_builtins_load_in_safe_mode_without_running(backend, tmp_path, monkeypatch):
    model = kerasette.Sequential([
        kerasette.Input((4,)),
        layers.Lambda(ops.add, arguments={"x2": 1.5}, name="shift"),
        layers.Lambda(kerasette.activations.relu, arguments={"max_value": 2.0}, name="cap"),
        layers.Lambda(ops.clip, arguments={"x_min": 0.5, "x_max": 1.75}, name="clip"),
        layers.Lambda(kerasette.activations.softmax, arguments={"axis": -1}, name="soft"),
        layers.Lambda(ops.greater, arguments={"x2": 0.25}, name="positive"),
    ])
    path = tmp_path / "model.keras"
    model.save(path)

    def never(*args, **kwargs):
        pytest.fail("a Lambda ran its function on zeros to learn its output shape")
    monkeypatch.setattr(Layer, "_output_spec_by_running", never)
    restored = kerasette.models.load_model(path)  # safe mode
    assert [tuple(layer.output.shape) for layer in restored.layers] == [(None, 4)] * 5
    assert restored.layers[-1].output.dtype == "bool"
    x = inputs()
    capped = np.clip(np.minimum(np.maximum(x + 1.5, 0.0), 2.0), 0.5, 1.75)
    soft = np.exp(capped) / np.exp(capped).sum(axis=-1, keepdims=True)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), soft > 0.25)
    monkeypatch.undo()
    np.testing.assert_array_equal(restored.predict(x, verbose=0),
                                  model.predict(x, verbose=0))


# a plain value for each argument an elementwise function requires besides its tensor
SAMPLE_ARGUMENTS = {"x2": 0.5, "x_min": -0.5, "x_max": 0.5, "dtype": "float16",
                    "fill_value": 2.0, "threshold": 0.1, "default_value": -1.0}


def test_every_elementwise_builtin_keeps_its_inputs_shape(backend):
    # the table says which functions a Lambda never runs to learn its shape
    x = ops.convert_to_tensor(np.abs(inputs(n=2, features=3)) + 0.25)  # in every domain
    for function in lambda_layer._elementwise_functions():
        parameters = list(inspect.signature(function).parameters.values())[1:]
        arguments = {p.name: SAMPLE_ARGUMENTS[p.name] for p in parameters
                     if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD}
        assert tuple(ops.shape(function(x, **arguments))) == (2, 3), function.__name__
        layer = layers.Lambda(function, arguments=arguments)
        assert layer.compute_output_shape((None, 7, 3)) == (None, 7, 3), function.__name__


def test_registered_and_custom_functions_are_the_users_to_vouch_for(backend, tmp_path):
    # custom_objects names a function: the user vouches for it, whatever it is
    path = lambda_file(tmp_path, ops.repeat, {"repeats": 2, "axis": 1}, set_repeats(2))
    with pytest.raises(ValueError, match=UNBOUNDED):
        kerasette.models.load_model(path)
    restored = kerasette.models.load_model(path, custom_objects={"repeat": ops.repeat})
    x = inputs()
    np.testing.assert_array_equal(restored.predict(x, verbose=0), np.repeat(x, 2, axis=1))


# ---------------------------------------------------------------------- saving errors
def test_saving_a_closure_over_an_object_names_the_layer_and_variable(tmp_path):
    dense = layers.Dense(2)
    model = kerasette.Sequential([kerasette.Input((4,)),
                                  layers.Lambda(lambda x: dense(x), name="wraps_dense")])
    with pytest.raises(TypeError, match=r"Lambda \"wraps_dense\".*captured variable 'dense', "
                                        r"a Dense"):
        model.save(tmp_path / "model.keras")
    assert not (tmp_path / "model.keras").exists()


def test_saving_warns_of_globals_a_loaded_function_will_lack():
    layer = layers.Lambda(lambda x: cube(x) + 1.0, name="uses_cube")
    with pytest.warns(UserWarning, match=r"Lambda \"uses_cube\".*\['cube'\]"):
        layer.get_config()


# ---------------------------------------------------------------------- Keras 3 interop
def test_a_keras_lambda_loads_in_kerasette(backend, keras, tmp_path):
    # written as in a script that did `import keras` / `from keras import ops`: the code
    # reads the globals `keras` and `ops`, which kerasette's loader provides (Keras's own
    # loader gives loaded lambdas neither)
    by_module = eval("lambda x: keras.ops.sum(x, axis=-1, keepdims=True) * x", {"keras": keras})
    by_ops = eval("lambda x, bias=0.5: ops.maximum(x, 0.0) + bias", {"ops": keras.ops})
    model = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Lambda(by_module),
        keras.layers.Lambda(by_ops, output_shape=(4,)),
    ])
    path = tmp_path / "keras.keras"
    model.save(path)
    [first, second] = saved_layer_configs(path)
    assert second["config"]["function"]["config"]["defaults"] == [0.5]
    restored = kerasette.models.load_model(path, safe_mode=False)
    x = inputs()
    expected = np.maximum(np.sum(x, axis=-1, keepdims=True) * x, 0.0) + 0.5
    np.testing.assert_allclose(np.asarray(model.predict(x, verbose=0)), expected, rtol=1e-5)
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-5)
    assert restored.layers[1]._output_shape == (4,)
    with pytest.raises(ValueError, match=REFUSAL):
        kerasette.models.load_model(path)


def test_a_kerasette_lambda_loads_in_keras(backend, keras, tmp_path):
    def shifter(offset):
        def shifted(x):  # a local function: saved as bytecode with its closure
            return x - offset
        return shifted

    inputs_ = kerasette.Input((4,))
    hidden = layers.Dense(3, name="dense")(inputs_)
    scaled = layers.Lambda(lambda x, w: x * w + 1.0, output_shape=(3,), name="affine",
                           arguments={"w": np.array([2.0, -1.0, 0.5], "float32")})(hidden)
    shifted = layers.Lambda(shifter(0.75), name="shift")(scaled)
    model = kerasette.Model(inputs_, shifted)
    path = tmp_path / "kerasette.keras"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(path)
    restored = keras.models.load_model(path, safe_mode=False)
    assert restored.get_layer("affine")._output_shape == (3,)
    x = inputs()
    expected = (ops.convert_to_numpy(model.get_layer("dense")(x)) * [2.0, -1.0, 0.5]
                + 1.0 - 0.75)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(restored.predict(x, verbose=0)), expected,
                               rtol=1e-5, atol=1e-6)


def test_registered_functions_move_between_keras_and_kerasette(backend, keras, tmp_path):
    if keras.saving.get_registered_object("lambda_test>halve_and_shift") is None:
        keras.saving.register_keras_serializable(package="lambda_test")(halve_and_shift)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(halve_and_shift)])
    model.save(tmp_path / "keras.keras")
    restored = kerasette.models.load_model(tmp_path / "keras.keras")  # safe mode: no code
    x = inputs()
    np.testing.assert_allclose(restored.predict(x, verbose=0), x * 0.5 - 1.0, rtol=1e-6)
    ours = kerasette.Sequential([kerasette.Input((4,)), layers.Lambda(halve_and_shift),
                                 layers.Lambda(kerasette.activations.relu)])
    ours.save(tmp_path / "ours.keras")
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               np.maximum(x * 0.5 - 1.0, 0.0), rtol=1e-6)
