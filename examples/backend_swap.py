"""One model, every backend: the same seed gives the same weights and the same training run.

What it teaches: a kerasette model is written once, against ``kerasette.ops``; the
backend that runs it is a setting (``KERASETTE_BACKEND``, or
``kerasette.backend.use(name)`` for a block of code). Initial weights are drawn
from a seeded numpy generator and then moved to the backend, so
``keras.utils.set_random_seed(seed)`` gives bit-identical starting weights on
numpy, jax and cupy, and a whole training run ends at nearly the same loss —
"nearly", because each backend rounds its float32 sums in its own order.

The script trains a small convnet on scikit-learn's 8x8 digits under each
installed backend (numpy always; jax when installed; cupy when CuPy and a GPU are
present) and prints a table: the backend, a checksum of the initial weights
(equal on every row), the final training loss and test accuracy, and how far the
final weights are from numpy's.

    python examples/backend_swap.py
    python examples/backend_swap.py --epochs 5

``KERASETTE_MAX_STEPS`` caps the training steps per epoch (CI smoke test).
"""

import argparse
import hashlib
import os
import time

import numpy as np

import kerasette as keras
from kerasette import layers

BACKENDS = ("numpy", "jax", "cupy")


def load_digits():
    """The 8x8 digits as (n, 8, 8, 1) float32 in [0, 1], split 80/20."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    return ((x_train[..., None] / 16.0).astype("float32"), y_train), \
        ((x_test[..., None] / 16.0).astype("float32"), y_test)


def build_model():
    return keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def weights_of(model):
    """The model's weights as numpy arrays, whatever the backend."""
    return [keras.ops.convert_to_numpy(v.value) for v in model.weights]


def checksum(arrays):
    """The first 12 hex digits of the SHA-256 of the weights' bytes: equal only if every bit is."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:12]


def unavailable(name):
    """Why backend ``name`` cannot run here, or None."""
    try:
        keras.backend.get_backend(name)
    except Exception as error:  # ImportError without the library; RuntimeError without a GPU
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


def train(name, data, epochs, seed, max_steps):
    """Builds and trains the model under backend ``name``; returns the numbers for the table."""
    (x_train, y_train), (x_test, y_test) = data
    with keras.backend.use(name):
        keras.utils.set_random_seed(seed)
        model = build_model()
        initial = weights_of(model)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        start = time.perf_counter()
        # shuffle=False: every backend sees the same batches in the same order
        history = model.fit(x_train, y_train, batch_size=64, epochs=epochs, shuffle=False,
                            steps_per_epoch=max_steps, verbose=0)
        seconds = time.perf_counter() - start
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        return {"initial": initial, "final": weights_of(model), "seconds": seconds,
                "loss": history.history["loss"][-1], "accuracy": accuracy}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None
    data = load_digits()
    print(f"the same convnet, seed {args.seed}, {args.epochs} epochs of SGD on "
          f"{len(data[0][0])} digits, under each backend:\n")

    results, skipped = {}, {}
    for name in BACKENDS:
        reason = unavailable(name)
        if reason:
            skipped[name] = reason
            continue
        results[name] = train(name, data, args.epochs, args.seed, max_steps)

    reference = results["numpy"]
    header = (f"{'backend':<8} {'initial weights':>16} {'final loss':>12} {'loss vs numpy':>14} "
              f"{'max |w - w_numpy|':>18} {'test accuracy':>14} {'fit time':>9}")
    print(header)
    print("-" * len(header))
    for name, result in results.items():
        loss_difference = abs(result["loss"] - reference["loss"])
        weight_difference = max(float(np.max(np.abs(a - b)))
                                for a, b in zip(result["final"], reference["final"]))
        print(f"{name:<8} {checksum(result['initial']):>16} {result['loss']:12.6f} "
              f"{loss_difference:14.2e} {weight_difference:18.2e} {result['accuracy']:14.4f} "
              f"{result['seconds']:8.2f}s")
    for name, reason in skipped.items():
        print(f"{name:<8} skipped: {reason}")

    same_start = len({checksum(r["initial"]) for r in results.values()}) == 1
    print(f"\ninitial weights identical on every backend: {same_start}")
    if not same_start:
        raise SystemExit("the same seed gave different initial weights: that is a bug")


if __name__ == "__main__":
    main()
