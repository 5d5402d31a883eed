"""``kerasette.ops`` and its grouped namespaces (``ops.nn``, ``ops.numpy``, ``ops.linalg``,
``ops.image``), against Keras 3's."""

import importlib

import pytest

import kerasette
from kerasette import ops

GROUPS = ("image", "linalg", "nn", "numpy")


@pytest.mark.parametrize("group", GROUPS)
def test_grouped_names_are_the_flat_ops(group):
    module = importlib.import_module(f"kerasette.ops.{group}")
    assert getattr(ops, group) is module
    for name in module.__all__:
        assert getattr(module, name) is getattr(ops, name), (group, name)
    # a name kerasette has and Keras groups here is here
    expected = [name for name in module.KERAS_NAMES if hasattr(ops, name)]
    assert module.__all__ == expected


@pytest.mark.parametrize("group", GROUPS)
def test_groups_list_keras_names(group, keras):
    module = importlib.import_module(f"kerasette.ops.{group}")
    theirs = {name for name in dir(getattr(keras.ops, group)) if not name.startswith("_")}
    assert set(module.KERAS_NAMES) == theirs


def test_from_import_forms():
    from kerasette.ops.nn import relu
    from kerasette.ops.numpy import add

    assert relu is kerasette.ops.relu and add is kerasette.ops.add
    assert float(kerasette.ops.nn.relu(-1.0)) == 0.0
