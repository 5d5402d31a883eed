"""Vanishing gradients: why a deep network needs the right initial weights (and activation).

What it teaches: backpropagation multiplies the gradient by each layer's weights
and by its activation's slope on the way back to the input. A 10-layer network
of width 32 on scikit-learn's 8x8 digits is built four times, the same except
for its initial weights or its activation:

- ``zeros`` (tanh): every layer outputs tanh(0) = 0, so every kernel's gradient
  is exactly 0 and stays 0 — only the output bias learns (the class frequencies);
- ``uniform`` (tanh), ``RandomUniform(-0.05, 0.05)``: weights so small that the
  signal shrinks about 6x per layer going forward and the gradient 6x per layer
  coming back; after 10 layers each weight's gradient is ~1e-9;
- ``glorot`` (tanh), Keras's default ``glorot_uniform``: the weight scale is
  chosen (Glorot & Bengio, 2010) so the signal and the gradient keep their size
  through every layer;
- ``glorot`` with **sigmoid**: the same weights, but the sigmoid's slope is at most
  1/4 (tanh's is 1), so the gradient still shrinks about 4x per layer: ~1e-6 at
  the first layer. Glorot's scale assumes a tanh-like unit; a deep *sigmoid*
  network also needs its weights scaled up (the paper's factor 4) or a ReLU.

The script prints each layer's gradient norm (the first batch, before training)
as a table, plots them on a log scale to ``vanishing_gradients.png`` in ``--out``
(matplotlib; skipped with a note when it is missing), then trains each network
for 10 epochs of SGD and prints the accuracies: only the Glorot/tanh network
learns; the others stay at chance (about 10%).

    python examples/vanishing_gradients.py
    python examples/vanishing_gradients.py --out results/

``KERASETTE_MAX_STEPS`` caps the training steps per epoch (CI smoke test).
"""

import argparse
import os

import numpy as np

import kerasette as keras
from kerasette import layers

DEPTH = 10
WIDTH = 32
SETUPS = {  # name: (initializer, activation of the hidden layers)
    "zeros": ("zeros", "tanh"),
    "uniform": (keras.initializers.RandomUniform(-0.05, 0.05), "tanh"),
    "glorot": ("glorot_uniform", "tanh"),
    "glorot+sigmoid": ("glorot_uniform", "sigmoid"),
}


def load_digits():
    """The 8x8 digits as 64 float32 pixels in [0, 1], split 80/20."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    return ((x_train.reshape(-1, 64) / 16.0).astype("float32"), y_train), \
        ((x_test.reshape(-1, 64) / 16.0).astype("float32"), y_test)


def build_model(initializer, activation):
    """``DEPTH`` hidden Dense layers of ``WIDTH`` units, then a 10-way softmax; every kernel
    starts from ``initializer``, every bias from zeros."""
    hidden = [layers.Dense(WIDTH, activation=activation, kernel_initializer=initializer,
                           name=f"hidden_{i + 1}") for i in range(DEPTH)]
    return keras.Sequential([keras.Input(shape=(64,)), *hidden,
                             layers.Dense(10, activation="softmax", kernel_initializer=initializer,
                                          name="output")])


def gradient_norms(model, x, y):
    """The norm of the loss's gradient with respect to each layer's kernel, input to output."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    kernels = [layer.kernel for layer in model.layers]
    with keras.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    gradients = tape.gradient(loss, kernels)
    return [float(np.linalg.norm(keras.ops.convert_to_numpy(g))) for g in gradients]


def plot_norms(norms, path):
    """The gradient norms per layer, one line per setup, log scale; zeros cannot be drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = np.arange(1, DEPTH + 2)
    for name, values in norms.items():
        values = np.asarray(values)
        if np.all(values == 0):
            axes.plot([], [], " ", label=f"{name}: every gradient exactly 0")
            continue
        axes.plot(positions, np.where(values > 0, values, np.nan), marker="o", label=name)
    axes.set_yscale("log")
    axes.set_xticks(positions, [str(i) for i in range(1, DEPTH + 1)] + ["out"])
    axes.set_xlabel("layer (input side -> output side)")
    axes.set_ylabel("gradient norm of the kernel")
    axes.set_title(f"Gradients at initialization, {DEPTH} layers of {WIDTH} units")
    axes.grid(True, which="major", alpha=0.3)
    axes.legend()
    figure.savefig(path, dpi=100)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--out", default=".", help="folder for the plot")
    args = parser.parse_args()
    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None
    (x_train, y_train), (x_test, y_test) = load_digits()

    models, norms = {}, {}
    for name, (initializer, activation) in SETUPS.items():
        keras.utils.set_random_seed(0)
        models[name] = build_model(initializer, activation)
        norms[name] = gradient_norms(models[name], x_train[:256], y_train[:256])

    print(f"gradient norm of each layer's kernel before training ({DEPTH} hidden layers of "
          f"{WIDTH} units, the first 256 digits):\n")
    print(f"{'layer':<8}" + "".join(f"{name:>16}" for name in SETUPS))
    for i in range(DEPTH + 1):
        label = f"{i + 1}" if i < DEPTH else "output"
        print(f"{label:<8}" + "".join(f"{norms[name][i]:16.1e}" for name in SETUPS))
    print("layer 1's gradient / layer 10's: " + ", ".join(
        f"{name} {norms[name][0] / norms[name][DEPTH - 1]:.1e}" if norms[name][DEPTH - 1] else
        f"{name} -" for name in SETUPS))

    try:
        path = plot_norms(norms, os.path.join(args.out, "vanishing_gradients.png"))
        print(f"\nplot saved to {path}")
    except ImportError:
        print('\nno plot: matplotlib is not installed (pip install "kerasette[examples]")')

    print(f"\ntraining each for {args.epochs} epochs (SGD, learning rate {args.learning_rate}, "
          "batch 32):")
    print(f"{'setup':<16}{'train accuracy':>16}{'test accuracy':>15}")
    for name, model in models.items():
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=args.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x_train, y_train, batch_size=32, epochs=args.epochs,
                            steps_per_epoch=max_steps, verbose=0)
        _, accuracy = model.evaluate(x_test, y_test, verbose=0)
        print(f"{name:<16}{history.history['accuracy'][-1]:16.4f}{accuracy:15.4f}")
    print("(chance is about 0.10)")


if __name__ == "__main__":
    main()
