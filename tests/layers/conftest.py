"""The layer tests run the cupy backend too: on its CPU stand-in where no GPU is (see
``tests/conftest.py``), except the comparisons with Keras (the reference's side costs the
most there, and numpy's run of the same test checks the layer against it)."""

import pathlib

import pytest

_HERE = pathlib.Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in pathlib.Path(item.fspath).parents and "keras" not in item.fixturenames:
            item.add_marker(pytest.mark.standin)
