"""The GPU benchmark: W1 and W2 at batch 128 and 1024 on kerasette-cupy, kerasette-jax and
PyTorch CUDA (eager), plus kerasette-numpy's W2 for the cupy/numpy ratio; and the
numpy-vs-cupy training parity.

    python benchmarks/bench_gpu.py [--samples 60000] [--epochs 3] [--frameworks ...]
    python benchmarks/bench_gpu.py --parity

Each framework runs in its own process (``--one``), so that one's GPU memory pool does not
weigh on the next. The data are random with Fashion-MNIST's shapes and labels (throughput
does not depend on the values, and the GPU machine reaches no dataset); every figure is
the median of epochs 2..N. Prints a markdown table (``--out`` also writes it) with each
figure's ratio to PyTorch CUDA in the same run.

``--parity``: the W1 MLP and a small CNN with BatchNormalization, 20 Adam steps from the
same weights on numpy and on cupy: the largest weight difference, against a float32
tolerance.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import workloads  # noqa: E402

FRAMEWORKS = ("kerasette-cupy", "kerasette-jax", "torch-cuda", "kerasette-numpy")
PARITY_TOLERANCE = 5e-4  # max |difference| of weights after 20 float32 Adam steps


def _data(samples, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((samples, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, samples).astype("int32")
    return x, y


def _kerasette(backend, workload, batch, x, y, epochs):
    os.environ["KERASETTE_BACKEND"] = backend
    import kerasette as keras
    from runner_keras_api import build_model, epoch_timer
    keras.utils.set_random_seed(0)
    model = build_model(keras, workloads.WORKLOADS[workload])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    wall, cpu = [], []
    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=True, verbose=0,
              callbacks=[epoch_timer(keras, wall, cpu)])
    result = {"epoch_seconds": wall}
    if backend == "cupy":
        import cupy
        if hasattr(cupy, "get_default_memory_pool"):  # not on the CPU stand-in
            result["peak_gpu_mb"] = cupy.get_default_memory_pool().total_bytes() / 2 ** 20
    return result


def _torch(workload, batch, x, y, epochs):
    import torch
    from torch import nn
    device = torch.device("cuda")
    torch.manual_seed(0)
    if workload == "W1":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                              nn.ReLU(), nn.Linear(256, 10))
    else:
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5),
                              nn.Linear(1600, 10))
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    xs = torch.from_numpy(np.moveaxis(x, -1, 1).copy()).to(device)
    ys = torch.from_numpy(y.astype("int64")).to(device)
    wall = []
    for _ in range(epochs):
        torch.cuda.synchronize()
        start = time.perf_counter()
        order = torch.randperm(len(xs), device=device)
        for first in range(0, len(xs), batch):
            index = order[first:first + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(xs[index]), ys[index])
            loss.backward()
            optimizer.step()
        float(loss)
        torch.cuda.synchronize()
        wall.append(time.perf_counter() - start)
    return {"epoch_seconds": wall,
            "peak_gpu_mb": torch.cuda.max_memory_allocated() / 2 ** 20}


def one(framework, workload, batch, samples, epochs):
    """One measurement in this process; returns a dict."""
    x, y = _data(samples)
    if framework == "torch-cuda":
        result = _torch(workload, batch, x, y, epochs)
    else:
        result = _kerasette(framework.split("-")[1], workload, batch, x, y, epochs)
    seconds = float(np.median(result["epoch_seconds"][1:] or result["epoch_seconds"]))
    result.update(seconds=seconds, samples_per_second=samples / seconds)
    return result


def parity(steps=20):
    """Weights after ``steps`` Adam steps on numpy and on cupy, from the same start."""
    import kerasette as keras
    layers = keras.layers
    rng = np.random.default_rng(1)
    lines, worst_all = [], 0.0
    for name in ("W1 MLP", "CNN + BatchNormalization"):
        if name == "W1 MLP":
            x = rng.random((steps * 32, 784), dtype=np.float32)

            def make():
                return keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                                         layers.Dense(256, activation="relu"), layers.Dense(10)])
        else:
            x = rng.random((steps * 32, 28, 28, 1), dtype=np.float32)

            def make():
                return keras.Sequential([
                    keras.Input((28, 28, 1)), layers.Conv2D(16, 3), layers.BatchNormalization(),
                    layers.Activation("relu"), layers.MaxPooling2D(2), layers.Flatten(),
                    layers.Dense(10)])
        y = rng.integers(0, 10, len(x)).astype("int32")
        ends = {}
        with keras.backend.use("numpy"):
            start = make().get_weights()
        for backend in ("numpy", "cupy"):
            with keras.backend.use(backend):
                model = make()
                model.set_weights(start)
                model.compile(keras.optimizers.Adam(1e-3),
                              keras.losses.SparseCategoricalCrossentropy(from_logits=True))
                for step in range(steps):
                    model.train_on_batch(x[32 * step:32 * step + 32], y[32 * step:32 * step + 32])
                ends[backend] = model.get_weights()
        worst = max(float(np.abs(a - b).max()) for a, b in zip(ends["numpy"], ends["cupy"]))
        moved = max(float(np.abs(a - b).max()) for a, b in zip(ends["numpy"], start))
        worst_all = max(worst_all, worst)
        lines.append(f"| {name} | {steps} | {worst:.2e} | {moved:.2e} |")
    table = ["| model | Adam steps | max weight difference numpy vs cupy | max weight change |",
             "|---|---:|---:|---:|"] + lines
    verdict = "PASS" if worst_all <= PARITY_TOLERANCE else "FAIL"
    return "\n".join(table) + f"\n\nparity {verdict} (tolerance {PARITY_TOLERANCE})", verdict


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--batches", default="128,1024")
    parser.add_argument("--workloads", default="W1,W2")
    parser.add_argument("--numpy-samples", type=int, default=6000,
                        help="kerasette-numpy's W2 runs on fewer samples (a CPU epoch is long)")
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--out")
    parser.add_argument("--parity", action="store_true")
    parser.add_argument("--one", nargs=3, metavar=("FRAMEWORK", "WORKLOAD", "BATCH"))
    args = parser.parse_args()
    if args.parity:
        text, verdict = parity()
        print(text)
        sys.exit(0 if verdict == "PASS" else 1)
    if args.one:
        framework, workload, batch = args.one
        print("RESULT " + json.dumps(one(framework, workload, int(batch), args.samples,
                                         args.epochs)))
        return
    results = {}
    for workload in args.workloads.split(","):
        for batch in map(int, args.batches.split(",")):
            for framework in args.frameworks.split(","):
                if framework == "kerasette-numpy" and (workload != "W2" or batch != 128):
                    continue  # the cupy/numpy ratio is asked for W2
                samples = args.numpy_samples if framework == "kerasette-numpy" else args.samples
                command = [sys.executable, os.path.abspath(__file__), "--samples", str(samples),
                           "--epochs", str(args.epochs), "--one", framework, workload,
                           str(batch)]
                try:
                    done = subprocess.run(command, capture_output=True, text=True,
                                          timeout=args.timeout)
                    line = [s for s in done.stdout.splitlines() if s.startswith("RESULT ")]
                    result = json.loads(line[-1][7:]) if line else {
                        "error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
                except subprocess.TimeoutExpired:
                    result = {"error": f"over {args.timeout} s"}
                results[(workload, batch, framework)] = result
                print(f"{workload} batch {batch} {framework}: {result.get('seconds', result)}",
                      file=sys.stderr, flush=True)
    lines = ["| workload | batch | framework | s/epoch | samples/s | vs PyTorch CUDA | peak GPU MiB |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for (workload, batch, framework), result in results.items():
        if "error" in result:
            lines.append(f"| {workload} | {batch} | {framework} | failed: {result['error'][:80]} "
                         "| | | |")
            continue
        torch_result = results.get((workload, batch, "torch-cuda"), {})
        ratio = (f"{result['samples_per_second'] / torch_result['samples_per_second']:.2f}x"
                 if "samples_per_second" in torch_result else "")
        peak = f"{result['peak_gpu_mb']:.0f}" if "peak_gpu_mb" in result else ""
        lines.append(f"| {workload} | {batch} | {framework} | {result['seconds']:.3f} | "
                     f"{result['samples_per_second']:,.0f} | {ratio} | {peak} |")
    cupy_w2 = results.get(("W2", 128, "kerasette-cupy"), {})
    numpy_w2 = results.get(("W2", 128, "kerasette-numpy"), {})
    if "samples_per_second" in cupy_w2 and "samples_per_second" in numpy_w2:
        lines.append(f"\nW2 batch 128: kerasette-cupy is "
                     f"{cupy_w2['samples_per_second'] / numpy_w2['samples_per_second']:.1f}x "
                     f"kerasette-numpy (samples/s; numpy on {args.numpy_samples} samples, "
                     f"{os.cpu_count()} CPU cores)")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
