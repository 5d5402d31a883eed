"""Train a small network on real handwritten digits with GradientTape.

The quick start of kerasette's engine: scikit-learn's bundled 8x8 digits
(1,797 images, no download), a 64-128-10 ReLU network, softmax cross-entropy
from logits, Adam written out in a few lines, a live progress bar, and the
test accuracy at the end. Runs in seconds on any CPU::

    python examples/mlp_gradient_tape.py            # numpy backend (default)
    KERASETTE_BACKEND=jax python examples/mlp_gradient_tape.py

``KERASETTE_MAX_STEPS`` caps the number of training steps (CI smoke tests).
"""

import os

import numpy as np
from tqdm import tqdm

import kerasette
from kerasette import ops


def load_digits(seed=0):
    """The digits as float32 in [0, 1], split 80/20 with a fixed shuffle."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise SystemExit('This example needs scikit-learn: pip install "kerasette[examples]"') from None
    digits = sklearn_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int32")
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


def glorot_uniform(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype("float32")


def main(epochs=30, batch_size=64, learning_rate=1e-2, hidden=128, seed=0):
    (x_train, y_train), (x_test, y_test) = load_digits(seed)
    rng = np.random.default_rng(seed)
    params = [
        kerasette.Variable(glorot_uniform(rng, 64, hidden), name="dense/kernel"),
        kerasette.Variable(np.zeros(hidden, "float32"), name="dense/bias"),
        kerasette.Variable(glorot_uniform(rng, hidden, 10), name="logits/kernel"),
        kerasette.Variable(np.zeros(10, "float32"), name="logits/bias"),
    ]

    def logits_of(x):
        w1, b1, w2, b2 = params
        return ops.matmul(ops.relu(ops.matmul(x, w1) + b1), w2) + b2

    # Adam, written out: m and v per parameter, bias-corrected step
    beta_1, beta_2, eps = 0.9, 0.999, 1e-7
    m = [np.zeros(p.shape, "float32") for p in params]
    v = [np.zeros(p.shape, "float32") for p in params]

    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None
    steps_per_epoch = int(np.ceil(len(x_train) / batch_size))
    step = 0
    print(f"backend: {kerasette.backend.backend()}; {len(x_train)} training and "
          f"{len(x_test)} test images of 8x8 digits")
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(x_train))
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch}/{epochs}", leave=False,
                   disable=None)
        total = 0.0
        for i in bar:
            index = order[i * batch_size:(i + 1) * batch_size]
            with kerasette.GradientTape() as tape:
                loss = ops.mean(ops.sparse_categorical_crossentropy(
                    y_train[index], logits_of(x_train[index]), from_logits=True))
            grads = tape.gradient(loss, params)
            step += 1
            for p, g, m_i, v_i in zip(params, grads, m, v):
                g = ops.convert_to_numpy(g)
                m_i += (1 - beta_1) * (g - m_i)
                v_i += (1 - beta_2) * (g * g - v_i)
                m_hat = m_i / (1 - beta_1**step)
                v_hat = v_i / (1 - beta_2**step)
                p.assign_sub(learning_rate * m_hat / (np.sqrt(v_hat) + eps))
            total += float(loss)
            bar.set_postfix(loss=f"{total / (i + 1):.4f}")
            if max_steps and step >= max_steps:
                break
        predictions = ops.convert_to_numpy(ops.argmax(logits_of(x_test), axis=-1))
        accuracy = float(np.mean(predictions == y_test))
        print(f"epoch {epoch:2d}: loss {total / (i + 1):.4f}, test accuracy {accuracy:.4f}")
        if max_steps and step >= max_steps:
            break
    print(f"final test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
