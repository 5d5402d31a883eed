"""Ops and Python operators on symbolic tensors: op nodes of functional models (Keras 3's
``Operation``s), on numpy and jax, against eager runs and against the real Keras 3."""

import json
import zipfile

import numpy as np
import pytest

import kerasette
from kerasette import ops

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 3, 4)).astype("float32")
Y = RNG.normal(size=(5, 3, 4)).astype("float32")
TOKENS = np.array([[1, 4, 0, 0, 0], [3, 3, 7, 2, 0], [9, 0, 0, 0, 0]], dtype="int32")


def graph(o, x, y):
    """Ops and operators written once for ``o`` (kerasette.ops or keras.ops) on tensors that
    are symbolic (a functional model) or concrete (eager)."""
    a = x[:, 0]                                        # GetItem, int and slice
    b = -(x + 1) * y / 2.0 - 1.5                       # Add, Negative, Multiply, Divide, Subtract
    c = o.sum(x, axis=1)
    d = o.concatenate([a, c], axis=-1)                 # tensors in a list
    e = b[..., None, 1:3] ** 2 // 0.5 % 3.0            # Ellipsis, None; Power, FloorDivide, Mod
    f = o.expand_dims(abs(x) @ o.transpose(y, (0, 2, 1)), -1)
    g = o.cast((x > 0) & (y != 0) | ~(x <= y), "float32")
    h = 2.0 - o.mean(x, axis=(1, 2), keepdims=True) * 3.0
    return [d, e, f, g, h]


def functional(K):
    x = K.Input((3, 4), name="x")
    y = K.Input((3, 4), name="y")
    return K.Model([x, y], graph(K.ops, x, y), name="ops_model")


# ---------------------------------------------------------------------------- forward
# (on jax, an op node's shape comes from running it on small zeros: XLA compiles each op, about
# 0.1 s a node; test_gradients_flow_through_op_nodes checks op nodes against eager ops on jax)
@pytest.mark.parametrize("backend", ["numpy"], indirect=True)
def test_op_nodes_compute_what_the_ops_compute_eagerly(backend):
    model = functional(kerasette)
    outputs = model.predict([X, Y], verbose=0)
    expected = graph(ops, ops.convert_to_tensor(X), ops.convert_to_tensor(Y))
    for output, want in zip(outputs, expected):
        np.testing.assert_allclose(output, ops.convert_to_numpy(want), rtol=1e-6, atol=1e-6)
    # each output's symbolic shape is its real shape with the batch unknown
    assert [tuple(t.shape) for t in model.outputs] == [(None,) + o.shape[1:] for o in outputs]


def test_op_nodes_match_keras(keras):
    kerasette.utils.clear_session()
    keras.utils.clear_session()  # (both name layers "add", "add_1", ... within a session)
    ours, theirs = functional(kerasette), functional(keras)
    assert [(tuple(t.shape), t.dtype) for t in ours.outputs] == [
        (tuple(t.shape), t.dtype) for t in theirs.outputs]
    # as in Keras 3: op nodes are operations, not layers, and their configs are Keras's
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
    assert [op.name for op in ours.operations] == [op.name for op in theirs.operations]

    def entries(model):
        return [{k: v for k, v in entry.items() if k != "build_config"}
                for entry in json.loads(json.dumps(model.get_config()))["layers"]]
    assert entries(ours) == entries(theirs)

    def summary(model):
        lines = []
        model.summary(print_fn=lambda line, **_: lines.append(line))
        # (Keras ends some lines with a newline, and pads some with spaces)
        return [line.rstrip() for line in "\n".join(lines).strip().splitlines()]
    assert summary(ours) == summary(theirs)  # op nodes get rows ("add (Add)"), as in Keras


def test_op_nodes_pass_no_mask(keras):
    for K in (kerasette, keras):
        tokens = K.Input((5,), dtype="int32")
        embedded = K.layers.Embedding(10, 3, mask_zero=True)(tokens)
        assert getattr(embedded * 2.0, "_keras_mask", None) is None, K.__name__
        assert getattr(embedded[:, 1:], "_keras_mask", None) is None, K.__name__


# ---------------------------------------------------------------------------- training
class EagerTwin(kerasette.Model):
    """The op-node model below written as a subclass, its ops run eagerly in ``call``."""

    def __init__(self):
        super().__init__()
        self.hidden = kerasette.layers.Dense(4, name="hidden")
        self.head = kerasette.layers.Dense(1, name="head")

    def call(self, x):
        h = self.hidden(x)
        return self.head(ops.concatenate([h[:, :2] * h[:, 2:], ops.sum(h, axis=-1,
                                                                        keepdims=True)], -1) - 1.0)


@pytest.mark.parametrize("backend", ["numpy", "jax"], indirect=True)
def test_gradients_flow_through_op_nodes(backend):
    kerasette.utils.set_random_seed(3)
    inputs = kerasette.Input((6,))
    twin = EagerTwin()
    h = twin.hidden(inputs)
    out = twin.head(ops.concatenate([h[:, :2] * h[:, 2:], ops.sum(h, axis=-1, keepdims=True)],
                                    -1) - 1.0)
    model = kerasette.Model(inputs, out)
    reference = EagerTwin()
    reference(ops.zeros((1, 6)))
    reference.set_weights(model.get_weights())
    start = [w.copy() for w in model.get_weights()]
    x, y = RNG.normal(size=(16, 6)).astype("float32"), RNG.normal(size=(16, 1)).astype("float32")
    for m in (model, reference):
        m.compile(optimizer=kerasette.optimizers.SGD(0.05), loss="mse")
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for trained, eager, initial in zip(model.get_weights(), reference.get_weights(), start):
        assert not np.allclose(trained, initial)  # the first Dense learned through the ops
        np.testing.assert_allclose(trained, eager, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------- files
def _config_of(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


def test_keras_file_with_op_nodes_and_masks_loads(keras, tmp_path):
    tokens = keras.Input((5,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(10, 3, mask_zero=True, name="emb")(tokens)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(embedded)  # Keras adds NotEqual
    out = keras.ops.concatenate([pooled[:, :2] + 1.0, keras.ops.sum(embedded, axis=1)], axis=-1)
    model = keras.Model(tokens, out)
    path = str(tmp_path / "keras_ops.keras")
    model.save(path)
    names = [entry["class_name"] for entry in _config_of(path)["config"]["layers"]]
    assert {"NotEqual", "GetItem", "Add", "Sum", "Concatenate"} <= set(names)

    loaded = kerasette.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(TOKENS, verbose=0),
                               np.asarray(model(TOKENS)), rtol=1e-6, atol=1e-6)


def test_our_file_with_op_nodes_loads_in_keras_and_back(keras, tmp_path):
    model = functional(kerasette)
    path = str(tmp_path / "ops.keras")
    model.save(path)
    expected = model.predict([X, Y], verbose=0)
    for output, theirs in zip(expected, keras.models.load_model(path)([X, Y])):
        np.testing.assert_allclose(output, np.asarray(theirs), rtol=1e-5, atol=1e-5)
    again = kerasette.models.load_model(path)
    for output, ours in zip(expected, again.predict([X, Y], verbose=0)):
        np.testing.assert_array_equal(output, ours)


def test_a_file_naming_an_unknown_op_is_refused():
    config = functional(kerasette).get_config()
    entry = next(e for e in config["layers"] if e["class_name"] == "Sum")
    entry["class_name"] = entry["registered_name"] = "Exec"
    with pytest.raises(ValueError, match=r"Unknown op 'Exec' \(module 'keras.src.ops.numpy'\)"):
        kerasette.Model.from_config(config)


# ---------------------------------------------------------------------------- errors
def test_an_op_that_cannot_run_on_the_shapes_names_op_and_shapes():
    x = kerasette.Input((3, 4))
    with pytest.raises(ValueError, match=r'Op "reshape\w*" \(ops.reshape\) cannot run on symbolic '
                                         r"inputs of shapes \[\(None, 3, 4\)\] with arguments "
                                         r"\{'newshape': \(5, 7\)\}"):
        ops.reshape(x, (5, 7))
    with pytest.raises(ValueError, match=r"ops.matmul.*\[\(None, 3, 4\), \(None, 3, 4\)\]"):
        x @ kerasette.Input((3, 4))


def test_misuse_of_a_symbolic_tensor_says_so():
    x = kerasette.Input((3, 4))
    with pytest.raises(TypeError, match="ops.cond cannot take symbolic tensors"):
        ops.cond(ops.sum(x) > 0, lambda: x, lambda: -x)  # Python control flow on no value
    with pytest.raises(TypeError, match="is symbolic and has no truth value"):
        bool(x > 0)
    # an op failing on data is not mistaken for a symbolic call: its own error comes through
    with pytest.raises(Exception) as error:
        ops.reshape(ops.zeros((3, 4)), (5, 7))
    assert "symbolic" not in str(error.value)

