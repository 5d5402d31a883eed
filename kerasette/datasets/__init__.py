"""Datasets (``keras.datasets``): real data, loaded from disk."""

from kerasette.datasets import fashion_mnist

__all__ = ["fashion_mnist"]
