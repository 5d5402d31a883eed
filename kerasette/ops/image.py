"""Image ops (``keras.ops.image``): resizing, affine and perspective transforms, crops and pads, colour spaces, patches.

The same functions as the flat :mod:`kerasette.ops` namespace, grouped as Keras 3 groups them:
``kerasette.ops.image.X is kerasette.ops.X``. ``KERAS_NAMES`` lists the names Keras 3.15 has here;
the ones kerasette does not have yet are missing from the module (``tests/test_ops_namespaces.py``
reports them).
"""

from kerasette.ops import _grouped

#: every name of ``keras.ops.image`` in Keras 3.15
KERAS_NAMES = (
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate",
    "sobel_edges", "ssim",
)

__all__ = _grouped(KERAS_NAMES, globals())
