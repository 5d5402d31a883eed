"""Files written by an earlier kerasette (39453ff, before the API's floors and the tracker were
rebuilt; see files/make_files.py) load, predict as they did, and resave with the same layout."""

import importlib.util
import io
import pathlib
import zipfile

import h5py
import numpy as np
import pytest

import kerasette as keras

FILES = pathlib.Path(__file__).parent / "files"
_spec = importlib.util.spec_from_file_location("old_files_make", FILES / "make_files.py")
make_files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_files)  # registers the subclassed model's class


def h5_layout(path):
    """Every group and dataset (with its shape) in a .keras file's weights."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("model.weights.h5")
    found = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(
            name, getattr(obj, "shape", None)))
    return found


@pytest.mark.parametrize("name", ["functional", "sequential", "subclassed"])
def test_a_file_from_before_the_move_loads_predicts_and_resaves_the_same(name, tmp_path):
    expected = np.load(FILES / "expected.npz")
    model = keras.models.load_model(FILES / f"{name}.keras")
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected[name],
                               rtol=1e-5, atol=1e-6)
    assert int(model.optimizer.iterations.numpy()) == int(expected[f"{name}_iterations"])
    model.save(tmp_path / "again.keras")
    assert h5_layout(tmp_path / "again.keras") == h5_layout(FILES / f"{name}.keras")
    model.fit(expected["x"], expected[name], epochs=1, batch_size=16, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == int(expected[f"{name}_iterations"]) + 2
