"""The regularization layers. The noise and dropout variants draw the same noise from the
same seed, train in one compiled step, and while training follow the distribution Keras 3's
do (statistics of many draws compared with the real Keras's; that they are the identity at
inference is checked against Keras by test_all_layers.py). ActivityRegularization adds
Keras's penalty, divided by the batch size."""

import math

import numpy as np
import pytest

import kerasette
import kerasette.layers as layers
from kerasette import ops

# each layer with inputs large enough for its statistics (see _statistics)
RANDOM_LAYERS = [
    ("SpatialDropout1D", {"rate": 0.3}, (400, 3, 5)),
    ("SpatialDropout2D", {"rate": 0.3, "data_format": "channels_first"}, (400, 5, 2, 3)),
    ("SpatialDropout3D", {"rate": 0.3}, (400, 2, 2, 2, 5)),
    ("GaussianNoise", {"stddev": 0.4}, (1000, 8)),
    ("GaussianDropout", {"rate": 0.3}, (1000, 8)),
    ("AlphaDropout", {"rate": 0.3}, (1000, 8)),
]


def _inputs(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_same_seed_same_draws(backend):
    """(That each is the identity at inference is checked against Keras by
    test_all_layers.py.) Two layers built with one seed draw the same noise; a second call
    draws new noise."""
    for name, config, shape in RANDOM_LAYERS:
        x = _inputs((2,) + shape[1:])
        layer = getattr(layers, name)(seed=3, **config)
        first = ops.convert_to_numpy(layer(x, training=True))
        second = ops.convert_to_numpy(layer(x, training=True))
        again = ops.convert_to_numpy(getattr(layers, name)(seed=3, **config)(x, training=True))
        assert not np.array_equal(first, x) and not np.array_equal(first, second), name
        np.testing.assert_array_equal(again, first, err_msg=name)


def test_random_layers_train(backend):
    """One model holding every random layer trains (on jax in one compiled step, the random
    state threaded through it): the inference loss falls."""
    kerasette.utils.set_random_seed(0)
    model = kerasette.Sequential([
        kerasette.Input((4, 6)), layers.SpatialDropout1D(0.2), layers.GaussianNoise(0.1),
        layers.GaussianDropout(0.1), layers.AlphaDropout(0.1), layers.Reshape((2, 2, 6)),
        layers.SpatialDropout2D(0.2), layers.Reshape((2, 2, 1, 6)), layers.SpatialDropout3D(0.2),
        layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = _inputs((16, 4, 6), seed=4)
    y = np.random.default_rng(3).normal(size=(16, 2)).astype("float32")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert np.isfinite(after) and after < before, (before, after)


def _statistics(name, config, x, y):
    """Numbers that characterize the training-mode output ``y`` of layer ``name`` on ``x``,
    with their tolerances: ``{statistic: (value, tolerance)}``."""
    if name.startswith("SpatialDropout"):
        # one draw per (sample, channel): every position of a channel dropped or kept alike
        channel_axis = 1 if config.get("data_format") == "channels_first" else -1
        ratio = np.moveaxis(y / x, channel_axis, -1).reshape(len(x), -1, x.shape[channel_axis])
        assert np.allclose(ratio, ratio[:, :1, :], rtol=1e-6), "a channel was split"
        ratio = ratio[:, 0, :]
        kept = ratio != 0
        return {"dropped fraction": (1 - kept.mean(), 5 * math.sqrt(2 * 0.21 / kept.size)),
                "kept scale": (ratio[kept].mean(), 1e-6)}
    if name == "GaussianNoise":
        noise = y - x
        sd = config["stddev"]
        return {"mean": (noise.mean(), 5 * math.sqrt(2) * sd / math.sqrt(noise.size)),
                "std": (noise.std(), 5 * sd / math.sqrt(noise.size))}
    if name == "GaussianDropout":
        factor = y / x
        sd = math.sqrt(config["rate"] / (1 - config["rate"]))
        return {"mean": (factor.mean(), 5 * math.sqrt(2) * sd / math.sqrt(factor.size)),
                "std": (factor.std(), 5 * sd / math.sqrt(factor.size))}
    # AlphaDropout: dropped entries all take one value; the rest are an affine map of x;
    # standard normal inputs keep mean 0 and variance 1
    values, counts = np.unique(y, return_counts=True)
    dropped_value = values[np.argmax(counts)]
    kept = y != dropped_value
    slope, intercept = np.polyfit(x[kept], y[kept], 1)
    return {"dropped value": (dropped_value, 1e-5), "slope": (slope, 1e-5),
            "intercept": (intercept, 1e-5),
            "dropped fraction": (1 - kept.mean(), 5 * math.sqrt(2 * 0.21 / kept.size)),
            "mean": (y.mean(), 5 * math.sqrt(2 / y.size)),
            "variance": (y.var(), 5 * math.sqrt(2) * math.sqrt(2 / y.size))}


@pytest.mark.parametrize("name, config, shape", RANDOM_LAYERS, ids=[c[0] for c in RANDOM_LAYERS])
def test_training_noise_follows_keras(name, config, shape, keras):
    """Our draws and Keras's come from different generators: their statistics (and the
    deterministic parts: scales, AlphaDropout's affine map) agree."""
    # positive inputs away from 0 for the ratio statistics; standard normal for AlphaDropout
    x = _inputs(shape, seed=1)
    if name != "AlphaDropout":
        x = (np.abs(x) + 0.5).astype("float32")
    ours = ops.convert_to_numpy(getattr(layers, name)(seed=5, **config)(x, training=True))
    theirs = np.asarray(getattr(keras.layers, name)(seed=5, **config)(x, training=True))
    ours_stats, keras_stats = _statistics(name, config, x, ours), _statistics(name, config, x,
                                                                              theirs)
    for statistic, (value, tolerance) in ours_stats.items():
        expected = keras_stats[statistic][0]
        assert abs(value - expected) <= tolerance, (
            f"{name} {statistic}: ours {value:.5f}, Keras's {expected:.5f} (tolerance "
            f"{tolerance:.5f})")


def test_activity_regularization_adds_keras_penalty(backend, keras):
    x = _inputs((3, 4))
    ours = layers.ActivityRegularization(l1=0.01, l2=0.02)
    theirs = keras.layers.ActivityRegularization(l1=0.01, l2=0.02)
    np.testing.assert_array_equal(ops.convert_to_numpy(ours(x)), x)
    theirs(x)
    assert len(ours.losses) == len(theirs.losses) == 1
    np.testing.assert_allclose(ops.convert_to_numpy(ours.losses[0]),
                               np.asarray(theirs.losses[0]), rtol=1e-6)
    # per sample: the penalty of the whole batch divided by its size
    np.testing.assert_allclose(ops.convert_to_numpy(ours.losses[0]),
                               (0.01 * np.abs(x).sum() + 0.02 * np.square(x).sum()) / 3,
                               rtol=1e-5)


@pytest.mark.parametrize("build, message", [
    (lambda: layers.GaussianDropout(1.0, name="g"),
     r'GaussianDropout "g": rate must be in \[0, 1\)'),
    (lambda: layers.AlphaDropout(-0.1, name="a"), r'AlphaDropout "a": rate must be in \[0, 1\)'),
    (lambda: layers.SpatialDropout2D(1.5, name="s"), r'SpatialDropout2D "s": rate must be in'),
    (lambda: layers.GaussianNoise(2.0, name="n"), r'GaussianNoise "n": stddev must be in \[0, 1\]'),
])
def test_bad_rates_raise_errors_naming_the_layer(build, message):
    with pytest.raises(ValueError, match=message):
        build()
