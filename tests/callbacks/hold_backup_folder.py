"""A run that keeps a BackupAndRestore folder in use, for the locking tests, run as a subprocess:
``python hold_backup_folder.py BACKUP_DIR READY``.

It trains callback_helpers' model for 3 epochs backed up into BACKUP_DIR (kept at the end),
so the test process can resume from its backup with the same model. At the
start of epoch 1 (after the backup of epoch 0) it writes its process id to READY and waits
there until READY is deleted (then it trains on to the end) or it is killed.
"""

import os
import sys
import time

from callback_helpers import make_data, make_model

import kerasette as keras


class HoldAtEpoch1(keras.callbacks.Callback):
    def __init__(self, ready):
        super().__init__()
        self.ready = ready

    def on_epoch_begin(self, epoch, logs=None):
        if epoch != 1:
            return
        with open(self.ready + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(self.ready + ".tmp", self.ready)
        deadline = time.monotonic() + 300
        while os.path.exists(self.ready) and time.monotonic() < deadline:
            time.sleep(0.02)


def main(backup_dir, ready):
    x, y = make_data()
    model = make_model()
    backup = keras.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[backup, HoldAtEpoch1(ready)])


if __name__ == "__main__":
    main(*sys.argv[1:3])
