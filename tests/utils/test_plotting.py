"""plot_history: the figure's axes and lines hold the history's numbers; the PNG is a real PNG
of the expected size; clear errors without matplotlib, for unknown metrics and empty histories."""

import struct
import sys

import numpy as np
import pytest

import kerasette
from kerasette import layers, utils
from kerasette.callbacks import History
from kerasette.utils import plotting

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from the PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_MAGIC
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def lines_of(axes):
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
            for line in axes.get_lines()}


LOGS = {
    "accuracy": [0.5, 0.7, 0.8],
    "loss": [1.2, 0.8, 0.5],
    "val_accuracy": [0.55, 0.65, 0.75],
    "val_loss": [1.1, 0.9, 0.7],
    "learning_rate": [0.01, 0.005, 0.001],
}


def test_figure_has_one_axes_per_metric_with_train_and_validation_lines():
    pytest.importorskip("matplotlib")
    figure = plotting.history_figure(LOGS)
    axes = figure.get_axes()
    assert [a.get_title() for a in axes] == ["loss", "accuracy", "learning_rate"]
    loss, accuracy, learning_rate = (lines_of(a) for a in axes)
    assert loss == {"train": ([1, 2, 3], [1.2, 0.8, 0.5]),
                    "validation": ([1, 2, 3], [1.1, 0.9, 0.7])}
    assert accuracy == {"train": ([1, 2, 3], [0.5, 0.7, 0.8]),
                        "validation": ([1, 2, 3], [0.55, 0.65, 0.75])}
    assert learning_rate == {"train": ([1, 2, 3], [0.01, 0.005, 0.001])}
    assert all(a.get_xlabel() == "epoch" for a in axes)


def test_history_object_uses_its_epoch_numbers():
    pytest.importorskip("matplotlib")
    history = History()
    history.on_train_begin()
    for epoch, loss in zip([4, 5, 6], [0.9, 0.6, 0.4]):  # fit(initial_epoch=4, epochs=7)
        history.on_epoch_end(epoch, {"loss": loss})
    (axes,) = plotting.history_figure(history).get_axes()
    assert lines_of(axes) == {"train": ([5, 6, 7], [0.9, 0.6, 0.4])}


def test_metrics_selects_and_orders_the_subplots():
    pytest.importorskip("matplotlib")
    figure = plotting.history_figure(LOGS, metrics=["accuracy", "loss"])
    assert [a.get_title() for a in figure.get_axes()] == ["accuracy", "loss"]
    (only,) = plotting.history_figure(LOGS, metrics="accuracy").get_axes()
    assert lines_of(only)["validation"][1] == [0.55, 0.65, 0.75]


def test_a_val_name_asks_for_the_subplot_of_both_curves():
    pytest.importorskip("matplotlib")
    (axes,) = plotting.history_figure(LOGS, metrics=["val_loss", "loss"]).get_axes()
    assert axes.get_title() == "loss"
    assert set(lines_of(axes)) == {"train", "validation"}


def test_validation_only_series_is_labelled_validation():
    pytest.importorskip("matplotlib")
    (axes,) = plotting.history_figure({"val_auc": [0.6, 0.7]}).get_axes()
    assert axes.get_title() == "auc"
    assert lines_of(axes) == {"validation": ([1, 2], [0.6, 0.7])}


def test_validation_every_other_epoch_is_drawn_at_those_epochs(backend):
    pytest.importorskip("matplotlib")
    x = np.linspace(-1, 1, 32, dtype="float32")[:, None]
    kerasette.utils.set_random_seed(0)
    model = kerasette.Sequential([kerasette.Input((1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, 2 * x, epochs=4, batch_size=8, validation_data=(x, 2 * x),
                        validation_freq=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    (axes,) = plotting.history_figure(history).get_axes()
    lines = lines_of(axes)
    assert lines["train"][0] == [1, 2, 3, 4]
    assert lines["validation"] == ([2, 4], history.history["val_loss"])


def test_many_metrics_fill_a_grid_of_three_columns():
    pytest.importorskip("matplotlib")
    logs = {f"metric_{i}": [float(i), float(i) / 2] for i in range(7)}
    figure = plotting.history_figure(logs)
    axes = figure.get_axes()
    assert len(axes) == 7
    geometries = {a.get_subplotspec().get_geometry()[:2] for a in axes}
    assert geometries == {(3, 3)}
    assert [lines_of(a)["train"][1] for a in axes] == [[float(i), i / 2] for i in range(7)]


def test_plot_history_writes_a_png_of_the_figure_size(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    returned = utils.plot_history(LOGS, path)
    assert returned == path
    assert path.stat().st_size > 1000
    # three subplots of 4.5 x 3.5 inches at 100 dpi
    assert png_size(path) == (1350, 350)
    path_two = str(tmp_path / "two.png")
    assert utils.plot_history(LOGS, path_two, metrics=["loss", "accuracy"]) == path_two
    assert png_size(path_two) == (900, 350)


def test_plot_history_of_a_real_fit(backend, tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    kerasette.utils.set_random_seed(0)
    model = kerasette.Sequential([kerasette.Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    figure = plotting.history_figure(history)
    assert [a.get_title() for a in figure.get_axes()] == ["loss", "accuracy"]
    loss_lines = lines_of(figure.get_axes()[0])
    assert loss_lines["train"] == ([1, 2, 3], history.history["loss"])
    assert loss_lines["validation"] == ([1, 2, 3], history.history["val_loss"])
    path = utils.plot_history(history, tmp_path / "fit.png")
    assert open(path, "rb").read(8) == PNG_MAGIC


def test_plotting_leaves_pyplot_alone(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    utils.plot_history(LOGS, tmp_path / "a.png")
    assert plt.get_fignums() == before


def test_unknown_metric_names_the_available_ones():
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match=r"no metric 'precision'.*accuracy, learning_rate, loss"):
        plotting.history_figure(LOGS, metrics=["loss", "precision"])


def test_empty_history_and_wrong_type():
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="empty history"):
        plotting.history_figure({})
    with pytest.raises(ValueError, match="empty history"):
        plotting.history_figure(History())
    with pytest.raises(TypeError, match="History .* or its .history dict, got list"):
        plotting.history_figure([0.5, 0.4])


def test_missing_folder_is_named(tmp_path):
    pytest.importorskip("matplotlib")
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        utils.plot_history(LOGS, missing / "x.png")
    assert not missing.exists()


def test_without_matplotlib_the_error_says_how_to_install(monkeypatch, tmp_path):
    for name in ["matplotlib", "matplotlib.figure", "matplotlib.backends",
                 "matplotlib.backends.backend_agg", "matplotlib.ticker"]:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: import fails
    with pytest.raises(ImportError, match=r'pip install "kerasette\[examples\]"'):
        utils.plot_history(LOGS, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
