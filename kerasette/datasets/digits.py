"""Digits: scikit-learn's bundled 1,797 8x8 images of handwritten digits; needs no network."""

import numpy as np

#: How many images the dataset holds.
SIZE = 1797


def load_data(test_split=0.2, seed=113):
    """Loads scikit-learn's 8x8 digits (``sklearn.datasets.load_digits``), split Keras-style.

    A small dataset shipped inside scikit-learn (a copy of the UCI "optical recognition of
    handwritten digits" test set): 1,797 images, 8x8 pixels, offline. Good for a quick start.
    Pixel values run from 0 to 16 (each is a count of set pixels in a 4x4 block of the
    original 32x32 bitmap), not 0 to 255: divide by 16 to scale them to [0, 1].

    The images are shuffled with ``numpy.random.default_rng(seed)`` and then split, so the
    same ``seed`` always gives the same split.

    Args:
        test_split: the fraction of the images kept for testing, in [0, 1). The training
            set gets ``int(1797 * (1 - test_split))`` images (1,437 by default), the test
            set the rest (360).
        seed: the seed of the shuffle before the split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays, images of shape (n, 8, 8)
        with values 0 to 16, labels of shape (n,) with values 0 to 9.

    Raises:
        ImportError: scikit-learn is not installed (``pip install "kerasette[examples]"``).
        ValueError: ``test_split`` is outside [0, 1).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = digits.load_data()
        >>> x_train.shape, x_test.shape, int(x_train.max())
        ((1437, 8, 8), (360, 8, 8), 16)
        >>> x_train = x_train.astype("float32") / 16.0
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"digits.load_data: test_split must be in [0, 1), got {test_split!r}.")
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError(
            "kerasette.datasets.digits needs scikit-learn, which is not installed: "
            'pip install "kerasette[examples]" (or pip install scikit-learn).'
        ) from error
    bunch = load_digits()
    order = np.random.default_rng(seed).permutation(len(bunch.images))
    images = bunch.images[order].astype(np.uint8)
    labels = bunch.target[order].astype(np.uint8)
    n_train = int(len(images) * (1 - test_split))
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])
