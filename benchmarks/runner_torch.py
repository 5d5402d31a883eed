"""The PyTorch CPU runner: the benchmark's workloads as the loop a PyTorch user writes.

    python benchmarks/runner_torch.py WORKLOAD DATA.npz [--epochs N] [--threads 2]

``torch.set_num_threads(threads)``; the network is an ``nn.Sequential`` matching
``runner_keras_api.build_model`` layer for layer, initialised as Keras does (Glorot-uniform
weights, zero biases); ``torch.optim.Adam`` with Keras's defaults (eps 1e-7);
``F.cross_entropy`` on the logits; each epoch a fresh ``torch.randperm`` whose slices pick
the batch with ``index_select``. No per-step metric work (the Keras runners compile without
metrics too): the reported loss is the last step's, read once per epoch, which also waits
for the epoch's work. Inference runs in ``eval()`` mode under ``torch.no_grad()``. Prints
one ``RESULT {json}`` line (see ``workloads.report``).
"""

import argparse
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import workloads


def build_model(workload):
    """The workload's network, channels-first, with Keras's default initialisation."""
    if workload.name == "W1":
        layers = [nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                  nn.Linear(256, 10)]
    elif workload.name == "W2":
        layers = [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                  nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10)]
    elif workload.name == "W3":
        layers = [nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)]
    else:
        raise ValueError(f"runner_torch: unknown workload {workload.name!r}; "
                         f"expected one of {sorted(workloads.WORKLOADS)}")
    model = nn.Sequential(*layers)
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            # Glorot uniform: PyTorch's fans for a conv (channels x kernel area) are Keras's
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
    return model


def train_epoch(model, optimizer, x, y, batch_size):
    """One shuffled epoch; returns the last step's loss (a float: it waits for the work)."""
    model.train()
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        inputs, targets = x.index_select(0, index), y.index_select(0, index)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return loss.item()


def run(workload, data_path, epochs, threads, seed=0):
    """Trains and measures ``workload``; returns the result dict."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = workloads.load_prepared(data_path)
    to_nchw = lambda x: torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))  # noqa: E731
    x_train, x_test = to_nchw(x_train), to_nchw(x_test)
    y_train = torch.from_numpy(y_train.astype("int64"))
    model = build_model(workload)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    wall, cpu, loss = workloads.time_epochs(
        epochs, lambda: train_epoch(model, optimizer, x_train, y_train, workload.batch_size))
    result = {"epoch_seconds": wall, "epoch_cpu_seconds": cpu,
              "steps_per_epoch": workloads.steps_per_epoch(len(x_train), workload.batch_size),
              "final_loss": loss,
              "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                           "torch": torch.__version__, "torch_threads": torch.get_num_threads()}}
    if workload.evaluate:
        model.eval()
        with torch.no_grad():
            result.update(workloads.predict_figures(lambda x: predict(model, x), x_test, y_test))
    result.update(threads=workloads.thread_count(), peak_rss_mb=workloads.peak_rss_mb())
    return result


def predict(model, x):
    """The logits of ``x`` (numpy), in batches of ``workloads.PREDICT_BATCH``."""
    batch = workloads.PREDICT_BATCH
    return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)]).numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    parser.add_argument("data", help=".npz file written by workloads.prepare_data")
    parser.add_argument("--epochs", type=int, help="default: the workload's")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    args = parser.parse_args()
    workload = workloads.WORKLOADS[args.workload]
    workloads.report(run(workload, args.data, args.epochs or workload.epochs, args.threads))


if __name__ == "__main__":
    main()
