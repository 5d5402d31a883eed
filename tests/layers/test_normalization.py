"""BatchNormalization and LayerNormalization: training vs inference, moving statistics
updated by ``fit``, freezing, errors. SpectralNormalization: ``fit`` as Keras's, a zero
kernel, errors. GroupNormalization, RMSNormalization, UnitNormalization (and
LayerNormalization's ``rms_scaling``): values as Keras's, a zero sample, errors."""

import warnings

import numpy as np
import pytest

import kerasette
import kerasette.layers as layers
from kerasette import ops


def _features(seed=0, n=64):
    """Features with per-column means (2, -1, 0.5) and standard deviations (3, 0.5, 1)."""
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, 3)) * [3.0, 0.5, 1.0] + [2.0, -1.0, 0.5]).astype("float32")


def test_training_and_inference_outputs_differ(backend):
    x = _features()
    layer = layers.BatchNormalization()
    inference = ops.convert_to_numpy(layer(x))
    training = ops.convert_to_numpy(layer(x, training=True))
    # inference uses the initial moving statistics (0, 1): almost the identity
    np.testing.assert_allclose(inference, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    # training uses the batch's: zero mean, unit variance per feature
    np.testing.assert_allclose(training.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(training.std(axis=0), np.sqrt(x.var(0) / (x.var(0) + 1e-3)),
                               rtol=1e-4)
    assert np.abs(training - inference).max() > 1.0


def test_training_call_updates_moving_statistics(backend):
    x = _features()
    layer = layers.BatchNormalization(momentum=0.9)
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 + 0.1 * x.var(0), rtol=1e-5)
    layer(x)  # inference leaves them alone
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5)


def test_weights_order_and_split(backend):
    layer = layers.BatchNormalization()
    layer.build((None, 3))
    assert [v.path.split("/")[-1] for v in layer.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance"]
    assert [v.path.split("/")[-1] for v in layer.trainable_weights] == ["gamma", "beta"]
    assert [v.path.split("/")[-1] for v in layer.non_trainable_weights] == [
        "moving_mean", "moving_variance"]


def test_fit_updates_the_moving_statistics_used_in_inference(backend):
    x = _features(n=64)
    y = np.zeros((64, 3), "float32")
    model = kerasette.Sequential([layers.Input((3,)),
                                         layers.BatchNormalization(momentum=0.5)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=12, batch_size=64, shuffle=False, verbose=0)
    bn = model.layers[0]
    # 12 updates with momentum 0.5 from (0, 1), each towards the same (full-batch) statistics
    kept = 0.5 ** 12
    np.testing.assert_allclose(bn.moving_mean.numpy(), (1 - kept) * x.mean(0), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.numpy(), kept + (1 - kept) * x.var(0),
                               rtol=1e-4)
    gamma, beta, mean, variance = bn.get_weights()
    expected = (x - mean) / np.sqrt(variance + 1e-3) * gamma + beta
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_frozen_layer_keeps_its_weights_during_fit(backend):
    x = _features(n=32)
    y = np.random.default_rng(1).normal(size=(32, 1)).astype("float32")
    inputs = layers.Input((3,))
    dense = layers.Dense(3)
    bn = layers.BatchNormalization()
    outputs = layers.Dense(1)(bn(dense(inputs)))
    model = kerasette.Model(inputs, outputs)
    model(x)
    bn.set_weights([np.full(3, 2.0), np.full(3, 0.5), np.full(3, 0.1), np.full(3, 3.0)])
    bn.trainable = False
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    frozen = bn.get_weights()
    dense_before = dense.get_weights()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    for after, before in zip(bn.get_weights(), frozen):
        np.testing.assert_array_equal(after, before)
    assert np.abs(dense.get_weights()[0] - dense_before[0]).max() > 0
    # a frozen layer normalizes with its moving statistics even when training=True
    z = ops.convert_to_numpy(dense(x))
    np.testing.assert_allclose(ops.convert_to_numpy(bn(dense(x), training=True)),
                               (z - 0.1) / np.sqrt(3.0 + 1e-3) * 2.0 + 0.5, rtol=1e-5,
                               atol=1e-6)


def test_no_gradient_flows_into_the_moving_statistics(backend):
    layer = layers.BatchNormalization()
    x = ops.convert_to_tensor(_features(n=8))
    layer(x)
    with kerasette.GradientTape() as tape:
        tape.watch(x)
        out = layer(x, training=True)
        loss = ops.add(ops.sum(ops.square(layer.moving_mean)), ops.sum(ops.multiply(out, 0.0)))
    gradient = tape.gradient(loss, x)
    # the moving mean read after the update is a constant: the loss only sees it
    assert gradient is None or np.abs(ops.convert_to_numpy(gradient)).max() == 0.0


def test_masked_statistics_skip_masked_positions(backend):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]], bool)
    layer = layers.BatchNormalization(momentum=0.0)
    layer(x, training=True, mask=mask)
    kept = x[mask]
    np.testing.assert_allclose(layer.moving_mean.numpy(), kept.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), kept.var(0), rtol=1e-4)


@pytest.mark.parametrize("axis, shape, message", [
    (3, (None, 4, 5), "axis 3 is out of range for input shape (None, 4, 5)"),
    (-1, (None, None), "needs a known size along axis -1"),
])
def test_batch_normalization_errors_name_the_layer(backend, axis, shape, message):
    layer = layers.BatchNormalization(axis=axis, name="bn_bad")
    with pytest.raises(ValueError, match=r'BatchNormalization "bn_bad"') as info:
        layer.build(shape)
    assert message in str(info.value)


def test_batch_normalization_rejects_a_wrong_feature_size(backend):
    layer = layers.BatchNormalization(name="bn_size")
    layer(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match=r'BatchNormalization "bn_size" expected last '
                                         r'dimension 3, got 4 \(input shape \(2, 4\)\)'):
        layer(np.zeros((2, 4), "float32"))


def test_layer_normalization_normalizes_each_sample(backend):
    x = _features(n=5) * 10
    out = ops.convert_to_numpy(layers.LayerNormalization(epsilon=1e-6)(x))
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=-1), 1.0, rtol=1e-4)
    # the same in training and inference: no batch statistics
    layer = layers.LayerNormalization()
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)),
                                  ops.convert_to_numpy(layer(x, training=True)))


def test_layer_normalization_rms_scaling_is_deprecated_and_has_no_beta(backend):
    with pytest.warns(UserWarning, match="deprecated"):
        layer = layers.LayerNormalization(rms_scaling=True)
    x = _features(n=4)
    out = ops.convert_to_numpy(layer(x))
    assert [v.path.split("/")[-1] for v in layer.weights] == ["gamma"]
    np.testing.assert_allclose(out, x / np.sqrt(x.var(-1, keepdims=True) + 1e-3), rtol=1e-5)


# ---------------------------------------------------------------------------- renormalization
RENORM_CLIPPINGS = [None, {"rmin": 0.5, "rmax": 1.5, "dmax": 0.3}]


def _renorm(K, clipping):
    return K.layers.BatchNormalization(renorm=True, renorm_clipping=clipping, momentum=0.8,
                                       renorm_momentum=0.7)


def _renorm_weights(seed=3):
    """gamma, beta, then the five statistics (positive where they are standard deviations)."""
    rng = np.random.default_rng(seed)
    gamma, beta, mean = rng.normal(size=(3, 3)).astype("float32")
    variance, stddev, renorm_stddev = (rng.uniform(0.5, 2.0, size=(3, 3))).astype("float32")
    renorm_mean = rng.normal(size=3).astype("float32")
    return [gamma, beta, mean, variance, stddev, renorm_mean, renorm_stddev]


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.parametrize("clipping", RENORM_CLIPPINGS, ids=["unclipped", "clipped"])
def test_renorm_matches_keras_step_by_step(backend, keras, clipping):
    """Training-mode outputs and all seven weights after each of four steps, from identical
    weights, on batches whose statistics drift (so r and d move, and clip when bounded)."""
    reference, layer = _renorm(keras, clipping), _renorm(kerasette, clipping)
    reference.build((None, 3))
    layer.build((None, 3))
    names = [v.path.split("/")[-1] for v in layer.weights]
    assert names == [v.path.split("/")[-1] for v in reference.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean",
        "renorm_stddev"]
    reference.set_weights(_renorm_weights())
    layer.set_weights(_renorm_weights())
    for step in range(4):
        x = _features(seed=step, n=16) * (1.0 + step) + step
        np.testing.assert_allclose(ops.convert_to_numpy(layer(x, training=True)),
                                   np.asarray(reference(x, training=True)), rtol=1e-5, atol=1e-5)
        for name, ours, theirs in zip(names, layer.get_weights(), reference.get_weights()):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, err_msg=name)
    # inference uses moving_mean and moving_variance (derived from moving_stddev)
    x = _features(seed=9, n=8)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), np.asarray(reference(x)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.parametrize("clipping", RENORM_CLIPPINGS, ids=["unclipped", "clipped"])
def test_renorm_fit_matches_keras(backend, keras, clipping):
    """Twelve SGD steps through Dense -> BatchNormalization(renorm) -> Dense from Keras's
    initial weights: the same losses and the same weights, statistics included. (Keras 3's
    renorm leaves r and d unclipped by default, so its training loss may rise for a step or
    two; kerasette's does exactly the same.)"""
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(48, 6)) * 3 + 2).astype("float32")
    y = (x @ rng.normal(size=(6, 1)) + 1).astype("float32")

    def model(K):
        return K.Sequential([K.Input((6,)), K.layers.Dense(8),
                             K.layers.BatchNormalization(renorm=True, renorm_clipping=clipping,
                                                         momentum=0.9, renorm_momentum=0.9),
                             K.layers.Dense(1)])
    reference, ours = model(keras), model(kerasette)
    ours.set_weights([np.asarray(w) for w in reference.get_weights()])
    reference.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    ours.compile(optimizer=kerasette.optimizers.SGD(0.01), loss="mse")
    expected = reference.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    history = ours.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-4)
    for ours_w, theirs in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours_w, np.asarray(theirs), rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_spectral_normalization_fit_matches_keras(backend, keras):
    """Six SGD steps through Dense -> SpectralNormalization(Dense) from Keras's initial
    weights: the same losses and weights. In a (stateless) train step the normalized kernel
    is used and differentiated through, but only vector_u is kept; the kernel keeps its SGD
    updates."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=(24, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 2))).astype("float32")

    def model(K):
        return K.Sequential([K.Input((5,)), K.layers.Dense(4, activation="tanh"),
                             K.layers.SpectralNormalization(K.layers.Dense(2),
                                                            power_iterations=2)])
    reference, ours = model(keras), model(kerasette)
    ours.set_weights([np.asarray(w) for w in reference.get_weights()])
    reference.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=kerasette.optimizers.SGD(0.1), loss="mse")
    expected = reference.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    history = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-4)
    for ours_w, theirs in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours_w, np.asarray(theirs), rtol=1e-4, atol=1e-5)


def test_spectral_normalization_leaves_a_zero_kernel(backend):
    layer = layers.SpectralNormalization(layers.Dense(3, use_bias=False))
    x = np.ones((2, 4), "float32")
    layer(x)
    u = ops.convert_to_numpy(layer.vector_u)
    layer.layer.kernel.assign(np.zeros((4, 3), "float32"))
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, training=True)), 0)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.layer.kernel), 0)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer.vector_u), u)


def test_spectral_normalization_errors_name_the_layer():
    with pytest.raises(ValueError, match=r'SpectralNormalization "s": the wrapped layer '
                                         r'Identity "i" has neither a kernel nor embeddings'):
        layers.SpectralNormalization(layers.Identity(name="i"), name="s")(np.ones((2, 3)))
    with pytest.raises(ValueError, match="SpectralNormalization wraps a layer, got 3"):
        layers.SpectralNormalization(3)
    with pytest.raises(ValueError, match="power_iterations must be a positive integer, got 0"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)


# ---------------------------------------------------------------------------- group, RMS, unit
def _matches_keras(keras, name, config, x, seed=5):
    """kerasette's ``name`` layer and Keras's, with the same random weights, agree on ``x``."""
    twin = getattr(keras.layers, name)(**config)
    twin(x)
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=w.shape).astype("float32") for w in twin.get_weights()]
    twin.set_weights(weights)
    layer = getattr(layers, name)(**config)
    layer(x)
    layer.set_weights(weights)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), np.asarray(twin(x)), rtol=1e-4,
                               atol=1e-5)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
@pytest.mark.parametrize("name,config,shape", [
    ("GroupNormalization", {"groups": -1}, (2, 3, 4)),  # instance normalization
    ("GroupNormalization", {"groups": 1, "center": False}, (2, 3, 4)),
    ("GroupNormalization", {"groups": 2, "axis": 1, "epsilon": 1e-5}, (2, 4, 3, 2)),
    ("RMSNormalization", {}, (2, 3, 5)),
    ("UnitNormalization", {"axis": 1}, (2, 3, 4)),
    ("LayerNormalization", {"rms_scaling": True, "axis": [1, 2]}, (2, 3, 4)),
], ids=["group-instance", "group-one", "group-channels_first", "rms", "unit-axis1",
        "layer-rms_scaling"])
def test_normalization_matches_keras(keras, name, config, shape):
    x = (np.random.default_rng(0).normal(size=shape) * 3 + 1).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation, on both sides
        _matches_keras(keras, name, config, x)


def test_unit_normalization_leaves_a_zero_sample_zero(backend):
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype="float32")
    layer = layers.UnitNormalization()
    with kerasette.GradientTape() as tape:
        tensor = ops.convert_to_tensor(x)
        tape.watch(tensor)
        y = layer(tensor)
        total = ops.sum(y)
    np.testing.assert_allclose(ops.convert_to_numpy(y), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    assert np.all(np.isfinite(ops.convert_to_numpy(tape.gradient(total, tensor))))


def test_group_and_rms_normalization_errors_name_the_layer():
    with pytest.raises(ValueError, match='GroupNormalization "g".*groups=4 must divide the 6'):
        layers.GroupNormalization(groups=4, name="g")(np.ones((2, 6), "float32"))
    with pytest.raises(ValueError, match='GroupNormalization "h".*positive integer'):
        layers.GroupNormalization(groups=0, name="h")
    with pytest.raises(ValueError, match='RMSNormalization "r": axis 2 is out of range'):
        layers.RMSNormalization(axis=2, name="r")(np.ones((2, 6), "float32"))
