"""CPU or GPU: the same training, timed on the numpy backend and on the cupy backend.

What it teaches: moving a kerasette model to an NVIDIA GPU changes no line of
the model — only the backend (``KERASETTE_BACKEND=cupy``, or
``kerasette.backend.use("cupy")`` for a block). The script trains the Keras
"simple convnet" (or, with ``--model mlp``, a 784-512-256-10 MLP) on
Fashion-MNIST for a fixed number of steps under each backend, from the same
initial weights, and prints a table: the time per step, images per second, the
speed-up over numpy, and the loss at the end (nearly equal: the same run).

Timing is done as in ``benchmarks/``: a first epoch of ``--warmup`` steps builds
the model and the optimizer (and fills caches) and is not timed; the next
``--steps`` steps are.

Without a GPU or without CuPy the cupy row says "skipped" with the reason, and
numpy is still timed. CuPy: ``pip install "kerasette[cuda12]"`` (or ``[cuda13]``).

Data: Fashion-MNIST (Debian: ``apt-get install dataset-fashion-mnist``; or the
four ``.gz`` files in ``$KERASETTE_DATA``).

    python examples/cpu_vs_gpu.py
    python examples/cpu_vs_gpu.py --model mlp --steps 200 --batch-size 256

``KERASETTE_MAX_STEPS`` caps the timed and warm-up steps (CI smoke test).
"""

import argparse
import os
import time

import kerasette as keras
from kerasette import layers


def build_model(kind):
    if kind == "mlp":
        return keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def why_unavailable(name):
    """Why backend ``name`` cannot run here, or None."""
    try:
        keras.backend.get_backend(name)
    except Exception as error:  # ImportError: no CuPy, or no usable GPU/driver
        return str(error).splitlines()[0]
    return None


def time_training(name, kind, x, y, batch_size, warmup, steps):
    """Seconds for ``steps`` training steps under backend ``name`` (after ``warmup``), and the
    loss of the timed epoch."""
    with keras.backend.use(name):
        keras.utils.set_random_seed(0)
        model = build_model(kind)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                      loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=batch_size, epochs=1, steps_per_epoch=warmup,
                  shuffle=False, verbose=0)
        start = time.perf_counter()
        # the loss is read back from the device at the epoch's end, so the timing includes
        # every queued GPU kernel
        history = model.fit(x, y, batch_size=batch_size, initial_epoch=1, epochs=2,
                            steps_per_epoch=steps, shuffle=False, verbose=0)
        loss = float(history.history["loss"][-1])
        return time.perf_counter() - start, loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None
    steps = min(args.steps, max_steps or args.steps)
    warmup = min(args.warmup, max_steps or args.warmup)

    (x, y), _ = keras.datasets.fashion_mnist.load_data()
    needed = (warmup + steps) * args.batch_size
    x = x[:needed, ..., None].astype("float32") / 255.0
    y = y[:needed]
    print(f"{args.model} on Fashion-MNIST, batch {args.batch_size}: {warmup} warm-up steps, "
          f"then {steps} timed steps per backend\n")

    header = (f"{'backend':<8}{'device':>8}{'ms/step':>10}{'images/s':>11}{'speed-up':>10}"
              f"{'loss':>10}")
    print(header)
    print("-" * len(header))
    numpy_seconds = None
    for name, device in (("numpy", "CPU"), ("cupy", "GPU")):
        reason = why_unavailable(name)
        if reason:
            print(f"{name:<8}{device:>8}  skipped: no GPU/CuPy ({reason})")
            continue
        seconds, loss = time_training(name, args.model, x, y, args.batch_size, warmup, steps)
        numpy_seconds = numpy_seconds or seconds
        print(f"{name:<8}{device:>8}{1e3 * seconds / steps:10.1f}"
              f"{steps * args.batch_size / seconds:11.0f}{numpy_seconds / seconds:9.1f}x"
              f"{loss:10.4f}")
    print(f"\n{os.cpu_count()} CPU cores here; numpy's time depends on its BLAS and on other "
          "work on the machine")
    return numpy_seconds


if __name__ == "__main__":
    main()
