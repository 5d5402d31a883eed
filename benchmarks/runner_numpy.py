"""The numpy-by-hand runner: the MLP workloads as an expert writes them in plain numpy.

    python benchmarks/runner_numpy.py WORKLOAD DATA.npz [--epochs N]

The floor that kerasette's numpy engine is measured against: no framework, no tape, no
allocation in the training step. What it does, and what it deliberately does not:

- float32 throughout; Glorot-uniform kernels (seeded numpy generator) and zero biases, as
  Keras initialises its layers;
- forward ``x @ W + b`` then ReLU, each written in place into preallocated activation
  buffers (``np.matmul(..., out=)``, ``+=``, ``np.maximum(..., out=)``); 10 logits last;
- softmax cross-entropy on the logits with its gradient fused, ``(softmax - onehot) / n``,
  computed in place in the logits buffer (the loss itself is not computed in a step);
- backward by hand into preallocated gradient buffers (``x.T @ d`` and ``d @ W.T`` straight
  into BLAS, the ReLU's gradient through a preallocated boolean mask);
- Adam with Keras's defaults and update rule (lr 1e-3, beta 0.9/0.999, epsilon 1e-7, the
  bias correction folded into the step size), every array updated in place through one
  preallocated scratch buffer per weight;
- denormals, which make float32 arithmetic orders of magnitude slower: every
  :data:`FLUSH_EVERY` steps the Adam moments below float32's smallest normal number are
  set to zero (three cheap passes, amortised over the steps between; a moment that decays
  geometrically cannot stay denormal longer than that), and the shifted logits are clipped
  at :data:`LOGIT_FLOOR` so that ``exp`` never returns a denormal probability;
- each epoch a fresh permutation from the seeded generator; each batch gathered with
  ``np.take`` into preallocated batch buffers (``mode="clip"``: with the default mode numpy
  buffers ``out``); the last, partial batch is a step too, as in Keras's ``fit``;
- no per-step metric work: the loss of each epoch's last step is computed once, at its end;
- test accuracy and ``predict`` samples/s measured as every runner does
  (``workloads.predict_figures``), ``predict`` with its own buffers for batches of 1,000.

numpy's BLAS gets its threads from ``OPENBLAS_NUM_THREADS`` (set by ``run_all.py``); the
elementwise work is numpy's, on one thread. W2 (the convnet) has no hand-written version:
``run_all.py`` does not run it and shows "-". Prints one ``RESULT {json}`` line (see
``workloads.report``).
"""

import argparse
import sys

import numpy as np

import workloads

#: layer widths of the workloads written by hand (input first, logits last)
WIDTHS = {"W1": (784, 512, 256, 10), "W3": (784, 128, 10)}
LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
#: float32's smallest normal number: below it the CPU computes through slow microcode
TINY = np.finfo(np.float32).tiny
#: steps between two flushes of the Adam moments; a first moment that stops receiving
#: gradient shrinks by 0.9 a step, so it spends no more than this many steps as a denormal
FLUSH_EVERY = 16
#: the max-shifted logits are clipped here: exp(-87) = 1.6e-38 is still a normal float32
LOGIT_FLOOR = np.float32(-87.0)


class MLP:
    """Dense layers with ReLU between them, their gradients, and the buffers of one batch size."""

    def __init__(self, widths, rng):
        self.kernels, self.biases = [], []
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            limit = np.sqrt(6.0 / (fan_in + fan_out))  # Glorot uniform, as Keras's Dense
            self.kernels.append(rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32))
            self.biases.append(np.zeros(fan_out, np.float32))
        self.kernel_grads = [np.empty_like(w) for w in self.kernels]
        self.bias_grads = [np.empty_like(b) for b in self.biases]

    def weights(self):
        return self.kernels + self.biases

    def grads(self):
        return self.kernel_grads + self.bias_grads

    def buffers(self, batch_size):
        """Activation buffers for batches of up to ``batch_size`` rows (one per layer)."""
        return [np.empty((batch_size, w.shape[1]), np.float32) for w in self.kernels]

    def forward(self, x, activations):
        """The logits of ``x`` (n rows), written into ``activations`` (from :meth:`buffers`);
        returns the views of the first n rows of every layer's output, logits last."""
        outputs = []
        for i, (kernel, bias) in enumerate(zip(self.kernels, self.biases)):
            z = activations[i][:len(x)]
            np.matmul(x, kernel, out=z)
            z += bias
            if i < len(self.kernels) - 1:
                np.maximum(z, 0, out=z)
            outputs.append(z)
            x = z
        return outputs


class Trainer:
    """One training step of an :class:`MLP` with Adam, every buffer allocated once."""

    def __init__(self, model, batch_size, input_width):
        self.model = model
        self.x = np.empty((batch_size, input_width), np.float32)
        self.y = np.empty(batch_size, np.int32)
        self.rows = np.arange(batch_size)
        self.row_buffer = np.empty((batch_size, 1), np.float32)
        self.activations = model.buffers(batch_size)
        # the gradient flowing into each hidden layer's output, and where its ReLU was active
        self.deltas = [np.empty_like(a) for a in self.activations[:-1]]
        self.masks = [np.empty(a.shape, bool) for a in self.activations[:-1]]
        self.optimizer = Adam(model.weights())

    def step(self, x, y, index, want_loss=False):
        """One step on the rows ``index`` of ``x``, ``y``; the batch's mean loss if asked."""
        n = len(index)
        xb, yb, rows = self.x[:n], self.y[:n], self.rows[:n]
        np.take(x, index, axis=0, out=xb, mode="clip")
        np.take(y, index, out=yb, mode="clip")
        outputs = self.model.forward(xb, self.activations)
        loss = softmax_cross_entropy_gradient(outputs[-1], yb, rows, self.row_buffer[:n],
                                              want_loss)
        delta = outputs[-1]  # now d(mean loss)/d(logits)
        model = self.model
        for i in range(len(model.kernels) - 1, -1, -1):
            inputs = outputs[i - 1] if i else xb
            np.matmul(inputs.T, delta, out=model.kernel_grads[i])
            np.sum(delta, axis=0, out=model.bias_grads[i])
            if i:
                previous, mask = self.deltas[i - 1][:n], self.masks[i - 1][:n]
                np.matmul(delta, model.kernels[i].T, out=previous)
                np.greater(inputs, 0, out=mask)  # ReLU's gradient: 1 where it was active
                np.multiply(previous, mask, out=previous)
                delta = previous
        self.optimizer.step(model.grads())
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


def predict(model, x):
    """The logits of ``x`` (rows of features), in batches of ``workloads.PREDICT_BATCH``."""
    batch = workloads.PREDICT_BATCH
    activations = model.buffers(min(batch, len(x)))
    logits = np.empty((len(x), model.kernels[-1].shape[1]), np.float32)
    for start in range(0, len(x), batch):
        logits[start:start + batch] = model.forward(x[start:start + batch], activations)[-1]
    return logits


def run(workload, data_path, epochs, seed=0):
    """Trains and measures ``workload``; returns the result dict."""
    if workload.name not in WIDTHS:
        raise ValueError(f"runner_numpy: no hand-written {workload.name} ({workload.title}); "
                         f"written by hand: {sorted(WIDTHS)}")
    rng = np.random.default_rng(seed)
    (x_train, y_train), (x_test, y_test) = workloads.load_prepared(data_path)
    # the images as rows of pixels: a view, no copy
    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    model = MLP(WIDTHS[workload.name], rng)
    trainer = Trainer(model, workload.batch_size, x_train.shape[1])
    wall, cpu, loss = workloads.time_epochs(
        epochs, lambda: train_epoch(trainer, x_train, y_train, workload.batch_size, rng))
    result = {"epoch_seconds": wall, "epoch_cpu_seconds": cpu,
              "steps_per_epoch": workloads.steps_per_epoch(len(x_train), workload.batch_size),
              "final_loss": loss,
              "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                           "blas": workloads.blas_description()}}
    if workload.evaluate:
        result.update(workloads.predict_figures(lambda x: predict(model, x), x_test, y_test))
    result.update(threads=workloads.thread_count(), peak_rss_mb=workloads.peak_rss_mb())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=sorted(WIDTHS))
    parser.add_argument("data", help=".npz file written by workloads.prepare_data")
    parser.add_argument("--epochs", type=int, help="default: the workload's")
    args = parser.parse_args()
    workload = workloads.WORKLOADS[args.workload]
    workloads.report(run(workload, args.data, args.epochs or workload.epochs))


if __name__ == "__main__":
    main()
