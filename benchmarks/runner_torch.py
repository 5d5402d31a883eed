"""The PyTorch CPU runner: the benchmark's workloads as a plain PyTorch training loop.

    python benchmarks/runner_torch.py WORKLOAD DATA.npz [--epochs N] [--threads 2]

The networks match ``runner_keras_api.build_model`` layer for layer, initialised as
Keras does (Glorot-uniform weights, zero biases); Adam with Keras's defaults
(eps 1e-7); a shuffled index per epoch; the running loss and accuracy are
accumulated on every step as Keras's metrics are, so both sides do the same work.
Inference runs in ``eval()`` mode under ``torch.no_grad()``. Prints one
``RESULT {json}`` line (see ``workloads.report``).
"""

import argparse
import sys
import time

import numpy as np
import torch
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


def train_epoch(model, optimizer, loss_fn, x, y, batch_size):
    """One shuffled epoch; returns the epoch's mean loss (a float: it waits for the work)."""
    model.train()
    order = torch.randperm(len(x))
    loss_sum = torch.zeros(())
    correct = torch.zeros((), dtype=torch.int64)
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        inputs, targets = x[index], y[index]
        optimizer.zero_grad(set_to_none=True)
        logits = model(inputs)
        loss = loss_fn(logits, targets)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss * len(index)
            correct += (logits.argmax(dim=1) == targets).sum()
    return float(loss_sum) / len(x)


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
    loss_fn = nn.CrossEntropyLoss()
    wall, cpu, loss = [], [], None
    for _ in range(epochs):
        start = (time.perf_counter(), time.process_time())
        loss = train_epoch(model, optimizer, loss_fn, x_train, y_train, workload.batch_size)
        wall.append(time.perf_counter() - start[0])
        cpu.append(time.process_time() - start[1])
    result = {"epoch_seconds": wall, "epoch_cpu_seconds": cpu,
              "steps_per_epoch": -(-len(x_train) // workload.batch_size), "final_loss": loss,
              "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                           "torch": torch.__version__, "torch_threads": torch.get_num_threads()}}
    if workload.evaluate:
        batch = workloads.PREDICT_BATCH
        model.eval()
        with torch.no_grad():
            model(x_test[:batch])  # warm-up, as the Keras runners
            start = time.perf_counter()
            logits = torch.cat([model(x_test[i:i + batch]) for i in range(0, len(x_test), batch)])
            seconds = time.perf_counter() - start
        result.update(accuracy=float((logits.argmax(dim=1).numpy() == y_test).mean()),
                      predict_samples_per_s=len(x_test) / seconds, predict_batch=batch)
    result.update(threads=workloads.thread_count(), peak_rss_mb=workloads.peak_rss_mb())
    return result


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
