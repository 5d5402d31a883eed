"""The benchmark's workloads and data, shared by every runner.

Each workload is one network trained on real Fashion-MNIST (pixels / 255 as
float32, integer labels) with Adam 1e-3, softmax cross-entropy and shuffling:

- W1: MLP 784-512-256-10 (ReLU), batch 128, 5 epochs: seconds per epoch and test accuracy;
- W2: CNN Conv(32,3,relu)-MaxPool(2)-Conv(64,3,relu)-MaxPool(2)-Flatten-Dropout(0.5)-Dense(10),
  batch 128, 4 epochs: seconds per epoch and test accuracy;
- W3: MLP 784-128-10 (ReLU), batch 32, 4 epochs: optimizer steps per second (the per-step
  overhead of the training loop, not arithmetic).

The steady-state figures are medians over epochs 2..N (the first epoch, with its warm-up,
is reported on its own), so every default N is at least 4: a median of three or more epochs.

Every runner builds the same layers with Keras's default initialisation (Glorot-uniform
kernels, zero biases), ends on 10 logits and folds the softmax into the loss, as PyTorch's
``CrossEntropyLoss`` does. The data set is prepared once by the parent process and handed
to each runner as an ``.npz`` file, so no runner pays for (or imports) the loader.
"""

import dataclasses
import time

import numpy as np

#: the batch size of every ``predict`` timing
PREDICT_BATCH = 1000
#: timed passes over the test set in ``predict_figures``; the figure is their median
PREDICT_REPEATS = 3
#: samples kept by ``--quick`` (training, test): enough for a few small epochs
QUICK_SAMPLES = (512, 256)
#: epochs of every workload with ``--quick``: as many as the smallest default, so that a quick
#: run computes the same medians (of epochs 2..4) as a full one
QUICK_EPOCHS = 4


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
    "W2": Workload("W2", "CNN conv32-pool-conv64-pool-dropout-dense10", batch_size=128, epochs=4,
                   evaluate=True),
    "W3": Workload("W3", "MLP 784-128-10, batch 32 (per-step overhead)", batch_size=32, epochs=4,
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


def steps_per_epoch(samples, batch_size):
    """Optimizer steps in one epoch: the last, partial batch is a step too (as in Keras's fit)."""
    return -(-samples // batch_size)


def time_epochs(epochs, train_epoch):
    """Calls ``train_epoch()`` ``epochs`` times; returns (wall seconds per epoch, process CPU
    seconds per epoch, the last call's value). ``train_epoch`` must return only when its work
    is done (a runner with asynchronous work reads a value back at the end of the epoch)."""
    wall, cpu, value = [], [], None
    for _ in range(epochs):
        start = (time.perf_counter(), time.process_time())
        value = train_epoch()
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    return wall, cpu, value


def predict_figures(predict, x_test, y_test):
    """Test accuracy and ``predict`` throughput, measured the same way for every runner.

    ``predict(x)`` returns the logits of ``x`` (numpy or anything ``np.asarray`` takes), in
    batches of :data:`PREDICT_BATCH`. One batch runs first, untimed (it compiles the JAX
    runners' predict step and warms every cache), then the whole test set is timed
    :data:`PREDICT_REPEATS` times and the median taken (a pass of W1 lasts some 50 ms; a
    single timing was once seen 3x off).
    """
    predict(x_test[:PREDICT_BATCH])
    times = []
    for _ in range(PREDICT_REPEATS):
        start = time.perf_counter()
        logits = np.asarray(predict(x_test))
        times.append(time.perf_counter() - start)
    seconds = float(np.median(times))
    return {"accuracy": float(np.mean(np.argmax(logits, axis=-1) == y_test)),
            "predict_samples_per_s": len(x_test) / seconds, "predict_batch": PREDICT_BATCH}


def blas_description():
    """numpy's BLAS as threadpoolctl sees it (library, version, kernel, threads), if it can."""
    try:
        import threadpoolctl
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
    return "; ".join(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture')} "
                     f"{p.get('num_threads')} threads" for p in pools) or "unknown"


def peak_rss_mb():
    """This process's peak resident memory so far, in MiB: Linux's ``VmHWM``.

    Not ``getrusage`` maxrss: Linux carries that over ``exec`` from the process that started
    this one, so every runner would report at least ``run_all.py``'s own resident memory at
    the moment it started the runner (some 400 MiB with the full data set loaded). ``VmHWM``
    belongs to this program's memory alone. ``getrusage`` is the fallback elsewhere.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
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
