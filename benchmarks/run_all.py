"""The benchmark command: kerasette (numpy, jax), numpy by hand, PyTorch CPU and Keras 3 (JAX).

Runs every workload (see ``workloads.py``) on every runner, one after another in
this one run, each (workload, runner) in its own process with the same number of
threads; writes RESULTS.md (figures, ratios to PyTorch, the issue's targets,
machine and versions) and a bar chart next to it.

    python benchmarks/run_all.py                      # everything (some 25-40 minutes on 2 cores)
    python benchmarks/run_all.py --quick              # a small subset, a minute or so
    python benchmarks/run_all.py --workloads W1,W3 --runners kerasette-numpy,pytorch
    python benchmarks/run_all.py --epochs W1=4,W2=4 --out /tmp/RESULTS.md

A quiet machine, or no RESULTS.md: before each runner starts, the 1-minute load average
must be below ``--max-load`` (0.5); the command waits for it, polling, at most
``--max-wait`` seconds per runner (300; 0 with ``--quick``). The wait is real even on an
idle machine: a 2-thread runner leaves the 1-minute average near 2, which takes some 80 s
to fall below 0.5. A runner that still starts on a busy machine is *contended*: the run
completes and the report names it, but a file named RESULTS.md is never written from such
a run (the table goes to RESULTS.contended.md beside it and the exit status is 3); any other
``--out`` is written, with the contended note at its top.

Threads: every runner gets ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
``MKL_NUM_THREADS`` = ``--threads``, PyTorch ``torch.set_num_threads``, and the
process is pinned (CPU affinity) to ``--threads`` cores when the machine has
more: XLA sizes JAX's CPU thread pool from the affinity mask and has no flag
that caps its Eigen pool without making it single-threaded, so pinning is what
holds every runner to the same cores. The table's "CPU cores busy" row shows
what each runner really used.
"""

import argparse
import dataclasses
import datetime
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import report
import workloads

HERE = os.path.dirname(os.path.abspath(__file__))
#: the file name that only a quiet run may write (see the module's docstring)
QUIET_ONLY_NAME = "RESULTS.md"
#: seconds between two looks at the load average while waiting for a quiet machine
POLL_SECONDS = 5.0
#: exit statuses besides 0 (argparse's is 2)
RUNNER_FAILED, CONTENDED = 1, 3


@dataclasses.dataclass(frozen=True)
class Runner:
    """How to start one framework's runner process."""

    script: str
    arguments: tuple
    environment: tuple  # (name, value) pairs
    needs: tuple  # packages that must be importable


RUNNERS = {
    "kerasette-numpy": Runner("runner_keras_api.py", ("kerasette",),
                              (("KERASETTE_BACKEND", "numpy"),), ("kerasette",)),
    "numpy-by-hand": Runner("runner_numpy.py", (), (), ()),
    "kerasette-jax": Runner("runner_keras_api.py", ("kerasette",),
                            (("KERASETTE_BACKEND", "jax"), ("JAX_PLATFORMS", "cpu")),
                            ("kerasette", "jax")),
    "pytorch": Runner("runner_torch.py", (), (), ("torch",)),
    "keras-jax": Runner("runner_keras_api.py", ("keras",),
                        (("KERAS_BACKEND", "jax"), ("JAX_PLATFORMS", "cpu")), ("keras", "jax")),
}


def comma_list(text, allowed, what):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none given)'}; expected a comma-separated "
            f"list of {', '.join(allowed)}")
    return names


def parse_epochs(text):
    """``"3"`` (every workload) or ``"W1=5,W2=1"`` -> {workload: epochs}."""
    if text.isdigit():
        return {name: int(text) for name in workloads.WORKLOADS}
    epochs = {}
    for part in text.split(","):
        name, _, count = part.partition("=")
        if name.strip() not in workloads.WORKLOADS or not count.strip().isdigit():
            raise argparse.ArgumentTypeError(
                f"--epochs expects a number or NAME=N pairs like W1=5,W2=3; got {part!r}")
        epochs[name.strip()] = int(count)
    if any(n < 1 for n in epochs.values()):
        raise argparse.ArgumentTypeError(f"--epochs must be at least 1, got {text!r}")
    return epochs


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(workloads.WORKLOADS),
                        type=lambda t: comma_list(t, list(workloads.WORKLOADS), "workload"),
                        help="comma-separated (default: all)")
    parser.add_argument("--runners", default=",".join(RUNNERS),
                        type=lambda t: comma_list(t, list(RUNNERS), "runner"),
                        help="comma-separated (default: all)")
    parser.add_argument("--epochs", type=parse_epochs, default={},
                        help="N for every workload, or W1=5,W2=4 (default: "
                             + ", ".join(str(w.epochs) for w in workloads.WORKLOADS.values())
                             + f"; {workloads.QUICK_EPOCHS} with --quick); s/epoch is the median "
                             "of epochs 2..N")
    parser.add_argument("--quick", action="store_true",
                        help=f"the first {workloads.QUICK_SAMPLES[0]} training and "
                             f"{workloads.QUICK_SAMPLES[1]} test samples, "
                             f"{workloads.QUICK_EPOCHS} epochs, no waiting for a quiet machine, "
                             "written to RESULTS.quick.md (for tests)")
    parser.add_argument("--threads", type=int, default=2, help="threads (and cores) per runner")
    parser.add_argument("--max-load", type=float, default=0.5,
                        help="a runner starts once the 1-minute load average is below this "
                             "(default 0.5; 0 counts every runner as contended)")
    parser.add_argument("--max-wait", type=float, default=None,
                        help="seconds to wait for that before a runner starts contended "
                             "(default 300; 0 with --quick)")
    parser.add_argument("--out", default=None,
                        help="where to write the markdown (default benchmarks/RESULTS.md, "
                             "RESULTS.quick.md with --quick; the chart goes next to it, .png)")
    parser.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds one runner process may take")
    args = parser.parse_args(argv)
    if args.max_wait is None:
        args.max_wait = 0.0 if args.quick else 300.0
    if args.out is None:
        args.out = os.path.join(HERE, "RESULTS.quick.md" if args.quick else QUIET_ONLY_NAME)
    return args


def child_environment(runner, threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env.update(runner.environment)
    return env


def pinned_cores(threads):
    """The cores each runner is pinned to (the first ``threads`` allowed ones), or None when
    pinning is unavailable or would change nothing."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    return allowed[:threads] if len(allowed) > threads else None


def run_one(runner_name, workload, epochs, data_path, args):
    """Runs one (workload, runner) process; returns its result or ``{"error": text}``."""
    runner = RUNNERS[runner_name]
    command = [sys.executable, os.path.join(HERE, runner.script), *runner.arguments,
               workload.name, data_path, "--epochs", str(epochs)]
    if runner_name == "pytorch":
        command += ["--threads", str(args.threads)]
    cores = pinned_cores(args.threads)
    pin = (lambda: os.sched_setaffinity(0, cores)) if cores else None
    try:
        done = subprocess.run(command, env=child_environment(runner, args.threads), cwd=HERE,
                              capture_output=True, text=True, timeout=args.timeout,
                              preexec_fn=pin)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout:.0f} s: {shlex.join(command)}"}
    line = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")]
    if done.returncode or not line:
        return {"error": f"exit status {done.returncode}: {shlex.join(command)}\n"
                         f"{done.stderr[-3000:]}"}
    return json.loads(line[-1][len("RESULT "):])


def wait_for_quiet(max_load, max_wait, poll=POLL_SECONDS, load_average=lambda: os.getloadavg()[0],
                   clock=time.monotonic, sleep=time.sleep):
    """Waits, at most ``max_wait`` seconds, for the 1-minute load average to fall below
    ``max_load``; returns (the load average then, seconds waited, whether it is below)."""
    start = clock()
    while True:
        load, waited = load_average(), clock() - start
        if load < max_load or waited >= max_wait:
            return load, waited, load < max_load
        sleep(min(poll, max_wait - waited))


def contended_path(out):
    """Where the table of a contended run goes instead of ``out`` (RESULTS.md)."""
    root, extension = os.path.splitext(out)
    return root + ".contended" + extension


def missing_packages(runner_name):
    return [p for p in RUNNERS[runner_name].needs if importlib.util.find_spec(p) is None]


def git_commit():
    try:
        commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (commit + (" (with uncommitted changes)" if dirty else "")) if commit else "unknown"


def main(argv=None):
    args = parse_args(argv)
    chosen = [workloads.WORKLOADS[name] for name in args.workloads]
    epochs = {w.name: (workloads.QUICK_EPOCHS if args.quick else w.epochs) for w in chosen}
    epochs.update({k: v for k, v in args.epochs.items() if k in epochs})
    cores = pinned_cores(args.threads)
    info = report.machine_info(args.threads, f"cores {cores}" if cores else
                               f"all {os.cpu_count()} cores (no more than --threads {args.threads})")
    info.update(command=shlex.join(["python", "benchmarks/run_all.py", *(argv or sys.argv[1:])]),
                date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                quick=args.quick, commit=git_commit())
    runners = []
    for name in args.runners:
        missing = missing_packages(name)
        if missing:
            print(f"skipping {name}: {', '.join(missing)} not installed "
                  "(pip install -r benchmarks/requirements.txt)", file=sys.stderr)
        else:
            runners.append(name)
    began = time.perf_counter()
    results = {}
    quiet = {"max_load": args.max_load, "max_wait": args.max_wait, "waited_seconds": 0.0,
             "contended": []}
    with tempfile.TemporaryDirectory() as folder:
        data_path = os.path.join(folder, "fashion_mnist.npz")
        workloads.prepare_data(data_path, quick=args.quick)
        (x_train, _), (x_test, _) = workloads.load_prepared(data_path)
        info["samples"] = (f"Fashion-MNIST, {len(x_train):,} training and {len(x_test):,} test "
                           "samples" + (" (quick subset)" if args.quick else ""))
        for workload in chosen:
            for name in runners:
                print(f"[{workload.name} {name}]", file=sys.stderr, end=" ", flush=True)
                if args.max_wait > 0 and os.getloadavg()[0] >= args.max_load:
                    print(f"waiting for the 1-minute load average to fall below "
                          f"{args.max_load:.2f} (at most {args.max_wait:.0f} s) ...",
                          file=sys.stderr, end=" ", flush=True)
                load, waited, calm = wait_for_quiet(args.max_load, args.max_wait)
                quiet["waited_seconds"] += waited
                if not calm:
                    quiet["contended"].append((workload.name, name, load))
                print(f"load {load:.2f}" + (f" after {waited:.0f} s" if waited >= 1 else "")
                      + ("" if calm else " CONTENDED") + f"; {epochs[workload.name]} epochs ...",
                      file=sys.stderr, end=" ", flush=True)
                start = time.perf_counter()
                result = run_one(name, workload, epochs[workload.name], data_path, args)
                result.update(load_at_start=load, contended=not calm)
                results[(workload.name, name)] = result
                print(f"{'FAILED' if 'error' in result else 'done'} in "
                      f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
                if "error" in result:
                    print(result["error"][-1500:], file=sys.stderr, flush=True)
    info["load_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    info["wall_minutes"] = (time.perf_counter() - began) / 60
    out = os.path.abspath(args.out)
    refused = bool(quiet["contended"]) and os.path.basename(out) == QUIET_ONLY_NAME
    if refused:
        quiet["refused"] = out
        out = contended_path(out)
    info["quiet"] = quiet
    os.makedirs(os.path.dirname(out), exist_ok=True)
    chart_name = None
    if not args.no_chart:
        chart_path = os.path.splitext(out)[0] + ".png"
        info["chart_note"] = report.write_chart(chart_path, chosen, runners, results)
        if info["chart_note"] is None:
            chart_name = os.path.basename(chart_path)
    text = report.markdown(info, chosen, runners, epochs, results, chart_name)
    with open(out, "w") as f:
        f.write(text)
    print(text)
    print(f"written: {out}" + (f" and {chart_name}" if chart_name else ""), file=sys.stderr)
    if quiet["contended"]:
        print(f"contended: {len(quiet['contended'])} runner(s) started with the load average at "
              f"or above {args.max_load:.2f}: "
              + ", ".join(f"{w} {r} ({load:.2f})" for w, r, load in quiet["contended"])
              + (f"; {quiet['refused']} NOT written (only a quiet run may write it)"
                 if refused else ""), file=sys.stderr)
    if any("error" in r for r in results.values()):
        return RUNNER_FAILED
    return CONTENDED if refused else 0


if __name__ == "__main__":
    sys.exit(main())
