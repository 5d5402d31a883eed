"""Files move between kerasette and Keras 3, both ways: ``.keras`` archives and
``.weights.h5`` files written by one library load in the other with the same predictions
(float32, relative 1e-5) and, for compiled models, the same optimizer state.

The models use Dense, Conv2D, MaxPooling2D, BatchNormalization (trained, so that its
moving statistics are not their initial zeros and ones), Dropout, Flatten and
Concatenate, as a Sequential and as a two-input Functional model. Each test runs on
kerasette's numpy and jax backends (``backend``) against the real Keras 3 on JAX
(``keras``). A third model (:func:`more_layers`) holds the 3-D, depthwise and separable
convolutions, the 3-D pooling and reshaping layers, the noise layers, PReLU, Dot and
SpectralNormalization (its test runs on the default backend).
"""

import numpy as np
import pytest

import kerasette

RTOL, ATOL = 1e-5, 1e-6


def sequential(lib, dropout=0.25):
    layers = lib.layers
    return lib.Sequential([
        lib.Input((8, 8, 2)),
        layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(),
        layers.Dropout(dropout),
        layers.Flatten(),
        layers.Dense(3),
    ])


def functional(lib):
    layers = lib.layers
    image = lib.Input((8, 8, 2), name="image")
    extra = lib.Input((5,), name="extra")
    x = layers.Conv2D(3, 3, activation="relu")(image)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Concatenate()([x, layers.Dense(4)(extra)])
    out = layers.Dense(2)(x)
    return lib.Model(inputs=[image, extra], outputs=out)


BUILDERS = {"sequential": sequential, "functional": functional}


def dataset(kind, n=24, seed=0):
    g = np.random.default_rng(seed)
    image = g.normal(loc=0.5, size=(n, 8, 8, 2)).astype("float32")
    x = image if kind == "sequential" else [image, g.normal(size=(n, 5)).astype("float32")]
    y = g.normal(size=(n, 3 if kind == "sequential" else 2)).astype("float32")
    return x, y


def trained(lib, kind, seed=0, **options):
    """The model of ``kind`` made with ``lib``, compiled with Adam and trained 2 epochs."""
    lib.utils.set_random_seed(seed)
    model = BUILDERS[kind](lib, **options)
    model.compile(optimizer=lib.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    x, y = dataset(kind)
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    return model


def batch_norm(model):
    return next(l for l in model.layers if type(l).__name__ == "BatchNormalization")


def assert_same_predictions(model_a, model_b, kind):
    x, _ = dataset(kind, n=10, seed=1)
    np.testing.assert_allclose(np.asarray(model_a.predict(x, verbose=0)),
                               np.asarray(model_b.predict(x, verbose=0)), rtol=RTOL, atol=ATOL)


def assert_same_optimizer_state(optimizer_a, optimizer_b):
    assert int(np.asarray(optimizer_a.iterations)) == int(np.asarray(optimizer_b.iterations))
    assert len(optimizer_a.variables) == len(optimizer_b.variables)
    for a, b in zip(optimizer_a.variables, optimizer_b.variables):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=RTOL, atol=0)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_a_kerasette_keras_file_loads_in_keras(backend, keras, tmp_path, kind):
    ours = trained(kerasette, kind)
    moving_mean = batch_norm(ours).moving_mean.numpy()
    assert np.abs(moving_mean).max() > 1e-2  # trained: not the initial zeros
    ours.save(tmp_path / "ours.keras")
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    assert [type(l).__name__ for l in theirs.layers] == [type(l).__name__ for l in ours.layers]
    np.testing.assert_array_equal(np.asarray(batch_norm(theirs).moving_mean), moving_mean)
    assert_same_predictions(ours, theirs, kind)
    assert theirs.compiled and type(theirs.optimizer).__name__ == "Adam"
    assert_same_optimizer_state(ours.optimizer, theirs.optimizer)
    assert int(np.asarray(theirs.optimizer.iterations)) == 6


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_a_keras_keras_file_loads_in_kerasette(backend, keras, tmp_path, kind):
    theirs = trained(keras, kind)
    theirs.save(tmp_path / "theirs.keras")
    ours = kerasette.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_array_equal(batch_norm(ours).moving_variance.numpy(),
                                  np.asarray(batch_norm(theirs).moving_variance))
    assert not np.allclose(batch_norm(ours).moving_variance.numpy(), 1.0)
    assert_same_predictions(ours, theirs, kind)
    assert ours.compiled and isinstance(ours.optimizer, kerasette.optimizers.Adam)
    assert float(ours.optimizer.learning_rate.numpy()) == pytest.approx(0.01)
    assert_same_optimizer_state(ours.optimizer, theirs.optimizer)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_weights_files_move_both_ways(backend, keras, tmp_path, kind):
    ours = trained(kerasette, kind, seed=1)
    ours.save_weights(tmp_path / "ours.weights.h5")
    keras.utils.set_random_seed(5)
    theirs = BUILDERS[kind](keras)
    theirs.load_weights(tmp_path / "ours.weights.h5")
    assert_same_predictions(ours, theirs, kind)

    keras_trained = trained(keras, kind, seed=2)
    keras_trained.save_weights(tmp_path / "theirs.weights.h5")
    kerasette.utils.set_random_seed(5)
    fresh = BUILDERS[kind](kerasette)
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    assert_same_predictions(fresh, keras_trained, kind)


def test_training_continues_alike_in_keras_from_a_kerasette_file(backend, keras, tmp_path):
    """The optimizer state means the same in both: one more epoch from the saved state
    ends at the same weights in Keras and in kerasette (float32 round-off apart; no
    dropout, whose random masks differ between the two)."""
    ours = trained(kerasette, "sequential", dropout=0.0)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    x, y = dataset("sequential")
    for model in (ours, theirs):
        model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert int(np.asarray(theirs.optimizer.iterations)) == 9
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def more_layers(lib):
    """A three-input model with the 3-D, depthwise and separable convolutions, the 3-D
    pooling and reshaping layers, PReLU, Dot and a spectrally normalized Dense (their
    weights' names, shapes and order must match Keras's), and the layers without weights
    whose configs must load in the other library."""
    layers = lib.layers
    volume = lib.Input((4, 4, 4, 2), name="volume")
    image = lib.Input((6, 6, 2), name="image")
    steps = lib.Input((6, 3), name="steps")
    v = layers.ZeroPadding3D(((1, 0), (0, 1), 1))(volume)
    v = layers.Conv3D(3, 2, activation="relu")(v)
    v = layers.Cropping3D(((1, 0), 0, (0, 1)))(v)
    v = layers.Conv3DTranspose(2, 2, strides=2, data_format="channels_first")(v)
    v = layers.UpSampling3D((1, 1, 2))(v)
    v = layers.MaxPooling3D(2)(v)
    v = layers.AveragePooling3D(2, padding="same")(v)
    v = layers.SpatialDropout3D(0.2)(v)
    v = layers.GlobalMaxPooling3D()(v)
    i = layers.DepthwiseConv2D(3, depth_multiplier=2)(image)
    i = layers.SeparableConv2D(3, 2, padding="same")(i)
    i = layers.PReLU(shared_axes=[1, 2])(i)
    i = layers.SpatialDropout2D(0.2)(i)
    i = layers.GlobalAveragePooling2D()(i)
    s = layers.DepthwiseConv1D(2)(steps)
    s = layers.SeparableConv1D(4, 2, depth_multiplier=2)(s)
    s = layers.ELU(0.5)(layers.GaussianNoise(0.1)(layers.SpatialDropout1D(0.2)(s)))
    s = layers.AlphaDropout(0.1)(layers.GaussianDropout(0.1)(s))
    s = layers.GlobalAveragePooling1D()(s)
    x = layers.Concatenate()([v, i, s])
    x = layers.ActivityRegularization(l2=0.01)(layers.Identity()(x))
    similarity = layers.Dot(axes=1, normalize=True)([i, layers.Dense(3)(s)])
    x = layers.SpectralNormalization(layers.Dense(2))(x)
    return lib.Model([volume, image, steps], layers.Concatenate()([x, similarity]))


def _more_layers_inputs(seed=3):
    g = np.random.default_rng(seed)
    return [g.normal(size=shape).astype("float32")
            for shape in ((5, 4, 4, 4, 2), (5, 6, 6, 2), (5, 6, 3))]


def _with_random_weights(model, seed=4):
    g = np.random.default_rng(seed)
    model.set_weights([g.normal(size=np.shape(w)).astype("float32") * 0.5
                       for w in model.get_weights()])
    return model


def test_more_layers_move_both_ways(keras, tmp_path):
    """The model of :func:`more_layers`, as a ``.keras`` file and as a ``.weights.h5`` file,
    from kerasette to Keras and back: the same predictions. (On the default backend only:
    the files are read and written by the same code on every backend, as the tests above
    show, and test_all_layers.py compares these layers across backends.)"""
    x = _more_layers_inputs()

    def outputs(model):
        return np.asarray(model.predict(x, verbose=0))

    ours = _with_random_weights(more_layers(kerasette))
    ours.save(tmp_path / "ours.keras")
    ours.save_weights(tmp_path / "ours.weights.h5")
    ours_outputs = outputs(ours)
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(outputs(theirs), ours_outputs, rtol=RTOL, atol=ATOL)

    theirs = _with_random_weights(more_layers(keras), seed=5)
    theirs.save(tmp_path / "theirs.keras")
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    expected = outputs(theirs)
    loaded = kerasette.models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(outputs(loaded), expected, rtol=RTOL, atol=ATOL)
    fresh = more_layers(kerasette)
    fresh.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(outputs(fresh), expected, rtol=RTOL, atol=ATOL)
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(outputs(theirs), ours_outputs, rtol=RTOL, atol=ATOL)
