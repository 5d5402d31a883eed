"""Dot: output shapes for the forms of ``axes`` (against Keras 3's ``compute_output_shape``
and the shapes of the computed outputs), errors. (Its values against Keras are in the table
of test_all_layers.py.)"""

import numpy as np
import pytest

import kerasette.layers as layers
from kerasette import ops

SHAPES = [
    (1, [(2, 4), (2, 4)]),
    ((1, 2), [(2, 3), (2, 5, 3)]),
    ((2, 1), [(2, 3, 4), (2, 4)]),
    (-1, [(2, 3, 4), (2, 5, 4)]),
    ((1, 3), [(2, 3, 4, 5), (2, 6, 2, 3)]),
]


@pytest.mark.parametrize("axes, shapes", SHAPES, ids=[str(a) for a, _ in SHAPES])
def test_dot_output_shapes_match_keras(axes, shapes, keras):
    expected = keras.layers.Dot(axes=axes).compute_output_shape(shapes)
    layer = layers.Dot(axes=axes)
    assert layer.compute_output_shape(shapes) == tuple(expected)
    g = np.random.default_rng(0)
    inputs = [g.normal(size=shape).astype("float32") for shape in shapes]
    assert ops.shape(layer(inputs)) == tuple(expected)


@pytest.mark.parametrize("build, message", [
    (lambda: layers.Dot(axes=1, name="d")([np.ones((2, 3)), np.ones((2, 4))]),
     r'Dot "d": axis 1 of the first input has size 3 but axis 1 of the second has size 4'),
    (lambda: layers.Dot(axes=(1, 2, 3), name="d"), r'Dot "d": axes must be an int or a pair'),
    (lambda: layers.Dot(axes=0, name="d").compute_output_shape([(2, 3), (2, 3)]),
     r'Dot "d": axes 0 must name a non-batch axis of each input'),
    (lambda: layers.Dot(axes=1, name="d")([np.ones((2, 3))]), r'Dot "d" takes exactly 2 inputs'),
])
def test_dot_errors_name_the_layer(build, message):
    with pytest.raises(ValueError, match=message):
        build()
