"""CSVLogger: the file holds exactly History's numbers, Keras's columns, append and separator."""

import csv

import numpy as np

import kerasette as keras
from callback_helpers import make_data, make_model


def read(path, separator=","):
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter=separator))


def test_rows_equal_history(backend, tmp_path):
    x, y = make_data()
    model = make_model()
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.CSVLogger(path)])
    rows = read(path)
    header, body = rows[0], rows[1:]
    assert header == ["epoch"] + sorted(history.history)
    assert [int(row[0]) for row in body] == [0, 1, 2]
    for column, key in enumerate(header[1:], start=1):
        assert [float(row[column]) for row in body] == history.history[key]


def test_without_validation_the_val_columns_say_na_and_append_adds_rows(tmp_path):
    x, y = make_data()
    model = make_model()
    path = tmp_path / "log.tsv"
    first = model.fit(x, y, epochs=2, verbose=0,
                      callbacks=[keras.callbacks.CSVLogger(path, separator="\t")])
    second = model.fit(x, y, epochs=2, verbose=0,
                       callbacks=[keras.callbacks.CSVLogger(path, separator="\t", append=True)])
    rows = read(path, "\t")
    keys = sorted(first.history)
    assert rows[0] == ["epoch"] + keys + [f"val_{k}" for k in keys]
    assert len(rows) == 1 + 4  # one header, four epochs
    for row in rows[1:]:
        assert row[1 + len(keys):] == ["NA"] * len(keys)
    losses = [float(row[1 + keys.index("loss")]) for row in rows[1:]]
    assert losses == first.history["loss"] + second.history["loss"]
    model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.CSVLogger(path, "\t")])
    assert len(read(path, "\t")) == 2  # not appending: overwritten
    assert np.isfinite(losses).all()
