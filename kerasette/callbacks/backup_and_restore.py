"""BackupAndRestore: resume an interrupted ``fit`` exactly where its last backup left it."""

import contextlib
import json
import os
import warnings

import numpy as np

from kerasette import backend as kbackend
from kerasette import ops
from kerasette.backends import seed as seed_module
from kerasette.callbacks.callback import Callback
from kerasette.utils import file_io

try:
    import fcntl
except ImportError:  # Windows: importing works, but the folder is not locked there
    fcntl = None

_METADATA = "training_metadata.json"
_FORMAT = "kerasette.BackupAndRestore/1"
#: The lock file in the backup folder: locked (``flock``) while a run uses the folder, and
#: holding that run's process id for the error another run gets.
_LOCK = ".lock"


class BackupAndRestore(Callback):
    """Backs up the whole training state, and restores it when ``fit`` starts again (Keras 3).

    A backup holds everything the next batch depends on: the weights (written by
    ``model.save_weights``, Keras's ``.weights.h5`` layout), the optimizer's state
    (``iterations`` included), the state of every random generator (Dropout's
    ``SeedGenerator``, the backend's global one), the metrics' running state, the
    epoch and the number of batches done in it, and ``fit``'s shuffle seed. Running the
    same script again after a crash or a kill resumes at that very batch, and the run
    ends at the same weights as one that was never interrupted (given a fixed seed,
    ``kerasette.utils.set_random_seed``, and array or PyDataset inputs; a Python
    generator cannot be rewound, so with one the run resumes at the right epoch and
    batch count but on whatever the new generator yields).

    Every backup is atomic: its files are written under new names, then
    ``training_metadata.json`` is replaced (write and rename) to point at them, then the
    files of older backups are removed. A process killed at any moment leaves the
    previous backup or the new one, never a mix.

    One run at a time: from the start of ``fit`` to its end (normal or by an exception) the
    folder is locked (``flock`` on ``backup_dir/.lock``). Another run on the same folder, in
    another process or this one, fails at its start, naming the folder and the process
    that holds it, before it restores or deletes anything. The operating system lets go of
    the lock when its process dies, so a run that was killed never blocks the next one.
    (Not on Windows, which has no ``flock``: there the folder is not locked.)

    Args:
        backup_dir: the folder of the backup; used by this callback alone.
        save_freq: ``"epoch"`` (back up at the end of each epoch) or an int: back up after
            every that many batches (counted across epochs). Keras 3 resumes such a
            backup at the start of its epoch, replaying batches already applied; here it
            resumes at the batch after the backup, so nothing is applied twice.
        double_checkpoint: also keep the previous backup; if the latest cannot be read
            (corrupt file), training resumes from the previous one.
        delete_checkpoint: remove the backup when training ends (also after an early
            stop). ``False`` keeps it: a later ``fit`` resumes from it.

    Example:
        >>> backup = kerasette.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
        >>> model.fit(x, y, epochs=10, callbacks=[backup])   # killed at epoch 4 ...
        >>> model.fit(x, y, epochs=10, callbacks=[backup])   # ... the re-run starts there
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)
                                     or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq!r}. Expected either 'epoch' or a positive "
                             "integer (a number of batches).")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._metadata_path = os.path.join(self.backup_dir, _METADATA)
        self._previous_metadata_path = self._metadata_path + ".bkp"
        self._lock_path = os.path.join(self.backup_dir, _LOCK)
        self._lock = None  # the open lock file while this callback's fit runs
        self._batches_seen_since_last_saving = 0
        self._current_epoch = 0
        self._generation = 0
        self.restored_from = None  # the metadata of the backup the last fit resumed from

    # ------------------------------------------------------------------ restoring
    def on_train_begin(self, logs=None):
        self._lock_folder()
        self._batches_seen_since_last_saving = 0
        self.restored_from = None
        candidates = [self._metadata_path]
        if self.double_checkpoint:
            candidates.append(self._previous_metadata_path)
        errors = []
        for path in candidates:
            if not os.path.exists(path):
                continue
            try:
                metadata = self._read_metadata(path)
                self._restore(metadata)
            except (OSError, ValueError, KeyError) as error:
                errors.append(f"{path}: {type(error).__name__}: {error}")
                continue
            self.restored_from = metadata
            return
        if errors:
            raise ValueError("BackupAndRestore could not restore the training state from "
                             f"{self.backup_dir!r}: " + "; ".join(errors))

    def _read_metadata(self, path):
        with open(path, "r", encoding="utf-8") as handle:
            metadata = json.load(handle)
        if not isinstance(metadata, dict) or metadata.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a kerasette BackupAndRestore metadata file.")
        return metadata

    def _restore(self, metadata):
        model = self.model
        if not model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, your model must be built before you "
                f"call `fit()`. Model {model.name!r} is unbuilt: call it on a batch of data "
                "first.")
        state_path = os.path.join(self.backup_dir, metadata["state"])
        with np.load(state_path, allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
        groups = self._state_variables()
        for group, variables in groups.items():
            count = int(state.get(f"{group}/count", -1))
            if count != len(variables):
                raise ValueError(
                    f"The backup {state_path} holds {count} {group} variables; this model has "
                    f"{len(variables)}. Was the model or its compile() arguments changed?")
            for index, variable in enumerate(variables):
                value = state[f"{group}/{index}"]
                if tuple(value.shape) != tuple(variable.shape):
                    raise ValueError(
                        f"The backup {state_path} holds {group} variable {index} "
                        f"({getattr(variable, 'path', variable.name)}) with shape "
                        f"{value.shape}; the model's has shape {tuple(variable.shape)}.")
        model.load_weights(os.path.join(self.backup_dir, metadata["weights"]))
        for group, variables in groups.items():
            for index, variable in enumerate(variables):
                variable.assign(state[f"{group}/{index}"])
        model._initial_epoch = int(metadata["epoch"])
        model._initial_step = int(metadata["step"])
        model._shuffle_seed = int(metadata["shuffle_seed"])
        self._current_epoch = int(metadata["epoch"])
        self._generation = int(metadata["generation"])

    def _state_variables(self):
        """The variables a backup holds besides those ``save_weights`` writes (the layers'
        weights and the optimizer's state), by group, in a stable order."""
        model = self.model
        weights = {id(v) for v in model.weights}
        groups = {
            "seed": [v for v in model.variables if id(v) not in weights],
            "metrics": [v for metric in model.metrics for v in metric.variables],
            "global_seed": [seed_module.global_seed_generator(kbackend.get_backend()).state],
        }
        return groups

    # ------------------------------------------------------------------ backing up
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen_since_last_saving += 1
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save(epoch=self._current_epoch, step=batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch=epoch + 1, step=0)

    def _save(self, epoch, step):
        """Writes a backup from which training resumes at batch ``step`` of epoch ``epoch``."""
        os.makedirs(self.backup_dir, exist_ok=True)
        self._generation += 1
        weights_name = f"ckpt-{self._generation}.weights.h5"
        state_name = f"ckpt-{self._generation}.state.npz"
        self.model.save_weights(os.path.join(self.backup_dir, weights_name), overwrite=True)
        arrays = {}
        for group, variables in self._state_variables().items():
            arrays[f"{group}/count"] = np.array(len(variables))
            for index, variable in enumerate(variables):
                arrays[f"{group}/{index}"] = np.asarray(ops.convert_to_numpy(variable.value))
        with file_io.atomic_write(os.path.join(self.backup_dir, state_name)) as handle:
            np.savez(handle, **arrays)
        metadata = {
            "format": _FORMAT,
            "epoch": epoch,  # Keras's keys: the epoch to resume at and the batches done in it
            "batch": step,
            "step": step,
            "generation": self._generation,
            "weights": weights_name,
            "state": state_name,
            "shuffle_seed": int(self.model._shuffle_seed or 0),
            "backend": kbackend.backend(),
        }
        if self.double_checkpoint and os.path.exists(self._metadata_path):
            with open(self._metadata_path, "rb") as handle:
                previous = handle.read()
            with file_io.atomic_write(self._previous_metadata_path) as handle:
                handle.write(previous)
        with file_io.atomic_write(self._metadata_path, "w") as handle:
            json.dump(metadata, handle)
        self._remove_unreferenced()

    def _remove_unreferenced(self):
        """Deletes the files of backups that no metadata file points at any more."""
        keep = {_METADATA, _METADATA + ".bkp"}
        for path in (self._metadata_path, self._previous_metadata_path):
            try:
                metadata = self._read_metadata(path)
            except (OSError, ValueError):
                continue
            keep.update((metadata["weights"], metadata["state"]))
        for name in os.listdir(self.backup_dir):
            if name.startswith("ckpt-") and name not in keep:
                try:
                    os.remove(os.path.join(self.backup_dir, name))
                except OSError:
                    pass

    def on_train_end(self, logs=None):
        try:
            if not self.delete_checkpoint or not os.path.isdir(self.backup_dir):
                return
            for name in os.listdir(self.backup_dir):
                # ".ckpt-..." and ".training_metadata.json..." are temporaries of a killed run
                if name.lstrip(".").startswith(("ckpt-", _METADATA)):
                    os.remove(os.path.join(self.backup_dir, name))
        finally:
            self._unlock_folder()
        try:
            os.rmdir(self.backup_dir)  # only when nothing else is in it
        except OSError:
            pass

    def _on_train_failed(self):
        # fit raised: no on_train_end (as in Keras 3), but the folder is free again
        self._unlock_folder()

    # ------------------------------------------------------------------ one run per folder
    def _lock_folder(self):
        """Locks the backup folder for this run (see the class docstring); a no-op when this
        callback holds it already.

        Raises:
            RuntimeError: another run holds the folder; names it and that run's process.
        """
        if self._lock is not None or fcntl is None:
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        while True:
            lock = open(self._lock_path, "a+b")  # held open until the run ends
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read(32).decode("ascii", "replace").strip()
                lock.close()
                raise RuntimeError(self._in_use_message(holder)) from None
            except OSError as error:  # a filesystem without locks (some network ones)
                lock.close()
                warnings.warn(f"BackupAndRestore cannot lock {self.backup_dir!r} ({error}): "
                              "another run using the same folder would go unnoticed.",
                              stacklevel=2)
                return
            # the run before may have removed the file between our open and our lock: then
            # the lock is on a file nobody else sees, so lock the one the path names now
            try:
                current = os.path.samestat(os.fstat(lock.fileno()), os.stat(self._lock_path))
            except FileNotFoundError:
                current = False
            if current:
                break
            lock.close()
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n".encode("ascii"))
        lock.flush()
        self._lock = lock

    def _in_use_message(self, holder):
        if holder == str(os.getpid()):
            who = f"process {holder} (this process: another BackupAndRestore callback)"
        else:
            who = f"process {holder}" if holder.isdigit() else "a process just starting"
        return (f"BackupAndRestore cannot use the folder {self.backup_dir!r}: another run is "
                f"training with it ({who}; lock file {self._lock_path}). Two runs sharing a "
                "backup folder would restore each other's state and delete each other's "
                "files. Give each run its own backup_dir, or wait until that run ends.")

    def _unlock_folder(self):
        """Lets go of the folder; the lock file is removed first, while still held, so that
        a run opening it afterwards gets a new one."""
        lock, self._lock = self._lock, None
        if lock is None:
            return
        with contextlib.suppress(OSError):
            os.remove(self._lock_path)
        lock.close()
