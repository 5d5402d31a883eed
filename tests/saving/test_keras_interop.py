"""Files move between kerasette and Keras 3, both ways: ``.keras`` archives and
``.weights.h5`` files written by one library load in the other with the same predictions
(float32, relative 1e-5) and, for compiled models, the same optimizer state.

The models use Dense, Conv2D, MaxPooling2D, BatchNormalization (trained, so that its
moving statistics are not their initial zeros and ones), Dropout, Flatten and
Concatenate, as a Sequential and as a two-input Functional model. Each test runs on
kerasette's numpy and jax backends (``backend``) against the real Keras 3 on JAX
(``keras``).
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
