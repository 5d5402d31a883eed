"""Backpropagation by hand, checked against kerasette's engine and against JAX.

What it teaches: what a deep learning framework computes when it "takes the
gradient". A 2-16-1 network (tanh hidden layer, one logit, binary cross-entropy)
on a small XOR problem, in float64, has its gradients computed three ways:

1. by hand, with numpy: the forward pass keeps what the backward pass needs,
   then the chain rule is applied layer by layer, from the loss back to the
   first weights (the "build your own TensorFlow" lesson);
2. by kerasette's reverse-mode engine: the same forward pass written with
   ``kerasette.ops`` under a ``kerasette.GradientTape`` (numpy backend);
3. by JAX: ``jax.grad`` of the same function written with ``jax.numpy``
   (skipped, with a note, when JAX is not installed).

The three agree to rounding error (the script asserts a max difference below
1e-10). Then the hand-written gradients train the network by plain gradient
descent until it solves XOR.

    python examples/gradients_by_hand.py

``KERASETTE_MAX_STEPS`` caps the gradient-descent steps (CI smoke test).
"""

import argparse
import os
import types

import numpy as np

import kerasette
from kerasette import ops

TOLERANCE = 1e-10
NAMES = ["W1", "b1", "W2", "b2"]


def xor_data(n=200, seed=0):
    """Points in the square [-1, 1]^2, labelled 1 where x0 and x1 have the same sign."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype("float64")[:, None]
    return x, y


def init_params(seed=1, hidden=16):
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, 1.0, (2, hidden)), np.zeros(hidden),
            rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, 1)), np.zeros(1)]


def loss_fn(params, x, y, np_like):
    """Mean binary cross-entropy of a 2-16-1 tanh network, from the logit z:
    ``softplus(z) - y z`` (= ``-y log sigmoid(z) - (1 - y) log(1 - sigmoid(z))``, without
    the overflow). ``np_like`` supplies matmul, tanh, softplus and mean: the same formula
    runs on numpy, kerasette.ops or jax.numpy."""
    W1, b1, W2, b2 = params
    hidden = np_like.tanh(np_like.matmul(x, W1) + b1)
    logit = np_like.matmul(hidden, W2) + b2
    return np_like.mean(np_like.softplus(logit) - y * logit)


NUMPY = types.SimpleNamespace(matmul=np.matmul, tanh=np.tanh, mean=np.mean,
                              softplus=lambda z: np.logaddexp(0.0, z))


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


def gradients_by_hand(params, x, y):
    """The loss and its gradients, by the chain rule, one layer at a time."""
    W1, b1, W2, b2 = params
    n = len(x)
    # forward: keep each intermediate the backward pass needs
    z1 = x @ W1 + b1                      # (n, 16)
    h = np.tanh(z1)                       # (n, 16)
    z2 = h @ W2 + b2                      # (n, 1)
    loss = np.mean(np.logaddexp(0.0, z2) - y * z2)

    # backward: d loss / d (each value), from the end to the start
    d_z2 = (sigmoid(z2) - y) / n          # d/dz [softplus(z) - y z] = sigmoid(z) - y; mean: / n
    d_W2 = h.T @ d_z2                     # z2 = h @ W2 + b2
    d_b2 = d_z2.sum(axis=0)               #   b2 was broadcast over the n rows: sum them back
    d_h = d_z2 @ W2.T
    d_z1 = d_h * (1.0 - h**2)             # tanh'(z) = 1 - tanh(z)^2
    d_W1 = x.T @ d_z1                     # z1 = x @ W1 + b1
    d_b1 = d_z1.sum(axis=0)
    return loss, [d_W1, d_b1, d_W2, d_b2]


def gradients_by_kerasette(params, x, y):
    """The same loss through kerasette's engine (numpy backend), differentiated by its tape."""
    with kerasette.backend.use("numpy"):
        tensors = [ops.convert_to_tensor(p, dtype="float64") for p in params]
        x, y = ops.convert_to_tensor(x, dtype="float64"), ops.convert_to_tensor(y, dtype="float64")
        with kerasette.GradientTape() as tape:
            for t in tensors:
                tape.watch(t)
            loss = loss_fn(tensors, x, y, ops)
        grads = tape.gradient(loss, tensors)
        return float(loss), [ops.convert_to_numpy(g) for g in grads]


def gradients_by_jax(params, x, y):
    """``jax.grad`` of the same function written with jax.numpy, in float64; None without JAX."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    jax_np = types.SimpleNamespace(matmul=jnp.matmul, tanh=jnp.tanh, mean=jnp.mean,
                                   softplus=jax.nn.softplus)
    value, grads = jax.value_and_grad(loss_fn)([jnp.asarray(p) for p in params],
                                               jnp.asarray(x), jnp.asarray(y), jax_np)
    return float(value), [np.asarray(g) for g in grads]


def compare(params, x, y, show_values=True):
    """Prints the three gradients side by side (a few entries each when ``show_values``) and
    their largest differences; returns the largest difference."""
    hand_loss, hand = gradients_by_hand(params, x, y)
    engine_loss, engine = gradients_by_kerasette(params, x, y)
    jax_result = gradients_by_jax(params, x, y)
    print(f"loss: by hand {hand_loss:.15f}, kerasette {engine_loss:.15f}"
          + (f", jax {jax_result[0]:.15f}" if jax_result else ""))
    if jax_result is None:
        print("JAX column skipped: JAX is not installed (pip install \"kerasette[jax]\")")

    if show_values:
        print(f"\n{'gradient':<10}{'by hand':>24}{'kerasette':>24}{'jax':>24}")
        for name, g_hand, g_engine, g_jax in zip(NAMES, hand, engine,
                                                  jax_result[1] if jax_result else [None] * 4):
            first, last = (0,) * g_hand.ndim, tuple(s - 1 for s in g_hand.shape)
            for index in dict.fromkeys([first, last]):  # the first and the last entry
                label = f"{name}[{','.join(map(str, index))}]"
                jax_cell = f"{g_jax[index]:24.15e}" if g_jax is not None else f"{'-':>24}"
                print(f"{label:<10}{g_hand[index]:24.15e}{g_engine[index]:24.15e}{jax_cell}")

    print(f"\n{'parameter':<10}{'shape':>10}{'max |hand - kerasette|':>25}{'max |hand - jax|':>20}")
    worst = abs(hand_loss - engine_loss)
    for i, name in enumerate(NAMES):
        d_engine = float(np.max(np.abs(hand[i] - engine[i])))
        worst = max(worst, d_engine)
        if jax_result:
            d_jax = float(np.max(np.abs(hand[i] - jax_result[1][i])))
            worst = max(worst, d_jax)
            jax_cell = f"{d_jax:20.1e}"
        else:
            jax_cell = f"{'skipped':>20}"
        print(f"{name:<10}{str(hand[i].shape):>10}{d_engine:25.1e}{jax_cell}")
    print(f"\nmax difference: {worst:.1e} (float64; must be below {TOLERANCE:.0e})")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--learning-rate", type=float, default=1.0)
    args = parser.parse_args()
    max_steps = int(os.environ.get("KERASETTE_MAX_STEPS", "0")) or None
    x, y = xor_data()
    params = init_params()

    worst = compare(params, x, y)
    if not worst < TOLERANCE:
        raise SystemExit(f"the gradients disagree: max difference {worst:.1e} >= {TOLERANCE:.0e}")

    # the hand-written gradients are all plain gradient descent needs
    steps = min(args.steps, max_steps or args.steps)
    print(f"\ntraining with the hand-written gradients: {steps} steps of gradient descent")
    for step in range(1, steps + 1):
        loss, grads = gradients_by_hand(params, x, y)
        params = [p - args.learning_rate * g for p, g in zip(params, grads)]
        if step == 1 or step % 500 == 0 or step == steps:
            W1, b1, W2, b2 = params
            predictions = (np.tanh(x @ W1 + b1) @ W2 + b2) > 0
            print(f"  step {step:5d}: loss {loss:.4f}, accuracy {np.mean(predictions == y):.3f}")

    print("\nafter training, the three still agree:")
    worst_after = compare(params, x, y, show_values=False)
    if not worst_after < TOLERANCE:
        raise SystemExit(f"the gradients disagree after training: max difference {worst_after:.1e}")


if __name__ == "__main__":
    main()
