"""Masks, as Keras 3 makes and carries them: made by ``Embedding(mask_zero=True)`` and
``Masking``, carried along by the layers that support masking (and through Sequential and
Functional models, symbolic tensors included), passed to the ``call`` of the layers that
take ``mask=``, and applied as sample weights by compiled losses and metrics (masked
timesteps do not count).

Each differential case is one script written against a module ``K`` (``keras`` or
``kerasette``), run on the real Keras (JAX backend) once and on kerasette once per backend,
from the same weights.
"""

import warnings

import numpy as np
import pytest

import kerasette
from kerasette.backend import get_keras_mask
from kerasette.backends.autodiff.trace import Replayed

# Keras 3.15's Variable.__array__ predates numpy 2's copy keyword: its warning, not ours
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

IDS = np.array([[1, 2, 0, 0], [3, 0, 4, 0], [4, 4, 1, 2]], "int32")  # 0 is padding
TAGS = np.array([[1, 2, 0, 0], [0, 0, 1, 2], [2, 0, 1, 1]], "int32")  # per-timestep labels
FEATURES = np.random.default_rng(0).normal(size=(3, 4, 3)).astype("float32")
FEATURES[0, 1] = 0.0  # timesteps Masking(0.0) masks
FEATURES[2, 3] = 0.0
FEATURES[1] = -np.abs(FEATURES[1])  # negative values: a masked zero would win a max

_KERAS_RESULTS = {}  # case name -> what Keras gave (Keras runs once per session)


def _reference(keras, name, script):
    """What ``script(keras, keras's get_keras_mask)`` gives, run once per session."""
    if name not in _KERAS_RESULTS:
        from keras.src.backend import get_keras_mask as keras_get_mask
        _KERAS_RESULTS[name] = script(keras, keras_get_mask)
    return _KERAS_RESULTS[name]


def _numpy(value):
    """A tensor of either library as a numpy array (None stays None)."""
    return None if value is None else np.asarray(value)


def _assert_same(ours, theirs, path="result", rtol=1e-5, atol=1e-6):
    """``ours`` (kerasette) equals ``theirs`` (Keras), leaf by leaf; None only where None."""
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), path
        for key in theirs:
            _assert_same(ours[key], theirs[key], f"{path}[{key!r}]", rtol, atol)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), path
        for index, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(a, b, f"{path}[{index}]", rtol, atol)
    elif theirs is None:
        assert ours is None, f"{path}: Keras gives None, kerasette {ours!r}"
    elif isinstance(theirs, (str, tuple)):
        assert ours == theirs, path
    else:
        theirs = np.asarray(theirs)
        assert ours is not None, f"{path}: Keras gives {theirs!r}, kerasette None"
        ours = _numpy(ours)
        assert ours.shape == theirs.shape, f"{path}: shape {ours.shape} != Keras {theirs.shape}"
        if theirs.dtype == bool:
            np.testing.assert_array_equal(ours, theirs, err_msg=path)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=path)


def _mask_spec(tensor):
    """A symbolic tensor's mask as ``(shape, dtype)``, or None."""
    mask = getattr(tensor, "_keras_mask", None)
    return None if mask is None else (tuple(mask.shape), str(mask.dtype))


# ---------------------------------------------------------------------------- the case
def embedding_then_average(K, mask_of):
    embedding = K.layers.Embedding(5, 2, mask_zero=True)
    embedding.build((None, 4))
    embedding.set_weights([np.arange(10.0, dtype="float32").reshape(5, 2)])
    embedded = embedding(np.array([[1, 2, 0, 0]]))
    return {"mask": _numpy(mask_of(embedded)),
            "pooled": _numpy(K.layers.GlobalAveragePooling1D()(embedded))}


def test_an_embedding_mask_reaches_global_average_pooling(backend, keras):
    expected = _reference(keras, "embedding_then_average", embedding_then_average)
    np.testing.assert_allclose(expected["pooled"], [[3.0, 4.0]])  # rows 1 and 2 only
    _assert_same(embedding_then_average(kerasette, get_keras_mask), expected)


# ---------------------------------------------------------------------------- Masking, pooling
def masking_then_pooling(K, mask_of):
    masked = K.layers.Masking(mask_value=0.0)(FEATURES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        maximum = K.layers.GlobalMaxPooling1D(name="max_pool")(masked)
    return {"mask": _numpy(mask_of(masked)), "values": _numpy(masked),
            "average": _numpy(K.layers.GlobalAveragePooling1D()(masked)),
            "maximum": _numpy(maximum),
            # a layer that does not support masking warns that it drops the mask
            "warned": any("max_pool" in str(w.message) and "does not support masking"
                          in str(w.message) for w in caught)}


def test_masking_layer_and_global_pooling(backend, keras):
    expected = _reference(keras, "masking_then_pooling", masking_then_pooling)
    assert expected["warned"]
    _assert_same(masking_then_pooling(kerasette, get_keras_mask), expected)


# ---------------------------------------------------------------------------- compute_mask
def computed_masks(K, mask_of):
    a = np.array([[True, True, False, False], [True, False, True, False]])
    b = np.array([[False, True, True, False], [True, False, False, False]])
    x = np.ones((2, 4, 3), "float32")
    concatenate_time = K.layers.Concatenate(axis=1)
    return {
        "embedding": _numpy(K.layers.Embedding(5, 2, mask_zero=True).compute_mask(IDS)),
        "embedding_unmasked": K.layers.Embedding(5, 2).compute_mask(IDS),
        "masking": _numpy(K.layers.Masking(mask_value=0.0).compute_mask(FEATURES)),
        "add": _numpy(K.layers.Add().compute_mask([x, x], [a, b])),
        "add_one_unmasked": K.layers.Add().compute_mask([x, x], [a, None]),
        "concatenate": _numpy(K.layers.Concatenate().compute_mask([x, x], [a, None])),
        "concatenate_time": _numpy(concatenate_time.compute_mask([x, x], [None, b])),
        "average_pool": K.layers.GlobalAveragePooling1D().compute_mask(x, a),
        "dense": _numpy(K.layers.Dense(2).compute_mask(x, a)),
        "supports_masking": {name: getattr(K.layers, name)(**args).supports_masking
                             for name, args in [
                                 ("Dense", {"units": 2}), ("Add", {}), ("Concatenate", {}),
                                 ("Masking", {}), ("Flatten", {}), ("Conv1D", {
                                     "filters": 2, "kernel_size": 1}),
                                 ("Embedding", {"input_dim": 3, "output_dim": 2}),
                                 ("GlobalMaxPooling1D", {}), ("GlobalAveragePooling1D", {}),
                                 ("Rescaling", {"scale": 2.0}), ("Dropout", {"rate": 0.5}),
                                 ("LayerNormalization", {}), ("Softmax", {})]},
    }


def test_compute_mask_values(backend, keras):
    expected = _reference(keras, "computed_masks", computed_masks)
    ours = computed_masks(kerasette, get_keras_mask)
    assert ours.pop("supports_masking") == expected["supports_masking"]
    _assert_same(ours, {k: v for k, v in expected.items() if k != "supports_masking"})


def masks_by_argument(K, mask_of):
    """A call with two tensor arguments receives each one's mask as ``<argument>_mask``."""
    seen = []

    class Pair(K.layers.Layer):
        def call(self, query, value, query_mask=None, value_mask=None):
            seen.append((query_mask, value_mask))
            return query + value

    query = K.layers.Embedding(5, 2, mask_zero=True)(IDS)
    value = K.layers.Masking()(FEATURES[..., :2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pair passes no mask on, knowingly
        Pair()(query, value)
        Pair()(query, FEATURES[..., :2])
    return [[_numpy(mask) for mask in masks] for masks in seen]


def test_a_call_with_several_tensors_gets_each_ones_mask(backend, keras):
    expected = _reference(keras, "masks_by_argument", masks_by_argument)
    assert expected[1][1] is None
    _assert_same(masks_by_argument(kerasette, get_keras_mask), expected)


# ---------------------------------------------------------------------------- models
def masked_functional(K):
    # (layer names that no op has: Keras names its symbolic ops, e.g. "concatenate", too)
    ids = K.Input((4,), dtype="int32", name="ids")
    features = K.Input((4, 3), name="features")
    embedded = K.layers.Embedding(5, 3, mask_zero=True, name="embed")(ids)
    dense = K.layers.Dense(3, activation="tanh", name="hidden")(embedded)
    added = K.layers.Add(name="summed")([embedded, dense])
    masked = K.layers.Masking(name="masker")(features)
    product = K.layers.Multiply(name="product")([added, masked])
    largest = K.layers.Maximum(name="largest")([dense, masked])
    joined = K.layers.Concatenate(name="joined")([product, features, largest])
    flat = K.layers.Flatten(name="flat")(dense)
    pooled = K.layers.GlobalAveragePooling1D(name="pool")(joined)
    outputs = {"pooled": pooled, "scores": K.layers.Dense(2, name="scores")(joined),
               "flat": flat}
    tensors = {"embedded": embedded, "dense": dense, "added": added, "masked": masked,
               "product": product, "largest": largest, "joined": joined, "pooled": pooled,
               "flat": flat}
    return K.Model([ids, features], outputs), tensors


def functional_run(K, mask_of, weights=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Flatten drops the mask, knowingly
        model, tensors = masked_functional(K)
        if weights is not None:
            model.set_weights(weights)
        outputs = model([IDS, FEATURES])
    return {"weights": [np.asarray(w) for w in model.get_weights()],
            "symbolic_masks": {name: _mask_spec(t) for name, t in tensors.items()},
            "outputs": {name: _numpy(value) for name, value in outputs.items()},
            "output_masks": {name: _numpy(mask_of(value)) for name, value in outputs.items()}}


def test_a_functional_model_carries_masks_through_dense_and_merging_layers(backend, keras):
    expected = _reference(keras, "functional", functional_run)
    ours = functional_run(kerasette, get_keras_mask, weights=expected["weights"])
    assert ours["symbolic_masks"] == expected["symbolic_masks"]
    _assert_same(ours["outputs"], expected["outputs"])
    _assert_same(ours["output_masks"], expected["output_masks"])


def masked_sequential(K):
    return K.Sequential([
        K.Input((4,), dtype="int32"),
        K.layers.Embedding(5, 3, mask_zero=True),
        K.layers.Dense(4, activation="relu"),
        K.layers.LayerNormalization(),
        K.layers.Dropout(0.5),
        K.layers.Activation("tanh"),
        K.layers.GlobalAveragePooling1D(),
    ])


def sequential_run(K, mask_of, weights=None):
    model = masked_sequential(K)
    if weights is not None:
        model.set_weights(weights)
    steps = IDS
    for layer in model.layers[:-1]:
        steps = layer(steps)
    return {"weights": [np.asarray(w) for w in model.get_weights()],
            "called": _numpy(model(IDS)), "unmasked_mean": _numpy(steps).mean(axis=1),
            # the compiled predict step (kerasette's only: Keras's call is the reference)
            "predicted": model.predict(IDS, verbose=0) if K is kerasette else None}


def test_a_sequential_model_carries_the_mask(backend, keras):
    expected = _reference(keras, "sequential", sequential_run)
    ours = sequential_run(kerasette, get_keras_mask, weights=expected["weights"])
    _assert_same(ours["called"], expected["called"])
    _assert_same(ours["predicted"], expected["called"])
    # the mask made a difference
    assert not np.allclose(expected["called"], expected["unmasked_mean"], atol=1e-3)


def nested_and_given_masks(K, mask_of):
    """A mask made inside a nested model reaches the layers after it; a mask given to a
    model's call (``mask=``) masks its input; a Lambda's ``mask`` function makes its mask."""
    embedding = K.layers.Embedding(5, 2, mask_zero=True)
    ids = K.Input((4,), dtype="int32")
    inner = K.Model(ids, K.layers.Dense(2)(embedding(ids)))
    outer_ids = K.Input((4,), dtype="int32")
    outer = K.Model(outer_ids, K.layers.GlobalAveragePooling1D()(inner(outer_ids)))
    features = K.Input((4, 3))
    averaged = K.Model(features, K.layers.GlobalAveragePooling1D()(features))
    doubled = K.layers.Lambda(lambda x: x * 2.0, mask=lambda inputs, mask: mask)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Keras: "a model drops masks" (it does not)
        given = averaged(FEATURES, mask=IDS != 0)
    return {"weights": [np.asarray(w) for w in inner.get_weights()], "model": inner,
            "nested": outer, "given": given,
            "lambda_mask": _numpy(mask_of(doubled(embedding(IDS))))}


def test_masks_through_nested_models_and_given_to_a_model(backend, keras):
    expected = _reference(keras, "nested", nested_and_given_masks)
    ours = nested_and_given_masks(kerasette, get_keras_mask)
    ours["model"].set_weights(expected["weights"])
    _assert_same(ours["nested"](IDS), expected["nested"](IDS))
    _assert_same(ours["given"], expected["given"])
    _assert_same(ours["lambda_mask"], expected["lambda_mask"])


# ---------------------------------------------------------------------------- non-supporting
def dropped_mask(K, mask_of):
    embedding = K.layers.Embedding(5, 2, mask_zero=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flat = K.layers.Flatten(name="flat")(embedding(IDS))
        symbolic = K.layers.Flatten(name="flat_symbolic")(
            embedding(K.Input((4,), dtype="int32")))
    messages = [str(w.message) for w in caught]
    return {"mask": mask_of(flat), "symbolic_mask": _mask_spec(symbolic),
            "warned": [name for name in ("flat", "flat_symbolic")
                       if any(f"'{name}'" in m and "does not support masking" in m
                              for m in messages)]}


def test_a_layer_that_does_not_support_masking_warns_and_drops_the_mask(backend, keras):
    expected = _reference(keras, "dropped", dropped_mask)
    assert expected["warned"] == ["flat", "flat_symbolic"]
    ours = dropped_mask(kerasette, get_keras_mask)
    assert ours == expected


# ---------------------------------------------------------------------------- losses and metrics
def tagger(K):
    """Embedding(mask_zero) -> Dense softmax: one class per timestep, padding masked."""
    return K.Sequential([
        K.Input((4,), dtype="int32"),
        K.layers.Embedding(5, 4, mask_zero=True),
        K.layers.Dense(3, activation="softmax"),
    ])


def tagger_run(K, mask_of, weights=None, evaluate=True, **compile_options):
    """Three full-batch SGD steps of :func:`tagger` with a per-timestep loss."""
    model = tagger(K)
    if weights is not None:
        model.set_weights(weights)
    initial = [np.asarray(w) for w in model.get_weights()]
    first = _numpy(model(IDS))
    model.compile(K.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], **compile_options)
    evaluated = model.evaluate(IDS, TAGS, verbose=0, return_dict=True) if evaluate else None
    history = model.fit(IDS, TAGS, batch_size=3, epochs=3, shuffle=False, verbose=0)
    return {"weights": initial, "first": first, "evaluated": evaluated, "model": model,
            "loss": history.history["loss"], "accuracy": history.history["accuracy"],
            "trained": [np.asarray(w) for w in model.get_weights()]}


def _masked(per_timestep):
    return float(np.mean(per_timestep[IDS != 0]))


def test_masked_timesteps_do_not_count_in_losses_and_metrics(backend, keras):
    expected = _reference(keras, "tagger", tagger_run)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the numpy step must replay
        compiled = tagger_run(kerasette, get_keras_mask, weights=expected["weights"])
    train_step = compiled["model"]._steps["train"]["function"]
    if isinstance(train_step, Replayed):  # numpy: the replayed step gives the eager numbers
        assert train_step.replaying() >= 1
        eager = tagger_run(kerasette, get_keras_mask, weights=expected["weights"],
                           evaluate=False, run_eagerly=True)
        np.testing.assert_allclose(eager["loss"], compiled["loss"], rtol=1e-6)
        np.testing.assert_allclose(eager["accuracy"], compiled["accuracy"], rtol=1e-6)
    first = expected["first"]  # the predictions the evaluation and the first step see
    cross_entropy = -np.log(np.take_along_axis(first, TAGS[..., None], -1)[..., 0])
    accuracy = (first.argmax(-1) == TAGS).astype("float32")
    assert expected["evaluated"]["loss"] == pytest.approx(_masked(cross_entropy), rel=1e-5)
    assert expected["evaluated"]["accuracy"] == pytest.approx(_masked(accuracy), abs=1e-6)
    # the same masked loss as Keras, replayed on numpy, jitted on jax
    np.testing.assert_allclose(compiled["loss"], expected["loss"], rtol=1e-5)
    for name in ("loss", "accuracy"):
        assert compiled["evaluated"][name] == pytest.approx(expected["evaluated"][name],
                                                            rel=1e-5)
    _assert_same(compiled["trained"], expected["trained"], "trained weights", rtol=1e-4)
    # the training accuracy counts unmasked timesteps only (Keras on JAX counts the padding
    # here: the mask of y_pred does not survive its jax.value_and_grad to the metrics)
    assert compiled["accuracy"][0] == pytest.approx(_masked(accuracy), abs=1e-6)


@pytest.mark.standin
def test_masked_training_on_cupy_reads_nothing_back_and_matches_numpy():
    try:
        kerasette.backend.get_backend("cupy")  # a GPU, or the CPU stand-in (tests/conftest.py)
    except Exception as error:
        pytest.skip(f"the cupy backend is unavailable ({type(error).__name__}: {error})")
    import cupy
    counts_reads = hasattr(cupy, "SYNCS")  # the stand-in counts every host read
    ids, tags = np.tile(IDS, (4, 1)), np.tile(TAGS, (4, 1))  # 4 batches of 3
    with kerasette.backend.use("numpy"):
        kerasette.utils.set_random_seed(1)
        weights = tagger(kerasette).get_weights()
    histories = {}
    for name in ("numpy", "cupy"):
        with kerasette.backend.use(name):
            model = tagger(kerasette)
            model.set_weights(weights)
            model.compile(kerasette.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            model.fit(ids, tags, batch_size=3, epochs=1, shuffle=False, verbose=0)  # recorded
            if counts_reads:
                cupy.SYNCS.clear()
            histories[name] = model.fit(ids, tags, batch_size=3, epochs=2, shuffle=False,
                                        verbose=0).history
    if counts_reads:  # the masks cost no host read: only each epoch's loss and accuracy
        assert sum(cupy.SYNCS.values()) <= 2 * 2, dict(cupy.SYNCS)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(histories["cupy"][key], histories["numpy"][key], rtol=1e-5)
