"""BackupAndRestore: a run killed mid-epoch (SIGKILL) and started again ends at the same
weights as a run never interrupted; backups are atomic; a corrupt latest backup falls back
to the previous one; two live runs never share a folder."""

import json
import os
import signal
import subprocess
import sys
import time

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


# ------------------------------------------------------------------ one run per folder
HOLDER = os.path.join(os.path.dirname(__file__), "hold_backup_folder.py")


@pytest.fixture
def holder(tmp_path):
    """Starts hold_backup_folder.py on ``tmp_path/backup``; yields ``(process, backup
    folder, ready file)`` once the run sits at epoch 1 (its epoch-0 backup written). The
    run is ended (deleting the ready file lets it finish) or killed by the test; whatever is
    left is killed at teardown."""
    backup, ready = tmp_path / "backup", tmp_path / "ready"
    process = subprocess.Popen([sys.executable, HOLDER, str(backup), str(ready)],
                               env=dict(os.environ, KERASETTE_BACKEND="numpy"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(6000):
            if ready.exists() or process.poll() is not None:
                break
            time.sleep(0.02)
        assert ready.exists(), process.communicate()[1]
        yield process, backup, ready
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def backup_files(folder):
    """``{name: bytes}`` of the backup files in ``folder`` (not the lock)."""
    return {name: (folder / name).read_bytes() for name in os.listdir(folder)
            if name != ".lock"}


def test_a_second_live_run_is_refused_naming_the_folder_and_the_holder(holder):
    process, backup, ready = holder
    before = backup_files(backup)
    assert "training_metadata.json" in before
    x, y = make_data()
    model = make_model()
    weights = model.get_weights()
    with pytest.raises(RuntimeError) as info:
        model.fit(x, y, epochs=3, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
    message = str(info.value)
    assert repr(str(backup)) in message and f"process {process.pid}" in message
    assert "this process" not in message
    # refused before touching anything: nothing restored, nothing deleted or written
    assert backup_files(backup) == before
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    ready.unlink()  # the holder trains on to the end, its backup intact
    assert process.wait(timeout=120) == 0, process.stderr.read()
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 3
    # and the folder is free again
    history = model.fit(x, y, epochs=4, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
    assert history.epoch == [3]


def test_a_lock_left_by_a_killed_run_is_taken_over(holder):
    process, backup, _ = holder
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    assert (backup / ".lock").read_text().split() == [str(process.pid)]  # left behind
    x, y = make_data()
    model = make_model()
    holders = []
    spy = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: holders.append((backup / ".lock").read_text()))
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(str(backup)), spy])
    assert history.epoch == [1, 2]  # resumed after the killed run's epoch 0
    assert holders == [f"{os.getpid()}\n"] * 2
    assert not backup.exists()


def test_two_callbacks_of_one_process_on_one_folder(tmp_path):
    model = make_model()
    first = keras.callbacks.BackupAndRestore(str(tmp_path))
    second = keras.callbacks.BackupAndRestore(str(tmp_path))
    for callback in (first, second):
        callback.set_model(model)
    first.on_train_begin()
    with pytest.raises(RuntimeError, match=f"process {os.getpid()} \\(this process"):
        second.on_train_begin()
    first.on_train_begin()  # the holder itself may begin again
    first.on_train_end()
    second.on_train_begin()
    second.on_train_end()
    assert not tmp_path.exists()  # delete_checkpoint: the lock file goes with the folder


def test_the_lock_is_released_when_fit_ends_or_raises(tmp_path):
    x, y = make_data()
    model = make_model()
    backup = keras.callbacks.BackupAndRestore(str(tmp_path), delete_checkpoint=False)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[backup, Interrupt(1)])
    assert ".lock" not in os.listdir(tmp_path)
    # another callback (another open file: flock would refuse it while one is held)
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path),
                                                                    delete_checkpoint=False)])
    assert history.epoch == [1, 2]
    assert ".lock" not in os.listdir(tmp_path)
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[backup])
    assert history.epoch == [3]


def test_without_flock_the_folder_is_not_locked(tmp_path, monkeypatch):
    # Windows has no fcntl: the module imports and fit works, unlocked
    from kerasette.callbacks import backup_and_restore
    monkeypatch.setattr(backup_and_restore, "fcntl", None)
    x, y = make_data()
    model = make_model()
    seen = []
    spy = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(sorted(os.listdir(tmp_path))))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(tmp_path), delete_checkpoint=False), spy])
    assert all(".lock" not in names for names in seen) and len(seen) == 2
