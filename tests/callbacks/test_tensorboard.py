"""TensorBoard: event files that TensorBoard's own reader reads back, with History's numbers
under Keras 3's names."""

import builtins
import os

import numpy as np
import pytest

import kerasette as keras
from callback_helpers import make_data, make_model

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def read(folder):
    accumulator = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.SCALARS: 0,
                                    event_accumulator.HISTOGRAMS: 0})
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def test_epoch_scalars_equal_history(backend, tmp_path):
    x, y = make_data()
    model = make_model()
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0,
                                                                     min_delta=10, factor=0.5),
                                   keras.callbacks.TensorBoard(tmp_path, histogram_freq=1)])
    h = history.history
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    for name in ("loss", "accuracy", "learning_rate"):
        steps, values = zip(*scalars(train, f"epoch_{name}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, h[name], rtol=1e-7)  # event files hold float32
    # epoch 0 sets the best; epoch 1 does not improve by 10 and halves the rate for epoch 2
    assert h["learning_rate"][2] == pytest.approx(h["learning_rate"][1] / 2, rel=1e-6)
    for name in ("loss", "accuracy"):
        steps, values = zip(*scalars(validation, f"epoch_{name}"))
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, h[f"val_{name}"], rtol=1e-7)
    # validation after each epoch, at the optimizer's step count: 3 batches an epoch
    steps, values = zip(*scalars(validation, "evaluation_loss_vs_iterations"))
    assert steps == (3, 6, 9)
    np.testing.assert_allclose(values, h["val_loss"], rtol=1e-7)
    histograms = train.Tags()["histograms"]
    assert {f"{w.path}/histogram" for w in model.weights} <= set(histograms)
    kernel = model.layers[0].kernel
    last = train.Histograms(f"{kernel.path}/histogram")[-1]
    assert last.step == 2
    assert last.histogram_value.num == kernel.numpy().size
    assert last.histogram_value.min == pytest.approx(float(kernel.numpy().min()), rel=1e-6)


def test_batch_scalars_every_update_freq_batches(tmp_path):
    x, y = make_data(samples=40)
    model = make_model()
    batch_losses = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_losses.append(float(logs["loss"])))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0,  # 5 batches an epoch
              callbacks=[record, keras.callbacks.TensorBoard(tmp_path, update_freq=3)])
    steps, values = zip(*scalars(read(tmp_path / "train"), "batch_loss"))
    assert steps == (3, 6, 9)
    np.testing.assert_allclose(values, [batch_losses[s - 1] for s in steps], rtol=1e-7)


def test_missing_writer_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_tensorboardx(name, *args, **kwargs):
        if name.startswith("tensorboardX"):
            raise ImportError("No module named 'tensorboardX'")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_tensorboardx)
    with pytest.raises(ImportError, match=r'pip install "kerasette\[tensorboard\]"'):
        keras.callbacks.TensorBoard("logs")
    assert not os.path.exists("logs") or os.path.isdir("logs")
