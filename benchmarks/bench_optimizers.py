"""Optimizer speed: the cost of flushing denormal state, and the cost of not flushing it.

One Adam step (``stateless_apply``, the trainer's path) on a 784x512 float32
kernel, the first layer of an MLP on Fashion-MNIST, timed four ways:

- state:  "normal" (every moment a normal float; the moments of the blank rows
  are 0) or "denormal-laden" (the rows of the input pixels that are always blank
  have zero gradients, and their moments have decayed into denormals, 1e-38 and
  below, as they do without the flush);
- flush:  on (kerasette: every slot passes through ``flush_denormals``) or off
  (``flush_denormals`` replaced by the identity, as in Keras).

Each figure is the best over repeats (on a shared machine, interference only
ever adds time) of the mean time of ``--steps`` steps, each repeat starting from
the same state; the four configurations take turns within each repeat. The table
gives milliseconds per step, page faults per step and the ratios that matter:
what the flush costs (flush on / off) and what denormals cost (denormal / normal).
The flush alone on one 784x512 slot is timed too.

The allocator matters as much as the arithmetic: numpy allocates every temporary,
and with glibc's default, self-adjusting thresholds a 1.6 MB temporary is
sometimes handed back to the OS and faulted in again on every use, which can
double a step's time and swamp the effect measured here. ``--allocator steady``
(the default) fixes glibc's thresholds with ``mallopt`` before timing;
``--allocator default`` leaves them alone.

    python benchmarks/bench_optimizers.py [--backend numpy] [--blank 0.25] [--steps 20]
                                          [--clock wall|cpu] [--allocator steady|default]
"""

import argparse
import ctypes
import os
import resource
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy", help="kerasette backend (default numpy)")
    parser.add_argument("--blank", type=float, default=0.25,
                        help="fraction of input rows whose gradient is always zero")
    parser.add_argument("--steps", type=int, default=20, help="Adam steps per timing")
    parser.add_argument("--repeats", type=int, default=15,
                        help="timed repeats (the best is reported)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time, or this process's CPU time (steadier on a busy machine)")
    parser.add_argument("--allocator", choices=("steady", "default"), default="steady",
                        help="fix glibc's malloc thresholds (steady) or leave them (default)")
    return parser.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)
if ARGS.allocator == "steady":
    try:  # glibc: keep temporaries up to 32 MB on the heap, and the heap's memory
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 1 << 30)   # M_TRIM_THRESHOLD
    except OSError:
        pass  # not glibc: nothing to fix

import numpy as np  # noqa: E402

import kerasette  # noqa: E402
from kerasette import ops, optimizers  # noqa: E402
from kerasette.optimizers import optimizer as optimizer_module  # noqa: E402

SHAPE = (784, 512)
CLOCK = time.perf_counter if ARGS.clock == "wall" else time.process_time


def page_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def initial_state(denormal, rng):
    """The kernel, Adam's moments and the gradient; blank rows are zero-gradient rows."""
    blank = int(SHAPE[0] * ARGS.blank)
    kernel = rng.normal(0, 0.05, SHAPE).astype("float32")
    gradient = rng.normal(0, 1e-2, SHAPE).astype("float32")
    gradient[:blank] = 0.0
    momentum = rng.normal(0, 1e-3, SHAPE).astype("float32")
    velocity = np.abs(rng.normal(0, 1e-4, SHAPE)).astype("float32")
    if denormal:
        # after some hundreds of zero-gradient steps without the flush
        signs = np.sign(rng.normal(size=(blank, SHAPE[1]))).astype("float32")
        momentum[:blank] = signs * rng.uniform(1e-41, 1e-38, (blank, SHAPE[1])).astype("float32")
        velocity[:blank] = rng.uniform(1e-42, 1e-39, (blank, SHAPE[1])).astype("float32")
    else:
        momentum[:blank] = 0.0
        velocity[:blank] = 0.0
    return kernel, gradient, momentum, velocity


def adam_runner(denormal):
    """A function ``run(flush)`` timing ``--steps`` Adam steps from the same start:
    returns (ms per step, page faults per step)."""
    kernel, gradient, momentum, velocity = initial_state(denormal, np.random.default_rng(0))
    variable = kerasette.Variable(kernel, name="kernel")
    optimizer = optimizers.Adam()
    optimizer.build([variable])
    optimizer.variables[0].assign(1000)  # a step well into training
    start_values = [v.value for v in optimizer.variables]
    start_values[2] = ops.convert_to_tensor(momentum)
    start_values[3] = ops.convert_to_tensor(velocity)
    grads = [ops.convert_to_tensor(gradient)]
    compiled = {}

    def run(flush):
        original = optimizer_module.flush_denormals
        if not flush:
            optimizer_module.flush_denormals = lambda x: x
        try:
            if flush not in compiled:  # a compiled step bakes the flush in (or not)
                compiled[flush] = ops.jit(optimizer.stateless_apply)
                compiled[flush](start_values, grads, [variable.value])
            step = compiled[flush]
            trainable, state = [variable.value], start_values
            faults, begin = page_faults(), CLOCK()
            for _ in range(ARGS.steps):
                trainable, state = step(state, grads, trainable)
            ops.convert_to_numpy(trainable[0])  # wait for asynchronous backends
            return ((CLOCK() - begin) / ARGS.steps * 1e3,
                    (page_faults() - faults) / ARGS.steps)
        finally:
            optimizer_module.flush_denormals = original
    return run


def time_adam():
    """{(denormal, flush): (ms, faults)}, the four configurations taking turns."""
    runners = {denormal: adam_runner(denormal) for denormal in (False, True)}
    configurations = [(d, f) for d in (False, True) for f in (False, True)]
    results = {c: [] for c in configurations}
    for repeat in range(ARGS.repeats + 1):
        for denormal, flush in configurations:
            result = runners[denormal](flush)
            if repeat:  # the first round warms up
                results[(denormal, flush)].append(result)
    return {c: min(r) for c, r in results.items()}


def time_flush_alone():
    slot = ops.convert_to_tensor(np.random.default_rng(0).normal(0, 1e-3, SHAPE).astype("float32"))
    flush = ops.jit(optimizer_module.flush_denormals)
    times = []
    for _ in range(ARGS.repeats + 1):
        begin = CLOCK()
        for _ in range(ARGS.steps):
            out = flush(slot)
        ops.convert_to_numpy(out)
        times.append((CLOCK() - begin) / ARGS.steps)
    return min(times[1:]) * 1e3


def main():
    with kerasette.backend.use(ARGS.backend):
        results = time_adam()
        flush_ms = time_flush_alone()
    print(f"Adam step on a {SHAPE[0]}x{SHAPE[1]} float32 kernel: backend {ARGS.backend}, "
          f"{ARGS.blank:.0%} blank rows, {ARGS.threads} thread(s), {ARGS.clock} clock, "
          f"{ARGS.allocator} allocator; best of {ARGS.repeats} x {ARGS.steps} steps")
    print()
    print(f"{'state':<17}{'flush off ms':>13}{'faults':>8}{'flush on ms':>13}{'faults':>8}"
          f"{'on / off':>10}")
    for denormal in (False, True):
        (off, off_faults), (on, on_faults) = results[(denormal, False)], results[(denormal, True)]
        label = "denormal-laden" if denormal else "normal"
        print(f"{label:<17}{off:>13.3f}{off_faults:>8.0f}{on:>13.3f}{on_faults:>8.0f}"
              f"{on / off:>10.2f}")
    off_ratio = results[(True, False)][0] / results[(False, False)][0]
    on_ratio = results[(True, True)][0] / results[(False, True)][0]
    print(f"{'denormal / normal':<17}{off_ratio:>13.2f}{'':>8}{on_ratio:>13.2f}")
    print()
    print(f"flush_denormals alone on one {SHAPE[0]}x{SHAPE[1]} slot: {flush_ms:.3f} ms "
          "(Adam flushes 2 slots per weight per step)")


if __name__ == "__main__":
    main()
