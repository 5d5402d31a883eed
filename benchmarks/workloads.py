"""The benchmark's workloads and data, shared by every runner.

Each workload is one network trained on real Fashion-MNIST (pixels / 255 as
float32, integer labels) with Adam 1e-3, softmax cross-entropy and shuffling:

- W1: MLP 784-512-256-10 (ReLU), batch 128, 5 epochs: seconds per epoch and test accuracy;
- W2: CNN Conv(32,3,relu)-MaxPool(2)-Conv(64,3,relu)-MaxPool(2)-Flatten-Dropout(0.5)-Dense(10),
  batch 128, 3 epochs: seconds per epoch and test accuracy;
- W3: MLP 784-128-10 (ReLU), batch 32, 2 epochs: optimizer steps per second in the second
  epoch (the per-step overhead of the training loop, not arithmetic).

Every runner builds the same layers with Keras's default initialisation (Glorot-uniform
kernels, zero biases), ends on 10 logits and folds the softmax into the loss, as PyTorch's
``CrossEntropyLoss`` does. The data set is prepared once by the parent process and handed
to each runner as an ``.npz`` file, so no runner pays for (or imports) the loader.
"""

import dataclasses

import numpy as np

#: the batch size of every ``predict`` timing
PREDICT_BATCH = 1000
#: samples kept by ``--quick`` (training, test): enough for two small epochs
QUICK_SAMPLES = (512, 256)


@dataclasses.dataclass(frozen=True)
class Workload:
    """One network and how it is trained and measured."""

    name: str
    title: str
    batch_size: int
    epochs: int
    #: whether test accuracy and ``predict`` throughput are measured
    evaluate: bool


WORKLOADS = {
    "W1": Workload("W1", "MLP 784-512-256-10", batch_size=128, epochs=5, evaluate=True),
    "W2": Workload("W2", "CNN conv32-pool-conv64-pool-dropout-dense10", batch_size=128, epochs=3,
                   evaluate=True),
    "W3": Workload("W3", "MLP 784-128-10, batch 32 (per-step overhead)", batch_size=32, epochs=2,
                   evaluate=False),
}


def prepare_data(path, quick=False):
    """Writes Fashion-MNIST to ``path`` (``.npz``): ``x_train``/``x_test`` float32 (N, 28, 28, 1)
    in [0, 1], ``y_train``/``y_test`` int32. ``quick`` keeps the first :data:`QUICK_SAMPLES`."""
    from kerasette.datasets import fashion_mnist
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    if quick:
        x_train, y_train = x_train[:QUICK_SAMPLES[0]], y_train[:QUICK_SAMPLES[0]]
        x_test, y_test = x_test[:QUICK_SAMPLES[1]], y_test[:QUICK_SAMPLES[1]]
    np.savez(path, x_train=(x_train.astype("float32") / 255.0)[..., None],
             y_train=y_train.astype("int32"),
             x_test=(x_test.astype("float32") / 255.0)[..., None], y_test=y_test.astype("int32"))


def load_prepared(path):
    """``(x_train, y_train), (x_test, y_test)`` from a file written by :func:`prepare_data`."""
    with np.load(path) as data:
        return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])


def peak_rss_mb():
    """This process's peak resident memory so far, in MiB (``getrusage`` maxrss)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def thread_count():
    """Threads of this process now (Linux ``/proc``), or None elsewhere."""
    import os
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def report(result):
    """Prints a runner's result as the one line the parent reads."""
    import json
    print("RESULT " + json.dumps(result), flush=True)
