"""Engine speed: per-op overhead and one MLP forward+backward, next to peers in the same run.

Prints two tables:

1. microseconds per call of a small op (add of two 16-element float32 vectors)
   outside and inside a tape: numpy itself, kerasette's numpy engine (through
   ``kerasette.ops`` and through the backend object), and PyTorch eager (if
   installed) without and with autograd recording.
2. milliseconds for one forward+backward of an MLP 784-512-256-10 (ReLU,
   softmax cross-entropy from logits, batch 128, float32): a hand-written
   numpy backprop, kerasette's ``value_and_grad``, kerasette's ``GradientTape``,
   and PyTorch eager.

Each figure is the median of repeated timings; ratios are against the peer
measured in the same run (this machine is shared and noisy).

    python benchmarks/bench_engine.py [--threads 2] [--repeats 7]
"""

import argparse
import os
import statistics
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS / torch threads for everyone")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats (median reported)")
    return parser.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

import kerasette  # noqa: E402
from kerasette import ops  # noqa: E402
from kerasette.backend import get_backend  # noqa: E402

try:
    import torch
    torch.set_num_threads(ARGS.threads)
except ImportError:
    torch = None


def per_call(fn, calls):
    """Median seconds per call of ``fn`` over ``ARGS.repeats`` timings of ``calls`` calls."""
    fn()
    samples = []
    for _ in range(ARGS.repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def overhead_table():
    engine = get_backend("numpy")
    a = np.arange(16, dtype="float32")
    b = np.ones(16, dtype="float32")
    ta, tb = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    calls = 20000
    rows = [("numpy np.add", per_call(lambda: np.add(a, b), calls))]
    rows.append(("kerasette ops.add, no tape", per_call(lambda: ops.add(ta, tb), calls)))
    rows.append(("kerasette backend.add, no tape", per_call(lambda: engine.add(ta, tb), calls)))

    def in_tape():
        with kerasette.GradientTape() as tape:
            tape.watch(ta)
            for _ in range(100):
                ops.add(ta, tb)
    rows.append(("kerasette ops.add, in a tape", per_call(in_tape, calls // 100) / 100))
    if torch is not None:
        x, y = torch.from_numpy(a), torch.from_numpy(b)
        with torch.no_grad():
            rows.append(("torch.add eager, no_grad", per_call(lambda: torch.add(x, y), calls)))
        xg = x.clone().requires_grad_(True)
        rows.append(("torch.add eager, recording autograd", per_call(lambda: torch.add(xg, y), calls)))
    return rows


def mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    sizes = [784, 512, 256, 10]
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype("float32"))
        weights.append(np.zeros(fan_out, "float32"))
    x = rng.normal(size=(128, 784)).astype("float32")
    y = rng.integers(0, 10, size=128).astype("int32")
    return weights, x, y


def numpy_backprop(weights, x, y):
    """A careful hand-written forward+backward of the MLP (the classic numpy lesson)."""
    w1, b1, w2, b2, w3, b3 = weights
    h1 = np.maximum(x @ w1 + b1, 0)
    h2 = np.maximum(h1 @ w2 + b2, 0)
    z = h2 @ w3 + b3
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -log_p[np.arange(n), y].mean()
    dz = np.exp(log_p)
    dz[np.arange(n), y] -= 1
    dz /= n
    dw3, db3 = h2.T @ dz, dz.sum(0)
    dh2 = (dz @ w3.T) * (h2 > 0)
    dw2, db2 = h1.T @ dh2, dh2.sum(0)
    dh1 = (dh2 @ w2.T) * (h1 > 0)
    dw1, db1 = x.T @ dh1, dh1.sum(0)
    return loss, [dw1, db1, dw2, db2, dw3, db3]


def kerasette_loss(params, x, y):
    w1, b1, w2, b2, w3, b3 = params
    h = ops.relu(ops.matmul(x, w1) + b1)
    h = ops.relu(ops.matmul(h, w2) + b2)
    logits = ops.matmul(h, w3) + b3
    return ops.mean(ops.sparse_categorical_crossentropy(y, logits, from_logits=True))


def mlp_table():
    weights, x, y = mlp_data()
    calls = 20
    reference_loss, reference_grads = numpy_backprop(weights, x, y)
    rows = [("hand-written numpy backprop", per_call(lambda: numpy_backprop(weights, x, y), calls))]

    params = [ops.convert_to_tensor(w) for w in weights]
    value_and_grad = ops.value_and_grad(kerasette_loss)
    loss, grads = value_and_grad(params, x, y)
    worst = max(float(np.max(np.abs(ops.convert_to_numpy(g) - r)) / (np.max(np.abs(r)) + 1e-12))
                for g, r in zip(grads, reference_grads))
    rows.append(("kerasette value_and_grad", per_call(lambda: value_and_grad(params, x, y), calls)))

    variables = [kerasette.Variable(w) for w in weights]

    def with_tape():
        with kerasette.GradientTape() as tape:
            loss = kerasette_loss(variables, x, y)
        return tape.gradient(loss, variables)
    rows.append(("kerasette GradientTape", per_call(with_tape, calls)))

    if torch is not None:
        tw = [torch.from_numpy(w.copy()).requires_grad_(True) for w in weights]
        tx, ty = torch.from_numpy(x), torch.from_numpy(y.astype("int64"))

        def torch_step():
            w1, b1, w2, b2, w3, b3 = tw
            h = torch.relu(tx @ w1 + b1)
            h = torch.relu(h @ w2 + b2)
            loss = torch.nn.functional.cross_entropy(h @ w3 + b3, ty)
            return torch.autograd.grad(loss, tw)
        rows.append(("PyTorch eager autograd", per_call(torch_step, calls)))
    return rows, abs(float(loss) - float(reference_loss)), worst


def print_table(title, rows, unit, scale, reference_name):
    reference = dict(rows).get(reference_name)
    print(f"\n{title}")
    print(f"| {'what':<40} | {unit:>10} | {'ratio to ' + reference_name:>42} |")
    print(f"|{'-' * 42}|{'-' * 12}|{'-' * 44}|")
    for name, seconds in rows:
        ratio = f"{seconds / reference:.2f}x" if reference else "n/a"
        print(f"| {name:<40} | {seconds * scale:>10.2f} | {ratio:>42} |")


def main():
    print(f"kerasette engine benchmark: numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}, {ARGS.threads} threads, "
          f"median of {ARGS.repeats}")
    rows = overhead_table()
    peer = "torch.add eager, no_grad" if torch else "numpy np.add"
    print_table("Per-op overhead (add of two float32[16])", rows, "us/call", 1e6, peer)
    if torch:
        print_table("Per-op overhead inside a tape vs PyTorch recording", rows, "us/call", 1e6,
                    "torch.add eager, recording autograd")
    rows, loss_error, grad_error = mlp_table()
    print_table("MLP 784-512-256-10, batch 128, one forward+backward", rows, "ms", 1e3,
                "hand-written numpy backprop")
    print(f"\nkerasette vs hand-written numpy: |loss difference| {loss_error:.2e}, "
          f"worst relative gradient difference {grad_error:.2e}")


if __name__ == "__main__":
    main()
