"""The Layer base as the layers rely on it: building by hand."""

import numpy as np

import kerasette.layers as layers


def test_build_by_hand_then_call_builds_once(backend):
    """``layer.build(shape)`` marks the layer built, so the first call adds no second kernel
    (Keras allows building by hand)."""
    for layer, shape in [(layers.Dense(3), (None, 4)), (layers.Conv2D(2, 3), (None, 5, 5, 1)),
                         (layers.BatchNormalization(), (None, 4))]:
        layer.build(shape)
        assert layer.built
        count = len(layer.weights)
        layer(np.zeros((2,) + shape[1:], "float32"))
        assert len(layer.weights) == count
