"""The functional API: a model with two inputs, two named outputs and a shared layer stack.

What it teaches: ``keras.Input`` and layer calls build a graph of layers, and
``keras.Model(inputs, outputs)`` turns any such graph into a model — not only a
chain. Here:

- two inputs, ``image_a`` and ``image_b`` (two 8x8 handwritten digits);
- one *shared* encoder (two ``Dense`` layers) applied to both images: the layers
  are called twice but own one set of weights, so what they learn from either
  image serves both (a "siamese" network);
- two outputs, returned as a dict: ``digit_sum`` (a regression: the sum of the two
  digits, 0..18) and ``same_digit`` (a classification: are they the same digit?);
- ``compile`` with one loss, one metric list and one loss weight per output, each
  given as a dict keyed by the output's name; ``fit`` and ``evaluate`` take the
  targets as a dict too.

The script prints the model's summary (with its "Connected to" column), the keys
``fit``'s History recorded (the total loss, each output's loss and metrics, and
their ``val_`` twins), the dict ``evaluate(..., return_dict=True)`` returns, and a
few test pairs with what the model predicts for them.

Data: pairs of scikit-learn's bundled 8x8 digits (no download), half of them showing
the same digit twice. Runs in under a minute on the numpy backend::

    python examples/functional_api.py
    KERASETTE_BACKEND=jax python examples/functional_api.py

``KERASETTE_MAX_STEPS`` caps the training steps per epoch (CI smoke test).
"""

import argparse
import os

import numpy as np

import kerasette as keras
from kerasette import layers


def load_pairs(count, seed):
    """``count`` training pairs of digit images (as 64 pixels in [0, 1]) with their two
    targets, and ``count // 4`` test pairs; half of the pairs show the same digit twice.
    Test pairs are made of the test images only, never seen in training."""
    rng = np.random.default_rng(seed)

    def pairs(images, labels, n):
        x = (images.reshape(-1, 64) / 16.0).astype("float32")
        y = labels.astype("int64")
        first = rng.integers(0, len(x), n)
        second = rng.integers(0, len(x), n)
        for i in np.flatnonzero(rng.random(n) < 0.5):  # a second image of the same digit
            second[i] = rng.choice(np.flatnonzero(y == y[first[i]]))
        inputs = {"image_a": x[first], "image_b": x[second]}
        targets = {"digit_sum": (y[first] + y[second]).astype("float32")[:, None],
                   "same_digit": (y[first] == y[second]).astype("float32")[:, None]}
        return inputs, targets, (y[first], y[second])

    (x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
    return pairs(x_train, y_train, count), pairs(x_test, y_test, count // 4)


def build_model():
    image_a = keras.Input(shape=(64,), name="image_a")
    image_b = keras.Input(shape=(64,), name="image_b")

    # the shared encoder: created once, called on both inputs
    encode_1 = layers.Dense(64, activation="relu", name="shared_dense_1")
    encode_2 = layers.Dense(32, activation="relu", name="shared_dense_2")
    code_a = encode_2(encode_1(image_a))
    code_b = encode_2(encode_1(image_b))

    both = layers.Concatenate(name="both_codes")([code_a, code_b])
    hidden = layers.Dense(64, activation="relu", name="joint")(both)
    digit_sum = layers.Dense(1, name="digit_sum")(hidden)
    same_digit = layers.Dense(1, activation="sigmoid", name="same_digit")(hidden)
    return keras.Model(inputs={"image_a": image_a, "image_b": image_b},
                       outputs={"digit_sum": digit_sum, "same_digit": same_digit},
                       name="digit_pairs")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=8000)
    args = parser.parse_args()
    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None

    keras.utils.set_random_seed(3)
    (x_train, y_train, _), (x_test, y_test, (digit_a, digit_b)) = load_pairs(args.pairs, seed=3)
    model = build_model()
    model.summary()
    shared = model.get_layer("shared_dense_1")
    print(f"shared_dense_1 is called on both images but has {len(shared.weights)} weights "
          f"({shared.count_params()} numbers), not twice that\n")

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss={"digit_sum": "mean_squared_error", "same_digit": "binary_crossentropy"},
        # the sum's squared error is in units of digits squared: weigh it down so the
        # two losses pull with similar strength
        loss_weights={"digit_sum": 0.1, "same_digit": 1.0},
        metrics={"digit_sum": ["mean_absolute_error"], "same_digit": ["accuracy"]},
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=args.epochs,
                        validation_split=0.1, steps_per_epoch=max_steps,
                        validation_steps=max_steps, verbose=2)

    print("\nHistory keys:", sorted(history.history))
    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print("evaluate:", {key: round(value, 4) for key, value in results.items()})
    print(f"test: sum off by {results['digit_sum_mean_absolute_error']:.2f} on average, "
          f"same-digit accuracy {results['same_digit_accuracy']:.4f}")

    predictions = model.predict({k: v[:5] for k, v in x_test.items()}, verbose=0)
    print("\n digits   true sum  predicted   same?  P(same)")
    for i in range(5):
        print(f"  {digit_a[i]} {digit_b[i]}   {digit_a[i] + digit_b[i]:8d}  "
              f"{float(predictions['digit_sum'][i, 0]):9.2f}   {str(digit_a[i] == digit_b[i]):>5}  "
              f"{float(predictions['same_digit'][i, 0]):7.3f}")
    return results


if __name__ == "__main__":
    main()
