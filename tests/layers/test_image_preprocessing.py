"""The image preprocessing layers against Keras 3's. Deterministic layers (Resizing,
CenterCrop) and the random ones at a fixed transformation (``transform_images``, with the
parameters Keras drew) give Keras's numbers; the random draws follow Keras's distributions;
the same seed gives the same augmentation; a model holding them trains (on jax in one
compiled step); at inference the random ones are the identity."""

import math

import numpy as np
import pytest

import kerasette
import kerasette.layers as layers
from kerasette import ops
from kerasette.layers.preprocessing.image_preprocessing import (
    base_image_preprocessing_layer as base)

IMAGES = np.random.default_rng(3).uniform(0, 255, (4, 6, 7, 3)).astype("float32")
CHANNELS_FIRST = np.ascontiguousarray(np.transpose(IMAGES, (0, 3, 1, 2)))

DETERMINISTIC = [
    ("Resizing", {"height": 4, "width": 9}, IMAGES),
    ("Resizing", {"height": 3, "width": 3, "interpolation": "bicubic", "antialias": True,
                  "crop_to_aspect_ratio": True}, IMAGES),
    ("Resizing", {"height": 5, "width": 2, "pad_to_aspect_ratio": True, "fill_value": 7.0,
                  "data_format": "channels_first"}, CHANNELS_FIRST),
    ("CenterCrop", {"height": 3, "width": 4}, IMAGES),
    ("CenterCrop", {"height": 8, "width": 5}, IMAGES),  # taller than the image: resized
]

RANDOM = [
    ("RandomFlip", {}),
    ("RandomRotation", {"factor": 0.2}),
    ("RandomZoom", {"height_factor": (-0.3, 0.2), "width_factor": 0.25, "fill_mode": "constant"}),
    ("RandomTranslation", {"height_factor": 0.2, "width_factor": (-0.1, 0.3),
                           "fill_mode": "nearest"}),
    ("RandomCrop", {"height": 4, "width": 5}),
    ("RandomContrast", {"factor": 0.4}),
    ("RandomBrightness", {"factor": (-0.2, 0.3)}),
    ("RandomGrayscale", {"factor": 0.6}),
    ("RandomInvert", {"factor": 0.7}),
]


@pytest.mark.parametrize("name, config, images", DETERMINISTIC,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(DETERMINISTIC)])
def test_deterministic_layers_match_keras(name, config, images, backend, keras):
    ours = getattr(layers, name)(**config)
    theirs = getattr(keras.layers, name)(**config)
    np.testing.assert_allclose(ops.convert_to_numpy(ours(images)), np.asarray(theirs(images)),
                               rtol=1e-5, atol=1e-3)
    assert ours.compute_output_shape(images.shape) == tuple(theirs.compute_output_shape(
        images.shape))


def _as_ours(name, transformation, images):
    """Keras's transformation of layer ``name`` re-expressed as ours (the same parameters;
    the affine layers' transform rebuilt from them by our own formulas)."""
    if name == "RandomGrayscale":  # Keras's draw is the array of flags itself
        transformation = {"grayscale": transformation}
    t = {k: ops.convert_to_tensor(np.asarray(v)) for k, v in transformation.items()
         if k in ("grayscale", "apply_inversion", "flips", "contrast_factor", "rgb_delta",
                  "angle", "height_zoom", "width_zoom", "translations")}
    height, width = images.shape[1:3]
    if name == "RandomRotation":
        t["transform"] = base.rotation_transform(ops.multiply(t["angle"], math.pi / 180),
                                                 height, width)
    elif name == "RandomZoom":
        t["transform"] = base.zoom_transform(ops.reshape(t["height_zoom"], (-1,)),
                                             ops.reshape(t["width_zoom"], (-1,)), height, width)
    elif name == "RandomTranslation":
        right, down = (ops.reshape(v, (-1,)) for v in ops.unstack(t["translations"], axis=1))
        t["transform"] = base.translation_transform(down, right)
    return t


_KERAS_TRANSFORMED = {}


def _keras_transformed(name, config, keras):
    """(images, Keras's draw, Keras's images transformed by it) for layer ``name``, once per
    session; Keras's ``transform_images`` compiled as a whole (faster than eager JAX)."""
    if name not in _KERAS_TRANSFORMED:
        import jax
        theirs = getattr(keras.layers, name)(seed=1, **config)
        transformation = theirs.get_random_transformation(IMAGES, training=True)
        if isinstance(transformation, dict):
            arrays = {k: v for k, v in transformation.items() if hasattr(v, "shape")}
            rest = {k: v for k, v in transformation.items() if k not in arrays}
            expected = jax.jit(lambda images, arrays: theirs.transform_images(
                images, {**arrays, **rest}, training=True))(IMAGES, arrays)
        else:
            expected = theirs.transform_images(IMAGES, transformation, training=True)
        _KERAS_TRANSFORMED[name] = (IMAGES, transformation, np.asarray(expected))
    return _KERAS_TRANSFORMED[name]


@pytest.mark.parametrize("name, config", [c for c in RANDOM if c[0] != "RandomCrop"],
                         ids=[c[0] for c in RANDOM if c[0] != "RandomCrop"])
def test_fixed_transformation_matches_keras(name, config, backend, keras):
    """Keras's draw, applied by Keras and by us: the same images."""
    images, transformation, expected = _keras_transformed(name, config, keras)
    ours = getattr(layers, name)(seed=1, **config)
    got = ours.transform_images(images, _as_ours(name, transformation, images), training=True)
    np.testing.assert_allclose(ops.convert_to_numpy(got), expected, rtol=1e-4, atol=1e-3,
                               err_msg=name)


def test_random_crop_offsets_cover_the_image(backend):
    layer = layers.RandomCrop(4, 5, seed=2)
    corners = set()
    for _ in range(12):
        out = ops.convert_to_numpy(layer(IMAGES, training=True))
        assert out.shape == (4, 4, 5, 3)
        # one window of the input, the same for the whole batch (as Keras)
        hits = [(i, j) for i in range(3) for j in range(3)
                if np.array_equal(out, IMAGES[:, i:i + 4, j:j + 5])]
        assert len(hits) == 1
        corners.add(hits[0])
    assert len(corners) >= 4, corners  # 9 windows, 12 draws


@pytest.mark.standin  # on the CuPy stand-in too: no host read in any draw or transform
@pytest.mark.parametrize("name, config", RANDOM, ids=[c[0] for c in RANDOM])
def test_identity_at_inference_and_seeded(name, config, backend):
    """The identity with training=False (predict, evaluate); called directly, a random layer
    augments (Keras's default training=True); the same seed, the same augmentation."""
    x = IMAGES[:2]
    np.testing.assert_array_equal(
        ops.convert_to_numpy(getattr(layers, name)(**config)(x, training=False)), x)
    layer = getattr(layers, name)(seed=4, **config)
    first = ops.convert_to_numpy(layer(x))
    again = ops.convert_to_numpy(getattr(layers, name)(seed=4, **config)(x, training=True))
    np.testing.assert_array_equal(first, again)
    if name not in ("RandomFlip", "RandomGrayscale", "RandomInvert"):  # chance: may leave
        # both images as they were, twice
        assert not np.array_equal(first, ops.convert_to_numpy(layer(x, training=True)))


# the uniform parameter each random layer draws, and its range (Keras's definitions)
DRAWS = [
    ("RandomRotation", {"factor": (-0.1, 0.3)}, "angle", (-0.1 * 2 * math.pi, 0.3 * 2 * math.pi),
     180 / math.pi),
    ("RandomZoom", {"height_factor": (-0.3, 0.2)}, "height_zoom", (0.7, 1.2), 1.0),
    ("RandomContrast", {"factor": (0.2, 0.5)}, "contrast_factor", (0.8, 1.5), 1.0),
    ("RandomContrast", {"factor": 0.4}, "contrast_factor", (1.0, 1.4), 1.0),  # Keras's (0, f)
    ("RandomBrightness", {"factor": (-0.2, 0.3)}, "rgb_delta", (-0.2 * 255, 0.3 * 255), 1.0),
]


@pytest.mark.parametrize("name, config, key, bounds, keras_unit", DRAWS,
                         ids=[f"{d[0]}-{i}" for i, d in enumerate(DRAWS)])
def test_draws_follow_keras(name, config, key, bounds, keras_unit, keras):
    """Ours and Keras's draws (different generators) both fill the same interval uniformly."""
    images = np.zeros((1000, 2, 2, 1), "float32")
    ours = ops.convert_to_numpy(getattr(layers, name)(seed=3, **config)
                                .get_random_transformation(images)[key]).ravel()
    theirs = np.asarray(getattr(keras.layers, name)(seed=3, **config)
                        .get_random_transformation(images)[key]).ravel() / keras_unit
    low, high = bounds
    for draws in (ours, theirs):
        assert low - 1e-5 <= draws.min() and draws.max() <= high + 1e-5
        assert draws.min() < low + 0.01 * (high - low) and draws.max() > high - 0.01 * (high - low)
        sd = (high - low) / math.sqrt(12)
        assert abs(draws.mean() - (low + high) / 2) < 5 * sd / math.sqrt(draws.size)


def test_random_flip_flips_half(backend):
    x = np.arange(2 * 3 * 1, dtype="float32").reshape(1, 2, 3, 1).repeat(400, axis=0)
    y = ops.convert_to_numpy(layers.RandomFlip("horizontal", seed=0)(x, training=True))
    flipped = np.all(y == x[:, :, ::-1], axis=(1, 2, 3))
    assert np.all(flipped | np.all(y == x, axis=(1, 2, 3)))
    assert abs(flipped.mean() - 0.5) < 5 * 0.5 / math.sqrt(400)


@pytest.mark.standin
def test_augmenting_model_trains(backend):
    """Random layers in one model, trained (on jax in one compiled step, the seeds
    threaded through it, no host reads): the inference loss falls."""
    kerasette.utils.set_random_seed(0)
    model = kerasette.Sequential(
        [kerasette.Input((6, 7, 3))]
        # one layer of each kind (the affine ones share their path); RandomCrop passes images
        # unchanged at inference (Keras 3), where it would change the shape
        + [getattr(layers, name)(**config) for name, config in RANDOM
           if name in ("RandomFlip", "RandomTranslation", "RandomBrightness")]
        + [layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    y = np.random.default_rng(3).normal(size=(4, 2)).astype("float32")
    before = model.evaluate(IMAGES, y, verbose=0)
    model.fit(IMAGES, y, epochs=4, batch_size=4, shuffle=False, verbose=0)
    after = model.evaluate(IMAGES, y, verbose=0)
    assert np.isfinite(after) and after < before, (before, after)


@pytest.mark.parametrize("name, config", RANDOM + [(n, c) for n, c, _ in DETERMINISTIC[:4:3]],
                         ids=[c[0] for c in RANDOM] + ["Resizing", "CenterCrop"])
def test_config_matches_keras(name, config, keras):
    ours = getattr(layers, name)(seed=5, **config) if name.startswith("Random") else \
        getattr(layers, name)(**config)
    theirs = getattr(keras.layers, name)(seed=5, **config) if name.startswith("Random") else \
        getattr(keras.layers, name)(**config)
    ours_config, keras_config = ours.get_config(), theirs.get_config()
    assert set(ours_config) == set(keras_config)
    for key in set(keras_config) - {"name", "dtype"}:
        expected = keras_config[key]
        if isinstance(expected, list):
            expected = tuple(expected)
        assert ours_config[key] == expected, key
    clone = type(ours).from_config(ours_config)
    assert clone.get_config() == ours_config


@pytest.mark.parametrize("build, message", [
    (lambda: layers.RandomFlip("sideways", name="f"), 'RandomFlip "f": mode must be'),
    (lambda: layers.RandomBrightness(1.5, name="b"), 'RandomBrightness "b": factor must be'),
    (lambda: layers.RandomContrast(-0.1, name="c"), 'RandomContrast "c": factor must be'),
    (lambda: layers.RandomZoom((-1.5, 0.2), name="z"), 'RandomZoom "z": factor must be'),
])
def test_bad_factors_raise_errors_naming_the_layer(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize("name, config, probability", [
    ("RandomGrayscale", {"factor": 0.6}, 0.6),
    ("RandomInvert", {"factor": 0.7}, 0.35),  # a probability drawn in [0, 0.7] per image
], ids=["RandomGrayscale", "RandomInvert"])
def test_share_of_images_changed_follows_keras(name, config, probability, keras):
    x = np.random.default_rng(5).uniform(0, 255, (600, 2, 2, 3)).astype("float32")
    for library, out in (("ours", ops.convert_to_numpy(getattr(layers, name)(seed=2, **config)(
            x, training=True))), ("Keras", np.asarray(getattr(keras.layers, name)(seed=2, **config)(
                x, training=True)))):
        changed = np.any(np.abs(out - x) > 1e-3, axis=(1, 2, 3)).mean()
        sd = math.sqrt(probability * (1 - probability) / len(x))
        assert abs(changed - probability) < 5 * sd, (library, changed)
