"""Quick start: a small convnet learns real handwritten digits, offline, in seconds.

Data: ``kerasette.datasets.digits``, scikit-learn's bundled 8x8 digits (1,797
images; no download, no root). With ``--data fashion_mnist`` it trains on
Fashion-MNIST instead (Debian: ``apt-get install dataset-fashion-mnist``; or files
in ``$KERASETTE_DATA``).

The trained model is saved with ``model.save`` as ``quickstart_<data>.keras`` (Keras
3's file format) in ``--out`` (default: the current folder), loaded back with
``keras.saving.load_model``, and checked to predict the same.

    python examples/quickstart.py                       # numpy backend (default)
    KERASETTE_BACKEND=jax python examples/quickstart.py
    python examples/quickstart.py --data fashion_mnist --epochs 3

``KERASETTE_MAX_STEPS`` caps the training steps per epoch (CI smoke test).
"""

import argparse
import os

import numpy as np

import kerasette as keras
from kerasette import layers


def load(data):
    if data == "fashion_mnist":
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
        x_train = x_train.astype("float32")[..., None] / 255.0
        x_test = x_test.astype("float32")[..., None] / 255.0
        return (x_train, y_train), (x_test, y_test)
    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    except ImportError as error:
        raise SystemExit(str(error)) from None
    # pixel values are 0..16 in the digits
    x_train = x_train.astype("float32")[..., None] / 16.0
    x_test = x_test.astype("float32")[..., None] / 16.0
    return (x_train, y_train), (x_test, y_test)


def build_model(input_shape):
    """The Keras "simple convnet", sized to the images."""
    small = input_shape[0] < 16
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, 3, activation="relu", padding="same" if small else "valid"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu", padding="same" if small else "valid"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def main():
    parser = argparse.ArgumentParser(description="Train a small convnet on real images.")
    parser.add_argument("--data", choices=["digits", "fashion_mnist"], default="digits")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", default=".", help="folder for the saved model")
    args = parser.parse_args()
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = load(args.data)
    epochs = args.epochs or (30 if args.data == "digits" else 3)
    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None
    print(f"kerasette {keras.__version__}, backend {keras.backend.backend()}: "
          f"{len(x_train)} training and {len(x_test)} test images of shape {x_train.shape[1:]}")
    model = build_model(x_train.shape[1:])
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=epochs, validation_split=0.1,
              steps_per_epoch=max_steps)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {accuracy:.4f} (loss {loss:.4f})")

    path = os.path.join(args.out, f"quickstart_{args.data}.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    difference = np.max(np.abs(restored.predict(x_test[:100], verbose=0)
                               - model.predict(x_test[:100], verbose=0)))
    print(f"model saved to {path}; reloaded, it predicts the same "
          f"(max difference {difference:.1e})")
    return accuracy


if __name__ == "__main__":
    main()
