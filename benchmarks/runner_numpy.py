"""The numpy-by-hand runner: the benchmark's workloads as an expert writes them in plain numpy.

    python benchmarks/runner_numpy.py WORKLOAD DATA.npz [--epochs N]

The floor that kerasette's numpy engine is measured against: no framework, no tape, no
allocation in the training step. What it does, and what it deliberately does not:

- float32 throughout; Glorot-uniform kernels (seeded numpy generator) and zero biases, in
  Keras's layouts ((in, out) and (3, 3, in, out)), as Keras initialises its layers;
- every layer writes its forward and backward into buffers it allocated once, for batches
  of up to its capacity (``np.matmul(..., out=)``, ``+=``, ``np.maximum(..., out=)``);
- Dense: ``x @ W + b`` then ReLU in place; backward ``x.T @ d`` and ``d @ W.T`` straight
  into BLAS, the ReLU's gradient through a preallocated boolean mask;
- Conv2D (3x3, valid, channels last) as im2col: one strided copy of the 3x3 windows
  (``sliding_window_view``) into a patch buffer, one matmul; backward: the kernel's
  gradient in one matmul, the input's as nine tap matmuls ``d @ W[i, j].T``, each added at
  its shift (measured: a quarter faster than col2im's nine strided adds of patch rows);
- MaxPool2D(2): the maximum of the four strided quarter views; backward routes the
  gradient through the mask of the maxima (a tie above zero, which ReLU outputs make rare,
  passes it to every maximum); Dropout(0.5): inverted, a mask from the seeded generator;
- softmax cross-entropy on the logits with its gradient fused, ``(softmax - onehot) / n``,
  computed in place in the logits buffer (the loss itself is not computed in a step);
- Adam with Keras's defaults and update rule (lr 1e-3, beta 0.9/0.999, epsilon 1e-7, the
  bias correction folded into the step size), every array updated in place through one
  preallocated scratch buffer per weight;
- denormals, which make float32 arithmetic orders of magnitude slower: every
  :data:`FLUSH_EVERY` steps the Adam moments below float32's smallest normal number are
  set to zero (three cheap passes, amortised over the steps between), and the shifted
  logits are clipped at :data:`LOGIT_FLOOR` so that no probability or logit gradient is a
  denormal;
- each epoch a fresh permutation from the seeded generator; each batch gathered with
  ``np.take`` into preallocated batch buffers (``mode="clip"``: with the default mode numpy
  buffers ``out``); the last, partial batch is a step too, as in Keras's ``fit``;
- no per-step metric work: the loss of each epoch's last step is computed once, at its end;
- test accuracy and ``predict`` samples/s measured as every runner does
  (``workloads.predict_figures``), by layers with their own buffers for batches of 1,000
  (sharing the trained weights; no dropout).

numpy's BLAS gets its threads from ``OPENBLAS_NUM_THREADS`` (set by ``run_all.py``); the
elementwise work is numpy's, on one thread. Prints one ``RESULT {json}`` line (see
``workloads.report``).
"""

import argparse
import math
import sys

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import workloads

LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
DROPOUT_RATE = 0.5
#: float32's smallest normal number: below it the CPU computes through slow microcode
TINY = np.finfo(np.float32).tiny
#: steps between two flushes of the Adam moments: a moment that falls below TINY (a first
#: moment no longer fed shrinks by 0.9 a step) stays a denormal for at most this many steps
FLUSH_EVERY = 16
#: the max-shifted logits are clipped here: exp(-70) = 4e-31, divided by the row's sum (at
#: most 10) and the batch size, is still a normal float32, so neither the probabilities nor
#: the gradient ``(softmax - onehot) / n`` hold a denormal; only a sample whose true logit
#: trails by more than 70 sees its loss capped at 70
LOGIT_FLOOR = np.float32(-70.0)
#: each workload's weights: kernel shapes in Keras's layouts, in the order of the layers
KERNEL_SHAPES = {"W1": [(784, 512), (512, 256), (256, 10)],
                 "W2": [(3, 3, 1, 32), (3, 3, 32, 64), (1600, 10)],
                 "W3": [(784, 128), (128, 10)]}


# ---------------------------------------------------------------------------- layers
class Dense:
    """``x @ kernel + bias``, then ReLU if ``relu``, for batches of up to ``capacity`` rows."""

    def __init__(self, kernel, bias, grads, capacity, relu):
        self.kernel, self.bias, self.grads, self.relu = kernel, bias, grads, relu
        self.out = np.empty((capacity, kernel.shape[1]), np.float32)
        self.active = np.empty(self.out.shape, bool) if relu else None
        self.input_grad = np.empty((capacity, kernel.shape[0]), np.float32)

    def forward(self, x):
        self.x, z = x, self.out[:len(x)]
        np.matmul(x, self.kernel, out=z)
        z += self.bias
        if self.relu:
            np.maximum(z, 0, out=z)
        return z

    def backward(self, d, input_grad=True):
        """``d``: the gradient of the output (overwritten); returns the input's gradient."""
        n = len(d)
        if self.relu:
            np.greater(self.out[:n], 0, out=self.active[:n])
            np.multiply(d, self.active[:n], out=d)
        np.matmul(self.x.T, d, out=self.grads[0])
        np.sum(d, axis=0, out=self.grads[1])
        if input_grad:
            return np.matmul(d, self.kernel.T, out=self.input_grad[:n])


class Conv2D:
    """A 3x3 valid convolution, channels last, then ReLU, as im2col and one matmul."""

    def __init__(self, kernel, bias, grads, capacity, height, width):
        self.kernel, self.bias, self.grads = kernel, bias, grads
        size = kernel.shape[2]
        self.in_shape = (height, width, size)
        self.out_height, self.out_width = height - 2, width - 2
        # patches in the kernel's (3, 3, in) order, so that the kernel is a (9 in, out) matrix
        self.patches = np.empty((capacity, self.out_height, self.out_width, 3, 3, size),
                                np.float32)
        self.out = np.empty((capacity, self.out_height, self.out_width, kernel.shape[3]),
                            np.float32)
        self.active = np.empty(self.out.shape, bool)
        self.input_grad = np.empty((capacity, *self.in_shape), np.float32)
        self.tap_grad = np.empty((capacity, self.out_height, self.out_width, size), np.float32)

    def _rows(self, array, n):
        """``array[:n]`` as a matrix: one row per output pixel."""
        return array[:n].reshape(n * self.out_height * self.out_width, -1)

    def forward(self, x):
        n = len(x)
        windows = sliding_window_view(x, (3, 3), axis=(1, 2))  # (n, oh, ow, in, 3, 3), a view
        np.copyto(self.patches[:n], windows.transpose(0, 1, 2, 4, 5, 3))
        z = self.out[:n]
        np.matmul(self._rows(self.patches, n), self.kernel.reshape(-1, self.kernel.shape[3]),
                  out=self._rows(self.out, n))
        z += self.bias
        np.maximum(z, 0, out=z)
        return z

    def backward(self, d, input_grad=True):
        n = len(d)
        np.greater(self.out[:n], 0, out=self.active[:n])
        np.multiply(d, self.active[:n], out=d)
        rows, kernel = self._rows(d, n), self.kernel.reshape(-1, self.kernel.shape[3])
        np.matmul(self._rows(self.patches, n).T, rows, out=self.grads[0].reshape(kernel.shape))
        np.sum(rows, axis=0, out=self.grads[1])
        if not input_grad:
            return None
        dx, tap = self.input_grad[:n], self.tap_grad[:n]
        dx[...] = 0
        for i in range(3):
            for j in range(3):  # what input pixel (y + i, x + j) gave output pixel (y, x)
                np.matmul(rows, self.kernel[i, j].T, out=self._rows(tap, n))
                dx[:, i:i + self.out_height, j:j + self.out_width] += tap
        return dx


class MaxPool2D:
    """2x2 max pooling, stride 2, channels last (an odd last row and column are dropped)."""

    def __init__(self, capacity, height, width, channels, training):
        self.size = (height // 2, width // 2)
        self.out = np.empty((capacity, *self.size, channels), np.float32)
        # where the maxima were, for the backward pass: not computed when only inferring
        self.is_max = (np.empty((capacity, self.size[0], 2, self.size[1], 2, channels), bool)
                       if training else None)
        # zeros once: a dropped row or column never receives gradient
        self.input_grad = np.zeros((capacity, height, width, channels), np.float32)

    def _windows(self, x):
        """``x`` as (n, rows, 2, columns, 2, channels): a view."""
        rows, columns = self.size
        return x[:, :2 * rows, :2 * columns].reshape(len(x), rows, 2, columns, 2, x.shape[3])

    def forward(self, x):
        n, v = len(x), self._windows(x)
        z = self.out[:n]
        np.maximum(v[:, :, 0, :, 0], v[:, :, 0, :, 1], out=z)
        np.maximum(z, v[:, :, 1, :, 0], out=z)
        np.maximum(z, v[:, :, 1, :, 1], out=z)
        if self.is_max is not None:
            np.equal(v, z[:, :, None, :, None], out=self.is_max[:n])
        return z

    def backward(self, d, input_grad=True):
        n = len(d)
        dx = self.input_grad[:n]
        np.multiply(self.is_max[:n], d[:, :, None, :, None], out=self._windows(dx))
        return dx


class Flatten:
    """(n, ...) to (n, features): views both ways."""

    def forward(self, x):
        self.shape = x.shape[1:]
        return x.reshape(len(x), -1)

    def backward(self, d, input_grad=True):
        return d.reshape(len(d), *self.shape)


class Dropout:
    """Inverted dropout in place: a kept value is scaled by 1 / (1 - rate), as in Keras."""

    def __init__(self, rate, capacity, features, rng):
        self.rate, self.scale, self.rng = np.float32(rate), np.float32(1 / (1 - rate)), rng
        self.uniform = np.empty((capacity, features), np.float32)
        self.kept = np.empty((capacity, features), bool)

    def forward(self, x):
        n = len(x)
        self.rng.random(dtype=np.float32, out=self.uniform[:n])
        np.greater_equal(self.uniform[:n], self.rate, out=self.kept[:n])
        np.multiply(x, self.kept[:n], out=x)
        x *= self.scale
        return x

    def backward(self, d, input_grad=True):
        np.multiply(d, self.kept[:len(d)], out=d)
        d *= self.scale
        return d


def build_weights(workload, rng):
    """The workload's (kernel, bias) pairs: Glorot-uniform kernels and zero biases, as Keras."""
    weights = []
    for shape in KERNEL_SHAPES[workload.name]:
        field = math.prod(shape[:-2])  # a convolution's kernel area; 1 for a dense kernel
        limit = np.sqrt(6.0 / (field * (shape[-2] + shape[-1])))
        weights.append((rng.uniform(-limit, limit, shape).astype(np.float32),
                        np.zeros(shape[-1], np.float32)))
    return weights


def build_layers(workload, weights, capacity, grads=None, rng=None):
    """The workload's layers for batches of up to ``capacity``, on the shared ``weights``;
    with ``grads`` (like ``weights``) and ``rng`` they train (dropout on), else they infer."""
    training = grads is not None
    grads = grads or [(None, None)] * len(weights)
    if workload.name == "W2":
        (k1, b1), (k2, b2), (k3, b3) = weights
        layers = [Conv2D(k1, b1, grads[0], capacity, 28, 28),
                  MaxPool2D(capacity, 26, 26, 32, training),
                  Conv2D(k2, b2, grads[1], capacity, 13, 13),
                  MaxPool2D(capacity, 11, 11, 64, training), Flatten()]
        if training:
            layers.append(Dropout(DROPOUT_RATE, capacity, k3.shape[0], rng))
        return layers + [Dense(k3, b3, grads[2], capacity, relu=False)]
    return [Flatten()] + [Dense(kernel, bias, grad, capacity, relu=i < len(weights) - 1)
                          for i, ((kernel, bias), grad) in enumerate(zip(weights, grads))]


def forward(layers, x):
    """The output of the last of ``layers`` for the batch ``x`` (a view of its buffer)."""
    for layer in layers:
        x = layer.forward(x)
    return x


# ---------------------------------------------------------------------------- training
class Trainer:
    """One training step of the layers with Adam, every buffer allocated once."""

    def __init__(self, workload, weights, sample_shape, rng):
        capacity = workload.batch_size
        self.grads = [(np.empty_like(k), np.empty_like(b)) for k, b in weights]
        self.layers = build_layers(workload, weights, capacity, self.grads, rng)
        self.x = np.empty((capacity, *sample_shape), np.float32)
        self.y = np.empty(capacity, np.int32)
        self.rows = np.arange(capacity)
        self.row_buffer = np.empty((capacity, 1), np.float32)
        self.optimizer = Adam([w for pair in weights for w in pair])
        self.flat_grads = [g for pair in self.grads for g in pair]

    def step(self, x, y, index, want_loss=False):
        """One step on the rows ``index`` of ``x``, ``y``; the batch's mean loss if asked."""
        n = len(index)
        xb, yb = self.x[:n], self.y[:n]
        np.take(x, index, axis=0, out=xb, mode="clip")
        np.take(y, index, out=yb, mode="clip")
        delta = forward(self.layers, xb)
        loss = softmax_cross_entropy_gradient(delta, yb, self.rows[:n], self.row_buffer[:n],
                                              want_loss)
        for i in range(len(self.layers) - 1, -1, -1):
            delta = self.layers[i].backward(delta, input_grad=i > 0)
        self.optimizer.step(self.flat_grads)
        return loss


def softmax_cross_entropy_gradient(logits, labels, rows, row_buffer, want_loss):
    """Overwrites ``logits`` (n, classes) with the gradient of the mean softmax cross-entropy,
    ``(softmax - onehot) / n``; returns the mean loss when ``want_loss``, else None."""
    n = len(labels)
    np.max(logits, axis=1, keepdims=True, out=row_buffer)
    logits -= row_buffer
    np.maximum(logits, LOGIT_FLOOR, out=logits)
    target_logits = logits[rows, labels] if want_loss else None
    np.exp(logits, out=logits)
    np.sum(logits, axis=1, keepdims=True, out=row_buffer)
    loss = float(np.mean(np.log(row_buffer[:, 0]) - target_logits)) if want_loss else None
    row_buffer *= n  # one division gives softmax / n
    logits /= row_buffer
    logits[rows, labels] -= np.float32(1.0 / n)
    return loss


class Adam:
    """Keras's Adam on float32 arrays, in place, with one scratch buffer per array:
    ``m += (g - m)(1 - beta_1)``, ``v += (g^2 - v)(1 - beta_2)``,
    ``w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + epsilon)``."""

    def __init__(self, weights):
        self.weights = weights
        self.moments = [(np.zeros_like(w), np.zeros_like(w)) for w in weights]
        self.scratch = [np.empty_like(w) for w in weights]
        self.normal = [np.empty(w.shape, bool) for w in weights]
        self.iterations = 0

    def step(self, grads):
        self.iterations += 1
        t = self.iterations
        alpha = np.float32(LEARNING_RATE * np.sqrt(1 - BETA_2 ** t) / (1 - BETA_1 ** t))
        for w, g, (m, v), s in zip(self.weights, grads, self.moments, self.scratch):
            np.subtract(g, m, out=s)
            s *= np.float32(1 - BETA_1)
            m += s
            np.multiply(g, g, out=s)
            s -= v
            s *= np.float32(1 - BETA_2)
            v += s
            np.sqrt(v, out=s)
            s += np.float32(EPSILON)
            np.divide(m, s, out=s)
            s *= alpha
            w -= s
        if t % FLUSH_EVERY == 0:
            self.flush_denormals()

    def flush_denormals(self):
        """Sets the moments below float32's smallest normal number to zero."""
        for (m, v), s, normal in zip(self.moments, self.scratch, self.normal):
            for moment in (m, v):
                np.abs(moment, out=s)
                np.greater_equal(s, TINY, out=normal)
                np.multiply(moment, normal, out=moment)


def train_epoch(trainer, x, y, batch_size, rng):
    """One epoch in a fresh shuffled order; returns the loss of its last step."""
    order = rng.permutation(len(x))
    loss = None
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        loss = trainer.step(x, y, index, want_loss=start + batch_size >= len(x))
    return loss


def predict(layers, capacity, x):
    """The logits of ``x``, in batches of ``capacity`` (the inference ``layers``' capacity)."""
    logits = None
    for start in range(0, len(x), capacity):
        batch = forward(layers, x[start:start + capacity])
        if logits is None:
            logits = np.empty((len(x), batch.shape[1]), np.float32)
        logits[start:start + len(batch)] = batch
    return logits


def run(workload, data_path, epochs, seed=0):
    """Trains and measures ``workload``; returns the result dict."""
    rng = np.random.default_rng(seed)
    (x_train, y_train), (x_test, y_test) = workloads.load_prepared(data_path)
    weights = build_weights(workload, rng)
    trainer = Trainer(workload, weights, x_train.shape[1:], rng)
    wall, cpu, loss = workloads.time_epochs(
        epochs, lambda: train_epoch(trainer, x_train, y_train, workload.batch_size, rng))
    result = {"epoch_seconds": wall, "epoch_cpu_seconds": cpu,
              "steps_per_epoch": workloads.steps_per_epoch(len(x_train), workload.batch_size),
              "final_loss": loss,
              "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                           "blas": workloads.blas_description()}}
    if workload.evaluate:
        batch = workloads.PREDICT_BATCH
        layers = build_layers(workload, weights, batch)
        result.update(workloads.predict_figures(lambda x: predict(layers, batch, x),
                                                x_test, y_test))
    result.update(threads=workloads.thread_count(), peak_rss_mb=workloads.peak_rss_mb())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(workloads.WORKLOADS))
    parser.add_argument("data", help=".npz file written by workloads.prepare_data")
    parser.add_argument("--epochs", type=int, help="default: the workload's")
    args = parser.parse_args()
    workload = workloads.WORKLOADS[args.workload]
    workloads.report(run(workload, args.data, args.epochs or workload.epochs))


if __name__ == "__main__":
    main()
