"""A training script for the BackupAndRestore tests, run as a subprocess (a real process to
kill): ``python resumable_fit.py BACKUP_DIR OUT.npz SAVE_FREQ [KILL_EPOCH KILL_BATCH]``.

It trains a small Dropout classifier with shuffling under a fixed seed, backed up by
BackupAndRestore. With KILL_EPOCH/KILL_BATCH it SIGKILLs itself after that batch (after the
backup that batch may write); otherwise it trains to the end and writes the final weights
and the history to OUT.npz. The backend is KERASETTE_BACKEND's.
"""

import os
import signal
import sys

import numpy as np

import kerasette as keras


class KillAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            os.kill(os.getpid(), signal.SIGKILL)


def main(backup_dir, out, save_freq, kill=None):
    keras.utils.set_random_seed(1234)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype("int32")
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dropout(0.4), keras.layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callbacks = [keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)]
    if kill is not None:
        callbacks.append(KillAt(*kill))
    history = model.fit(x, y, epochs=5, batch_size=16, shuffle=True, verbose=0,
                        callbacks=callbacks)
    np.savez(out, *model.get_weights(), epochs=np.array(history.epoch),
             loss=np.array(history.history["loss"]))


if __name__ == "__main__":
    save_freq = sys.argv[3] if sys.argv[3] == "epoch" else int(sys.argv[3])
    kill = tuple(int(v) for v in sys.argv[4:6]) if len(sys.argv) > 4 else None
    main(sys.argv[1], sys.argv[2], save_freq, kill)
