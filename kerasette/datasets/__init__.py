"""Datasets (``keras.datasets``): ready-made data as numpy arrays.

- :mod:`~kerasette.datasets.mnist` and :mod:`~kerasette.datasets.fashion_mnist`: read from
  disk (``$KERASETTE_DATA``, ``~/.kerasette/datasets``, a Debian package's folder), and
  downloaded with SHA-256 verification only when no folder has them. Files found on disk are
  checked against their known SHA-256 too, once per version of a file
  (:mod:`~kerasette.datasets.verify`).
- :mod:`~kerasette.datasets.digits`: scikit-learn's bundled 8x8 digits, no network needed.
"""

from kerasette.datasets import digits, fashion_mnist, mnist

__all__ = ["digits", "fashion_mnist", "mnist"]
