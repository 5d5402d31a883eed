"""The compile config in a ``.keras`` file: every entry written where Keras 3 writes it and
read back into the same role.

``metrics`` and ``weighted_metrics`` have the same form, so a mix-up between them (on
writing, on reading, or both) survives any check that only looks at one model's round
trip. These tests tell them apart by what they do: with sample weights, a weighted
metric and an unweighted one give different numbers, computed here by hand.
"""

import json
import zipfile

import numpy as np
import pytest

import kerasette
from kerasette import layers

# Keras's own Variable.__array__ warns under numpy 2; nothing of kerasette's
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

LOSS_WEIGHTS = {"score": 0.5, "level": 2.0}


def compile_arguments(library):
    """``compile``'s arguments for the two-output model of :func:`two_outputs`, in
    ``library`` (kerasette or Keras): different metrics weighted and unweighted per output,
    loss weights, and a non-default ``run_eagerly``."""
    return dict(
        optimizer=library.optimizers.Adam(0.01, name="adam"),  # not a numbered default name
        loss={"score": "mse", "level": "mae"},
        loss_weights=dict(LOSS_WEIGHTS),
        metrics={"score": ["mae"],
                 "level": [library.metrics.MeanSquaredError(name="mse_level")]},
        weighted_metrics={"score": [library.metrics.MeanSquaredError(name="wmse_score")],
                          "level": ["mae"]},
        run_eagerly=True,
    )


def two_outputs(library):
    inputs = library.Input((4,), name="x")
    hidden = library.layers.Dense(5, activation="tanh", name="hidden")(inputs)
    return library.Model(inputs, [library.layers.Dense(1, name="score")(hidden),
                                  library.layers.Dense(1, name="level")(hidden)])


def data():
    g = np.random.default_rng(1)
    x = g.normal(size=(12, 4)).astype("float32")
    ys = [g.normal(size=(12, 1)).astype("float32"), g.normal(size=(12, 1)).astype("float32")]
    sample_weight = g.uniform(0.0, 2.0, size=(12,)).astype("float32")
    return x, ys, sample_weight


def expected_logs(model, x, ys, sample_weight):
    """What ``evaluate`` must report, by hand from the model's predictions: weighted
    metrics are ``sum(w * v) / sum(w)``, unweighted ones ``mean(v)``; each output's loss is
    ``sum(w * v) / n`` and the total weighs them by ``LOSS_WEIGHTS``."""
    score, level = (np.asarray(p, np.float64)[:, 0] for p in model.predict(x, verbose=0))
    w = sample_weight.astype(np.float64)
    score_error = ys[0][:, 0] - score
    level_error = ys[1][:, 0] - level
    logs = {
        "score_mae": np.mean(np.abs(score_error)),                           # unweighted
        "score_wmse_score": np.sum(w * score_error ** 2) / np.sum(w),        # weighted
        "level_mse_level": np.mean(level_error ** 2),                        # unweighted
        "level_mae": np.sum(w * np.abs(level_error)) / np.sum(w),            # weighted
        "score_loss": np.sum(w * score_error ** 2) / len(w),
        "level_loss": np.sum(w * np.abs(level_error)) / len(w),
    }
    logs["loss"] = (LOSS_WEIGHTS["score"] * logs["score_loss"]
                    + LOSS_WEIGHTS["level"] * logs["level_loss"])
    return logs


def evaluate(model, x, ys, sample_weight):
    return model.evaluate(x, ys, sample_weight=sample_weight, batch_size=len(x), verbose=0,
                          return_dict=True)


def assert_logs(logs, expected, where):
    assert set(logs) == set(expected), f"{where}: logs {sorted(logs)}, expected {sorted(expected)}"
    for name, value in expected.items():
        assert logs[name] == pytest.approx(value, rel=1e-5), (
            f"{where}: {name} is {logs[name]}, expected {value} (weighted metrics "
            "must take the sample weights into account, unweighted ones must not)")


def file_compile_config(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))["compile_config"]


def test_the_whole_compile_config_and_its_meaning_survive_a_round_trip(backend, tmp_path):
    kerasette.utils.set_random_seed(0)
    model = two_outputs(kerasette)
    model.compile(**compile_arguments(kerasette))
    x, ys, sample_weight = data()
    before = evaluate(model, x, ys, sample_weight)
    assert_logs(before, expected_logs(model, x, ys, sample_weight), "before saving")
    config = model.get_compile_config()

    path = tmp_path / "model.keras"
    model.save(path)
    assert file_compile_config(path) == config
    restored = kerasette.models.load_model(path)

    assert restored.get_compile_config() == config
    assert restored.run_eagerly is True
    after = evaluate(restored, x, ys, sample_weight)
    assert_logs(after, expected_logs(restored, x, ys, sample_weight), "after loading")
    assert after == pytest.approx(before, rel=1e-6)


def test_the_compile_config_is_the_one_keras_writes(backend, keras):
    """Each entry under Keras's own key: the file's ``metrics`` are Keras's ``metrics``."""
    ours = two_outputs(kerasette)
    ours.compile(**compile_arguments(kerasette))
    theirs = two_outputs(keras)
    theirs.compile(**compile_arguments(keras))
    expected = theirs.get_compile_config()
    config = ours.get_compile_config()
    for key in expected:
        assert config.get(key) == expected[key], f"compile_config[{key!r}] differs from Keras's"
    assert set(config) == set(expected)


def test_a_keras_file_loads_with_its_metrics_in_their_roles(backend, keras, tmp_path):
    """A file written by Keras 3: its weighted metrics weigh, its unweighted ones do not (a
    swap on both writing and reading would pass the round trip, not this)."""
    theirs = two_outputs(keras)
    theirs.compile(**compile_arguments(keras))
    x, ys, sample_weight = data()
    theirs.predict(x, verbose=0)
    path = tmp_path / "keras_written.keras"
    theirs.save(path)

    restored = kerasette.models.load_model(path)
    assert restored.get_compile_config() == theirs.get_compile_config()
    assert_logs(evaluate(restored, x, ys, sample_weight),
                expected_logs(restored, x, ys, sample_weight), "loaded from a Keras file")
