"""BackupAndRestore: a run killed mid-epoch (SIGKILL) and started again ends at the same
weights as a run never interrupted; backups are atomic; a corrupt latest backup falls back
to the previous one."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import kerasette as keras
from callback_helpers import make_data, make_model

SCRIPT = os.path.join(os.path.dirname(__file__), "resumable_fit.py")


def run_script(backend_name, backup_dir, out, save_freq, kill=None):
    env = dict(os.environ, KERASETTE_BACKEND=backend_name)
    args = [sys.executable, SCRIPT, str(backup_dir), str(out), str(save_freq)]
    args += [str(v) for v in kill] if kill else []
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def final_state(out):
    with np.load(out) as data:
        weights = [data[f"arr_{i}"] for i in range(4)]
        return weights, data["epochs"].tolist(), data["loss"].tolist()


# 120 samples in batches of 16: 8 batches an epoch, 5 epochs
CASES = [
    ("numpy", "epoch", (2, 3)),   # backup at the end of epoch 1: resume at epoch 2, batch 0
    ("numpy", 5, (2, 6)),         # last backup after global batch 20 (epoch 2, batch 3)
    ("jax", 5, (3, 1)),           # last backup after global batch 25 (epoch 3, batch 0)
]


@pytest.mark.parametrize("backend_name, save_freq, kill", CASES)
def test_killed_run_resumes_to_the_same_weights(tmp_path, backend_name, save_freq, kill):
    if backend_name == "jax":
        pytest.importorskip("jax")
    reference = run_script(backend_name, tmp_path / "ref_backup", tmp_path / "ref.npz", save_freq)
    assert reference.returncode == 0, reference.stderr
    backup = tmp_path / "backup"
    killed = run_script(backend_name, backup, tmp_path / "never.npz", save_freq, kill)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (tmp_path / "never.npz").exists()
    metadata = json.loads((backup / "training_metadata.json").read_text())
    if save_freq == "epoch":
        expected_epoch, expected_step = kill[0], 0
    else:
        done = (kill[0] * 8 + kill[1] + 1) // save_freq * save_freq  # batches at the backup
        expected_epoch, expected_step = divmod(done, 8)
    assert (metadata["epoch"], metadata["step"]) == (expected_epoch, expected_step)
    resumed = run_script(backend_name, backup, tmp_path / "resumed.npz", save_freq)
    assert resumed.returncode == 0, resumed.stderr
    assert not backup.exists()  # deleted at the end, as Keras does
    ref_weights, ref_epochs, ref_loss = final_state(tmp_path / "ref.npz")
    weights, epochs, loss = final_state(tmp_path / "resumed.npz")
    assert epochs == ref_epochs[expected_epoch:]
    tolerance = 0 if backend_name == "numpy" else 1e-6
    for a, b in zip(weights, ref_weights):
        np.testing.assert_allclose(a, b, rtol=0, atol=tolerance)
    # the resumed epoch's loss includes the batches run before the kill (metric state restored)
    np.testing.assert_allclose(loss, ref_loss[expected_epoch:], rtol=0, atol=tolerance)


class Interrupt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def test_resume_in_process_and_keep_the_checkpoint(backend, tmp_path):
    x, y = make_data()
    reference = make_model(dropout=0.3)
    expected = reference.fit(x, y, epochs=4, batch_size=16, verbose=0).history["loss"]
    model = make_model(dropout=0.3)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path), delete_checkpoint=False)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[backup, Interrupt(2)])
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[backup])
    assert history.epoch == [2, 3]
    np.testing.assert_allclose(history.history["loss"], expected[2:], rtol=1e-6)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    names = set(os.listdir(tmp_path))
    assert "training_metadata.json" in names and len(names) == 3  # one backup: 2 files + metadata
    assert json.loads((tmp_path / "training_metadata.json").read_text())["epoch"] == 4
    # kept: a further fit resumes after the last epoch, so it trains no more
    again = model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[backup])
    assert again.epoch == []


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    x, y = make_data()
    model = make_model()
    backup = keras.callbacks.BackupAndRestore(str(tmp_path), double_checkpoint=True,
                                              delete_checkpoint=False)
    weights_at = {}
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights_at.__setitem__(epoch, model.get_weights()))
    model.fit(x, y, epochs=3, verbose=0, callbacks=[record, backup])
    latest = json.loads((tmp_path / "training_metadata.json").read_text())
    previous = json.loads((tmp_path / "training_metadata.json.bkp").read_text())
    assert (latest["epoch"], previous["epoch"]) == (3, 2)
    (tmp_path / latest["weights"]).write_bytes(b"not an HDF5 file")  # corrupt the latest
    fresh = make_model(seed=5)
    restored_at = []
    history = fresh.fit(x, y, epochs=3, verbose=0, callbacks=[
        backup, keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: restored_at.append(fresh.get_weights()))])
    assert history.epoch == [2]
    for a, b in zip(restored_at[0], weights_at[1]):  # the state after epoch index 1
        np.testing.assert_array_equal(a, b)


def test_a_corrupt_backup_without_a_fallback_is_an_error_naming_it(tmp_path):
    x, y = make_data()
    model = make_model()
    backup = keras.callbacks.BackupAndRestore(str(tmp_path), delete_checkpoint=False)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[backup])
    latest = json.loads((tmp_path / "training_metadata.json").read_text())
    (tmp_path / latest["state"]).write_bytes(b"garbage")
    with pytest.raises(ValueError, match="could not restore"):
        make_model().fit(x, y, epochs=2, verbose=0, callbacks=[backup])


def test_argument_checks(tmp_path):
    with pytest.raises(ValueError, match="backup_dir"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore(str(tmp_path), save_freq="batch")
