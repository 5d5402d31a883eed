"""Where a numpy training step's time goes, eager and replayed, per phase.

    python benchmarks/profile_steps.py [--workloads W1,W2,W3] [--steps N] [--out PATH]

For each workload (the networks of ``workloads.py``, the same Keras script as
``runner_keras_api.py``, on Fashion-MNIST when installed, else random pixels of its shape)
it trains twice on the numpy backend, alternating: ``run_eagerly=True`` (the engine op
by op, gradients from its tape) and the default compiled step (``jit``: recorded once,
replayed, see ``backends/autodiff/trace.py``). A step's time is split into phases:

- forward and loss: the model and the loss;
- backward: the tape's gradient;
- optimizer: ``optimizer.stateless_apply``;
- metrics: the loss tracker's update;
- rest: everything else, the trainer's loop (batches, the state in and out, callbacks)
  and, replayed, the schedule's own dispatch between its array calls.

Eager phases are timed around those calls; replayed phases are the summed times of the
schedule's steps recorded inside each call. The costliest replayed forwards are listed
per workload (``--ops``). Prints a Markdown table; ``--out`` also writes it to a file. Run it on
a quiet machine: it measures wall time.
"""

import argparse
import collections
import contextlib
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads  # noqa: E402
from runner_keras_api import build_model  # noqa: E402

PHASES = ("forward and loss", "backward", "optimizer", "metrics", "rest")


def _data(samples):
    import kerasette as keras
    try:
        (x, y), _ = keras.datasets.fashion_mnist.load_data()
        x = (x[:samples, :, :, None] / 255.0).astype("float32")
        return x, y[:samples].astype("int32"), "Fashion-MNIST"
    except (OSError, FileNotFoundError):
        rng = np.random.default_rng(0)
        return (rng.random((samples, 28, 28, 1), dtype=np.float32),
                rng.integers(0, 10, samples).astype("int32"), "random pixels")


class _Clock:
    """Wall time per phase: eagerly around the calls of each phase; in a replay, summed
    over the schedule's steps, each labelled with the phase it was recorded in."""

    def __init__(self):
        self.seconds = collections.Counter()
        self.ops = collections.Counter()
        self.phase = None

    @contextlib.contextmanager
    def timing(self, phase):
        outer, self.phase = self.phase, phase
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] += time.perf_counter() - start
            self.phase = outer


class _Timed:
    """A schedule step's forward, timed into the phase it was recorded in."""

    def __init__(self, forward, phase, clock):
        self.forward, self.phase, self.clock = forward, phase, clock
        self.name = getattr(forward, "__qualname__", None) or getattr(
            getattr(forward, "func", None), "__qualname__", repr(forward))

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        result = self.forward(*args, **kwargs)
        elapsed = time.perf_counter() - start
        self.clock.seconds["replayed " + self.phase] += elapsed
        self.clock.ops[self.name] += elapsed
        return result


@contextlib.contextmanager
def _instrumented(clock):
    """The trainer's phases timed by ``clock``; recordings label each step with its phase."""
    from kerasette.backends import tape_base
    from kerasette.optimizers import optimizer as optimizer_module
    from kerasette.trainers import trainer as trainer_module
    originals = []

    def wrap(owner, name, phase):
        original = getattr(owner, name)

        def wrapped(*args, **kwargs):
            with clock.timing(phase):
                return original(*args, **kwargs)
        setattr(owner, name, wrapped)
        originals.append((owner, name, original))

    wrap(trainer_module.Trainer, "_run_step", "step")
    wrap(tape_base.TapeBase, "gradient", "backward")
    wrap(optimizer_module.Optimizer, "stateless_apply", "optimizer")
    wrap(trainer_module.Trainer, "_update_metrics", "metrics")

    try:
        from kerasette.backends.autodiff import trace
    except ImportError:  # a version without replayed steps (--eager-only)
        trace = None
    if trace is None:
        try:
            yield
        finally:
            for owner, name, original in reversed(originals):
                setattr(owner, name, original)
        return
    record = trace.Recording.record

    def labelled(self, forward, *args):
        before = len(self.steps)
        record(self, forward, *args)
        if len(self.steps) > before:
            phase = clock.phase if clock.phase not in (None, "step") else PHASES[0]
            self.__dict__.setdefault("phases", []).append(phase)
    trace.Recording.record = labelled
    originals.append((trace.Recording, "record", record))

    schedule_init = trace.Schedule.__init__

    def init(self, recording, outputs):
        schedule_init(self, recording, outputs)
        phases = recording.__dict__.get("phases", [PHASES[0]] * len(self.steps))
        self.steps = tuple((_Timed(step[0], phase, clock),) + step[1:]
                           for step, phase in zip(self.steps, phases))
    trace.Schedule.__init__ = init
    originals.append((trace.Schedule, "__init__", schedule_init))
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)


def profile(workload, steps, x, y, eager):
    """``(ms per step, {phase: ms per step}, {op: ms per step})`` of one training run."""
    import kerasette as keras
    keras.utils.set_random_seed(0)
    model = build_model(keras, workload)
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  run_eagerly=eager)
    batch = workload.batch_size
    clock = _Clock()
    with _instrumented(clock):
        # warm-up (and, compiled, the recording and its check against an eager step)
        model.fit(x[: batch * 4], y[: batch * 4], batch_size=batch, epochs=1, verbose=0,
                  shuffle=False)
        clock.seconds.clear()
        clock.ops.clear()
        n = batch * steps
        start = time.perf_counter()
        model.fit(x[:n], y[:n], batch_size=batch, epochs=1, verbose=0, shuffle=False)
        total = (time.perf_counter() - start) / steps
    seconds = {k: v / steps for k, v in clock.seconds.items()}
    if eager:
        phases = {p: seconds.get(p, 0.0) for p in PHASES[1:4]}
        phases[PHASES[0]] = seconds.get("step", 0.0) - sum(phases.values())
    else:
        phases = {p: seconds.get("replayed " + p, 0.0) for p in PHASES[:4]}
    phases["rest"] = total - sum(phases.values())
    return total, phases, {k: v / steps for k, v in clock.ops.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="W1,W2,W3")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--ops", type=int, default=8, help="costliest replayed ops to list")
    parser.add_argument("--eager-only", action="store_true",
                        help="only the eager step (e.g. with an older version installed)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("KERASETTE_BACKEND", "numpy")
    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    x, y, source = _data(max(workloads.WORKLOADS[w].batch_size for w in names) * args.steps)
    lines = [f"Numpy backend, {source}, {args.steps} steps per run, ms per step (share of the "
             f"step); 1-minute load average at start {os.getloadavg()[0]:.2f}.", "",
             "| workload | step | " + " | ".join(PHASES) + " | total |",
             "|---|---|" + "---:|" * (len(PHASES) + 1)]
    op_lines = []
    for name in names:
        workload = workloads.WORKLOADS[name]
        runs = (("eager (run_eagerly=True)", True), ("replayed (default)", False))
        for label, eager in runs[:1] if args.eager_only else runs:
            total, phases, ops = profile(workload, args.steps, x, y, eager)
            cells = [f"{phases[p] * 1e3:.2f} ({phases[p] / total:.0%})" for p in PHASES]
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + f" | {total * 1e3:.2f} |")
        if args.eager_only:
            continue
        op_lines.append(f"\n{name}, replayed, the costliest ops (ms per step):\n")
        for op, seconds in sorted(ops.items(), key=lambda kv: -kv[1])[: args.ops]:
            op_lines.append(f"- `{op}`: {seconds * 1e3:.2f}")
    text = "\n".join(lines + op_lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
