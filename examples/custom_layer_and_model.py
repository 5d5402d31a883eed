"""Write your own layer and model, then train them two ways: a hand-written loop and ``fit``.

What it teaches:

- a custom ``Layer``: ``build(input_shape)`` creates the weights with
  ``add_weight`` once the input size is known, ``call(inputs)`` computes with
  ``kerasette.ops``, ``get_config`` lets the layer be re-created from its settings;
- a subclassed ``Model``: layers as attributes in ``__init__``, the forward pass in
  ``call``, weights tracked automatically;
- a custom training loop: ``kerasette.GradientTape`` records the forward pass,
  ``tape.gradient`` differentiates the loss with respect to
  ``model.trainable_weights``, ``optimizer.apply_gradients`` updates them;
- that ``fit`` does exactly this: the same model, seed, batches and optimizer
  trained with ``compile``/``fit`` ends at the same weights and the same loss (the
  script prints how far apart they are).

Data: scikit-learn's bundled 8x8 digits (no download). Seconds on any CPU::

    python examples/custom_layer_and_model.py
    KERASETTE_BACKEND=jax python examples/custom_layer_and_model.py

``KERASETTE_MAX_STEPS`` caps the training steps per epoch (CI smoke test).
"""

import argparse
import os

import numpy as np

import kerasette as keras
from kerasette import ops


class Linear(keras.Layer):
    """``y = x @ kernel + bias``: a Dense layer written from scratch.

    Args:
        units: the size of the output.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        # called once, on the first input: now the kernel's size is known
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel) + self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class DigitClassifier(keras.Model):
    """Two ``Linear`` layers with a ReLU between them; returns logits (no softmax)."""

    def __init__(self, hidden=64, classes=10, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Linear(hidden, name="hidden")
        self.classify = Linear(classes, name="logits")

    def call(self, inputs):
        return self.classify(ops.relu(self.hidden(inputs)))


def load_digits():
    """The 8x8 digits as 64 float32 pixels in [0, 1], split 80/20."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    return ((x_train.reshape(-1, 64) / 16.0).astype("float32"), y_train), \
        ((x_test.reshape(-1, 64) / 16.0).astype("float32"), y_test)


def batches(x, y, batch_size):
    """The data in order, ``batch_size`` at a time, pass after pass (the last batch of a pass
    may be smaller)."""
    while True:
        for start in range(0, len(x), batch_size):
            yield x[start:start + batch_size], y[start:start + batch_size]


def train_with_tape(data, epochs, batch_size, seed, max_steps):
    """The custom loop: forward under a tape, gradient, apply."""
    (x_train, y_train), _ = data
    keras.utils.set_random_seed(seed)
    model = DigitClassifier()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    stream = batches(x_train, y_train, batch_size)
    # an epoch is one pass over the data, or max_steps batches; like fit's steps_per_epoch,
    # the next epoch goes on where the last one stopped
    steps_per_epoch = max_steps or int(np.ceil(len(x_train) / batch_size))
    for epoch in range(1, epochs + 1):
        total, seen = 0.0, 0
        for _ in range(steps_per_epoch):
            x, y = next(stream)
            with keras.GradientTape() as tape:
                logits = model(x, training=True)
                loss = loss_fn(y, logits)
            gradients = tape.gradient(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(gradients, model.trainable_weights))
            total += float(loss) * len(x)
            seen += len(x)
        print(f"  epoch {epoch}: loss {total / seen:.6f}")
    return model, total / seen


def train_with_fit(data, epochs, batch_size, seed, max_steps):
    """The same training through ``compile`` and ``fit``."""
    (x_train, y_train), _ = data
    keras.utils.set_random_seed(seed)
    model = DigitClassifier()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    # shuffle=False: the same batches in the same order as the loop above
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, shuffle=False,
                        steps_per_epoch=max_steps, verbose=0)
    for epoch, loss in enumerate(history.history["loss"], 1):
        print(f"  epoch {epoch}: loss {loss:.6f}")
    return model, history.history["loss"][-1]


def accuracy_of(model, x, y):
    predictions = ops.convert_to_numpy(ops.argmax(model(x), axis=-1))
    return float(np.mean(predictions == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None
    data = load_digits()
    (_, _), (x_test, y_test) = data
    print(f"backend {keras.backend.backend()}; a subclassed model of two custom Linear layers, "
          f"{args.epochs} epochs of Adam on {len(data[0][0])} digits\n")

    print("custom training loop (GradientTape + apply_gradients):")
    loop_model, loop_loss = train_with_tape(data, args.epochs, args.batch_size, args.seed,
                                            max_steps)
    print("model.fit:")
    fit_model, fit_loss = train_with_fit(data, args.epochs, args.batch_size, args.seed, max_steps)

    print("\ntrainable weights:", ", ".join(f"{v.path} {tuple(v.shape)}"
                                             for v in loop_model.trainable_weights))
    weight_difference = max(
        float(np.max(np.abs(ops.convert_to_numpy(a.value) - ops.convert_to_numpy(b.value))))
        for a, b in zip(loop_model.trainable_weights, fit_model.trainable_weights))
    print(f"final loss: loop {loop_loss:.6f}, fit {fit_loss:.6f} "
          f"(difference {abs(loop_loss - fit_loss):.1e}: fit averages the batch losses in "
          "float32, the loop above in Python floats)")
    print(f"max |weight difference| between the two models: {weight_difference:.1e}")
    print(f"test accuracy: loop {accuracy_of(loop_model, x_test, y_test):.4f}, "
          f"fit {accuracy_of(fit_model, x_test, y_test):.4f}")


if __name__ == "__main__":
    main()
