"""Full-data Fashion-MNIST training: kerasette (numpy, jax) next to PyTorch, same run.

Workloads (the networks of the benchmark issue), Adam 1e-3, batch 128:

- W1: MLP 784-512-256-10 (ReLU): seconds for the second epoch, test accuracy after 5 epochs;
- W2: the Keras "simple convnet" Conv(32,3)-MaxPool-Conv(64,3)-MaxPool-Flatten-Dropout(0.5)-
  Dense(10): seconds for the second epoch, test accuracy after 3 epochs.

Every figure is reported next to PyTorch's, measured in the same run with the
same thread count. Each framework runs in its own subprocess (clean memory and
thread settings).

    python benchmarks/bench_training.py [--workloads W1 W2] [--runners numpy jax torch]
                                        [--epochs-w1 5] [--epochs-w2 3] [--threads 2]
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def load_data():
    from kerasette.datasets import fashion_mnist
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train = (x_train.astype("float32") / 255.0)[..., None]
    x_test = (x_test.astype("float32") / 255.0)[..., None]
    return (x_train, y_train.astype("int32")), (x_test, y_test.astype("int32"))


class EpochTimer:
    def __init__(self):
        self.times = []
        self._start = None


def run_kerasette(workload, epochs, seed=0):
    import kerasette as keras
    from kerasette import layers
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_data()
    if workload == "W1":
        model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(),
                                  layers.Dense(512, activation="relu"),
                                  layers.Dense(256, activation="relu"), layers.Dense(10)])
    else:
        model = keras.Sequential([keras.Input((28, 28, 1)),
                                  layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                                  layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                                  layers.Flatten(), layers.Dropout(0.5), layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=0, callbacks=[Timer()])
    start = time.perf_counter()
    logits = model.predict(x_test, batch_size=1000, verbose=0)
    predict_time = time.perf_counter() - start
    accuracy = float(np.mean(np.argmax(logits, -1) == y_test))
    return {"epoch_seconds": times, "accuracy": accuracy,
            "predict_samples_per_s": len(x_test) / predict_time}


def run_torch(workload, epochs, threads, seed=0):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_data()
    x_train = torch.from_numpy(np.ascontiguousarray(x_train.transpose(0, 3, 1, 2)))
    x_test = torch.from_numpy(np.ascontiguousarray(x_test.transpose(0, 3, 1, 2)))
    y_train = torch.from_numpy(y_train.astype("int64"))
    if workload == "W1":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                              nn.ReLU(), nn.Linear(256, 10))
    else:
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5),
                              nn.Linear(1600, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        for i in range(0, len(x_train), 128):
            index = order[i:i + 128]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        logits = torch.cat([model(x_test[i:i + 1000]) for i in range(0, len(x_test), 1000)])
    predict_time = time.perf_counter() - start
    accuracy = float((logits.argmax(-1).numpy() == y_test).mean())
    return {"epoch_seconds": times, "accuracy": accuracy,
            "predict_samples_per_s": len(x_test) / predict_time}


def child(args):
    if args.runner == "torch":
        result = run_torch(args.workload, args.epochs, args.threads)
    else:
        result = run_kerasette(args.workload, args.epochs)
    print("RESULT " + json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", default=["W1", "W2"])
    parser.add_argument("--runners", nargs="+", default=["torch", "numpy", "jax"])
    parser.add_argument("--epochs-w1", type=int, default=5)
    parser.add_argument("--epochs-w2", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--runner", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                        f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={args.threads}")
    rows = []
    for workload in args.workloads:
        epochs = args.epochs_w1 if workload == "W1" else args.epochs_w2
        results = {}
        for runner in args.runners:
            run_env = dict(env)
            if runner in ("numpy", "jax"):
                run_env["KERASETTE_BACKEND"] = runner
            command = [sys.executable, __file__, "--child", "--runner", runner, "--workload",
                       workload, "--epochs", str(epochs), "--threads", str(args.threads)]
            done = subprocess.run(command, env=run_env, capture_output=True, text=True)
            line = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")]
            if done.returncode or not line:
                print(f"{workload} {runner} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            results[runner] = json.loads(line[0][len("RESULT "):])
        reference = results.get("torch")
        for runner, result in results.items():
            second = result["epoch_seconds"][1] if len(result["epoch_seconds"]) > 1 else result["epoch_seconds"][0]
            ratio = ""
            if reference:
                ref = reference["epoch_seconds"][1] if len(reference["epoch_seconds"]) > 1 else reference["epoch_seconds"][0]
                ratio = f"{second / ref:.2f}x"
            rows.append((workload, runner, epochs, second, ratio, result["accuracy"],
                         result["predict_samples_per_s"]))
    name = {"torch": "PyTorch CPU", "numpy": "kerasette numpy", "jax": "kerasette jax"}
    print(f"\nFashion-MNIST, full data, batch 128, Adam 1e-3, {args.threads} threads")
    print("| workload | runner | epochs | s / epoch (2nd) | vs PyTorch | test accuracy | predict samples/s |")
    print("|---|---|---|---|---|---|---|")
    for workload, runner, epochs, second, ratio, accuracy, speed in rows:
        print(f"| {workload} | {name.get(runner, runner)} | {epochs} | {second:.2f} | {ratio} | "
              f"{accuracy:.4f} | {speed:,.0f} |")


if __name__ == "__main__":
    main()
