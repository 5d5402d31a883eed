"""``kerasette.ops.image`` against Keras 3's own ``keras.ops.image`` on JAX: the same call,
the same numbers, on every backend (the gradients are checked by test_gradients.py through
the cases of op_specs.py)."""

import numpy as np
import pytest

import kerasette
from kerasette import ops

_RNG = np.random.default_rng(7)
IMAGES = _RNG.uniform(0.0, 1.0, (2, 5, 7, 3)).astype("float32")
ONE = IMAGES[0]
CHANNELS_FIRST = np.ascontiguousarray(np.transpose(IMAGES, (0, 3, 1, 2)))
TRANSFORMS = np.array([[0.9, -0.2, 1.3, 0.25, 1.1, -0.7, 0.0, 0.0],
                       [1.2, 0.1, -1.6, -0.15, 0.8, 2.2, 0.0, 0.0]], "float32")
COORDINATES = _RNG.uniform(-2.0, 8.0, (3, 4, 6)).astype("float32")

# (label, name of the op, positional arguments, keyword arguments): every interpolation and
# fill mode once (Keras's eager JAX ops compile on first use: a few seconds in all)
CASES = [
    *[(f"resize_{m}_up", "resize", (IMAGES, (8, 9)), {"interpolation": m})
      for m in ("nearest", "bicubic", "lanczos5")],
    *[(f"resize_{m}_down_antialias", "resize", (IMAGES, (3, 4)),
       {"interpolation": m, "antialias": True}) for m in ("bilinear", "lanczos3")],
    ("resize_nearest_down", "resize", (IMAGES, (2, 3)), {"interpolation": "nearest"}),
    ("resize_crop_to_aspect", "resize", (IMAGES, (4, 4)), {"crop_to_aspect_ratio": True}),
    ("resize_pad_to_aspect", "resize", (IMAGES, (6, 3)),
     {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
    ("resize_one_image_channels_first", "resize", (CHANNELS_FIRST[0], (4, 9)),
     {"data_format": "channels_first"}),
    *[(f"affine_{i}_{m}", "affine_transform", (IMAGES, TRANSFORMS),
       {"interpolation": i, "fill_mode": m, "fill_value": 0.3})
      for i, m in (("bilinear", "constant"), ("bilinear", "reflect"), ("nearest", "wrap"),
                   ("nearest", "mirror"), ("bilinear", "nearest"))],
    ("affine_channels_first", "affine_transform", (CHANNELS_FIRST, TRANSFORMS),
     {"data_format": "channels_first"}),
    ("affine_one_image", "affine_transform", (ONE, TRANSFORMS[0]), {}),
    *[(f"map_coordinates_{order}_{m}", "map_coordinates", (ONE, COORDINATES, order),
       {"fill_mode": m, "fill_value": -1.0})
      for order, m in ((0, "constant"), (1, "constant"), (1, "mirror"), (0, "reflect"))],
    ("crop_images", "crop_images", (IMAGES,), {"top_cropping": 1, "left_cropping": 2,
                                               "target_height": 3, "target_width": 4}),
    ("crop_images_bottom_right", "crop_images", (CHANNELS_FIRST,),
     {"bottom_cropping": 1, "right_cropping": 3, "target_height": 2, "target_width": 3,
      "data_format": "channels_first"}),
    ("pad_images", "pad_images", (ONE,), {"top_padding": 1, "right_padding": 2,
                                          "target_height": 8, "target_width": 10}),
    ("rgb_to_grayscale_channels_first", "rgb_to_grayscale", (CHANNELS_FIRST,),
     {"data_format": "channels_first"}),
    ("rgb_to_hsv", "rgb_to_hsv", (IMAGES,), {}),
    ("hsv_to_rgb", "hsv_to_rgb", (IMAGES,), {}),
    ("gaussian_blur", "gaussian_blur", (IMAGES,), {"kernel_size": (3, 5), "sigma": (0.8, 1.7),
                                                  "data_format": "channels_last"}),
]


@pytest.fixture(scope="module")
def keras_results(keras):
    """Keras's outputs for every case, computed once, each call compiled as a whole (eager,
    Keras's JAX ops compile one by one: several times slower)."""
    import jax

    def compiled(name, args, kwargs):
        arrays = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]

        def run(*values):
            call = list(args)
            for i, value in zip(arrays, values):
                call[i] = value
            return getattr(keras.ops.image, name)(*call, **kwargs)
        return np.asarray(jax.jit(run)(*(args[i] for i in arrays)))
    return {label: compiled(name, args, kwargs) for label, name, args, kwargs in CASES}


@pytest.mark.parametrize("label", [c[0] for c in CASES])
def test_matches_keras(label, keras_results):
    # on the numpy engine: the jax backend makes Keras's own calls (jax.image.resize,
    # map_coordinates) or runs the same shared code (backends/image.py), and
    # tests/backends/test_gradients.py compares it with the engine op by op
    _, name, args, kwargs = next(c for c in CASES if c[0] == label)
    with kerasette.backend.use("numpy"):
        got = ops.convert_to_numpy(getattr(ops.image, name)(*args, **kwargs))
    expected = keras_results[label]
    assert got.shape == expected.shape and got.dtype == expected.dtype, (got.shape, got.dtype)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5, err_msg=label)


def test_hsv_round_trip(backend):
    back = ops.hsv_to_rgb(ops.rgb_to_hsv(IMAGES))
    np.testing.assert_allclose(ops.convert_to_numpy(back), IMAGES, atol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.resize(IMAGES, (4, 4), interpolation="area"), "interpolation must be one of"),
    (lambda: ops.resize(IMAGES[0, :, :, 0], (4, 4)), "rank 3"),
    (lambda: ops.resize(IMAGES, (4, 4), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "not both"),
    (lambda: ops.affine_transform(IMAGES, TRANSFORMS[:, :6]), r"shape \(8,\)"),
    (lambda: ops.affine_transform(IMAGES, TRANSFORMS, fill_mode="edge"), "fill_mode"),
    (lambda: ops.map_coordinates(ONE, COORDINATES[:2], 1), "coordinates need shape"),
    (lambda: ops.map_coordinates(ONE, COORDINATES, 3), "order must be"),
    (lambda: ops.crop_images(IMAGES, top_cropping=1), "exactly two"),
    (lambda: ops.pad_images(IMAGES, top_padding=4, target_height=3, left_padding=0,
                            right_padding=0), ">= 0"),
])
def test_bad_arguments_say_what_is_wrong(call, message, backend):
    with pytest.raises(ValueError, match=message):
        call()
