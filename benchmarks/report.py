"""RESULTS.md and its bar chart, from the runners' results.

``results`` maps ``(workload name, runner name)`` to a runner's result dict (see
``runner_keras_api.run``, ``runner_torch.run``, ``runner_numpy.run``; ``run_all.py`` adds
``load_at_start`` and ``contended``) or to ``{"error": text}``. Every figure is printed with
its ratio to PyTorch's figure from the same run. The steady-state figures are medians over
epochs 2..N: one slow epoch (a burst of other work, a page-cache miss) moves a median of
three or more epochs far less than it moves a single epoch or a mean.
"""

import os
import platform
import statistics

#: runner name -> the column title
RUNNER_TITLES = {"kerasette-numpy": "kerasette numpy", "numpy-by-hand": "numpy by hand",
                 "kerasette-jax": "kerasette jax", "pytorch": "PyTorch CPU",
                 "keras-jax": "Keras 3 (JAX)"}
REFERENCE = "pytorch"


# ---------------------------------------------------------------------------- figures
def steady_epochs(values):
    """The epochs after the first (warm-up) one; the only one when a single epoch ran."""
    return values[1:] or values[:1]


def steady_seconds(result):
    """Median seconds of epochs 2..N: the steady state, warm-up excluded."""
    return statistics.median(steady_epochs(result["epoch_seconds"]))


def steps_per_second(result):
    """Optimizer steps per second in the median epoch after the first."""
    return result["steps_per_epoch"] / steady_seconds(result)


def cores_busy(result):
    """Process CPU seconds per wall second over epochs 2..N: the cores the runner kept busy."""
    return (sum(steady_epochs(result["epoch_cpu_seconds"]))
            / sum(steady_epochs(result["epoch_seconds"])))


def steady_label(epochs):
    """What the steady-state figures of a run of ``epochs`` epochs are taken over."""
    if epochs >= 3:
        return f"median of epochs 2-{epochs}"
    return "epoch 2" if epochs == 2 else "epoch 1 only, with warm-up"


def load_at_start(result):
    """The 1-minute load average when the runner started, marked when it started contended."""
    if "load_at_start" not in result:
        return None
    return f"{result['load_at_start']:.2f}" + (" (contended)" if result.get("contended") else "")


def figures(workload, epochs):
    """The table's rows for ``workload``: (label, function of a result or None, ratio shown)."""
    steady = steady_label(epochs)
    rows = [(f"s / epoch ({steady})", steady_seconds, True),
            ("s / epoch (1st epoch, with warm-up)", lambda r: r["epoch_seconds"][0], True)]
    if workload.name == "W3":
        rows.append((f"optimizer steps / s ({steady})", steps_per_second, True))
    if workload.evaluate:
        rows.append((f"test accuracy after {epochs} epochs", lambda r: r.get("accuracy"), False))
        rows.append(("predict samples / s (batch 1000)", lambda r: r.get("predict_samples_per_s"),
                     True))
    rows.append(("peak resident memory (MiB)", lambda r: r["peak_rss_mb"], True))
    rows.append((f"CPU cores busy (CPU s / wall s, {steady})", cores_busy, False))
    rows.append(("1-min load average at start", load_at_start, False))
    return rows


def _format(value):
    if value is None:
        return "-"
    if isinstance(value, str):  # already formatted by its row
        return value
    if value < 1:
        return f"{value:.4f}"
    if value < 100:
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _value(result, function):
    if result is None or "error" in result:
        return None
    try:
        return function(result)
    except (KeyError, IndexError, ZeroDivisionError):
        return None


def results_table(workloads, runners, epochs, results):
    """The markdown table: one row per (workload, figure), one column per runner."""
    titles = [RUNNER_TITLES.get(r, r) for r in runners]
    lines = ["| workload | figure | " + " | ".join(titles) + " |",
             "|---|---|" + "---:|" * len(runners)]
    for workload in workloads:
        for label, function, with_ratio in figures(workload, epochs[workload.name]):
            reference = _value(results.get((workload.name, REFERENCE)), function)
            cells = []
            for runner in runners:
                result = results.get((workload.name, runner))
                if result is not None and "error" in result:
                    cells.append("failed")
                    continue
                value = _value(result, function)
                cell = _format(value)
                if with_ratio and value is not None and reference and runner != REFERENCE:
                    cell += f" ({value / reference:.2f}x)"
                cells.append(cell)
            lines.append(f"| {workload.name} {workload.title} | {label} | " + " | ".join(cells) + " |")
    return lines


# ---------------------------------------------------------------------------- targets
#: the figures a target can compare, each a function of a result
TARGET_FIGURES = {"s / epoch": steady_seconds, "steps / s": steps_per_second,
                  "predict samples / s": lambda r: r.get("predict_samples_per_s"),
                  "peak resident memory": lambda r: r["peak_rss_mb"]}
#: (runner, workload, figure, compared with, kind, bound): issue 11's targets, each a ratio
#: to a peer measured in the same run
TARGETS = [
    ("kerasette-numpy", "W1", "s / epoch", "pytorch", "at most", 1.0),
    ("kerasette-numpy", "W1", "s / epoch", "numpy-by-hand", "at most", 1.1),
    ("kerasette-numpy", "W2", "s / epoch", "pytorch", "at most", 1.2),
    ("kerasette-numpy", "W3", "steps / s", "pytorch", "at least", 2.0),
    ("kerasette-numpy", "W1", "predict samples / s", "pytorch", "at least", 1.0),
    ("kerasette-numpy", "W2", "predict samples / s", "pytorch", "at least", 1.0),
    ("kerasette-numpy", "W2", "peak resident memory", "pytorch", "at most", 1.0),
    ("kerasette-jax", "W1", "s / epoch", "keras-jax", "at most", 1.05),
    ("kerasette-jax", "W2", "s / epoch", "keras-jax", "at most", 1.05),
    ("kerasette-jax", "W3", "steps / s", "keras-jax", "at least", 1 / 1.05),
]
#: (runner, workload, epochs, bound): speed must not come at the price of learning
ACCURACY_TARGETS = [("kerasette-numpy", "W1", 5, 0.87), ("kerasette-numpy", "W2", 4, 0.87)]


def targets_table(results, epochs, quick):
    """The issue's targets, each with the measured ratio or accuracy and whether it is met."""
    lines = ["| target | measured | met |", "|---|---:|---|"]
    for runner, workload, figure, peer, kind, bound in TARGETS:
        function = TARGET_FIGURES[figure]
        value = _value(results.get((workload, runner)), function)
        reference = _value(results.get((workload, peer)), function)
        text = (f"{RUNNER_TITLES[runner]} {workload} {figure} {kind} {bound:.2f}x "
                f"{RUNNER_TITLES[peer]}'s")
        if value is None or not reference:
            lines.append(f"| {text} | - | n/a (not run) |")
            continue
        ratio = value / reference
        met = ratio <= bound if kind == "at most" else ratio >= bound
        lines.append(f"| {text} | {ratio:.2f}x | {'yes' if met else 'NO'} |")
    for runner, workload, needed_epochs, bound in ACCURACY_TARGETS:
        value = _value(results.get((workload, runner)), lambda r: r.get("accuracy"))
        text = f"{RUNNER_TITLES[runner]} {workload} test accuracy at least {bound} after {needed_epochs} epochs"
        if value is None:
            lines.append(f"| {text} | - | n/a (not run) |")
        elif quick or epochs.get(workload) != needed_epochs:
            lines.append(f"| {text} | {value:.4f} | n/a ({epochs.get(workload)} epochs"
                         f"{', quick subset' if quick else ''}) |")
        else:
            lines.append(f"| {text} | {value:.4f} | {'yes' if value >= bound else 'NO'} |")
    return lines


# ---------------------------------------------------------------------------- machine
def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def versions_lines(results, runners):
    """One line per runner: the versions its process reported (the first workload that ran)."""
    lines = []
    for runner in runners:
        for (_, name), result in results.items():
            if name == runner and "versions" in result:
                found = ", ".join(f"{k} {v}" for k, v in result["versions"].items())
                lines.append(f"- {RUNNER_TITLES.get(runner, runner)}: {found}")
                break
    return lines


def markdown(info, workloads, runners, epochs, results, chart_name):
    """The whole RESULTS.md text."""
    failed = [(w, r, res["error"]) for (w, r), res in results.items() if "error" in res]
    lines = ["# kerasette benchmark results", "",
             f"Generated by `{info['command']}` on {info['date']}"
             + (" (**quick mode: a small subset, figures are not comparable**)" if info["quick"] else "")
             + ".", ""]
    lines += contended_note(info["quiet"])
    # the quiet rule holds at each runner's start; a load above the cores plus the runner's
    # own threads at the end means other work ran alongside the last runner
    end = float(info["load_end"].split(",")[0])
    if end >= (info["cores"] or 1) + 1:
        lines += [f"**Warning: the 1-minute load average was {end:.1f} at the end, on "
                  f"{info['cores']} cores: other work shared the CPU, so these figures are not "
                  "reliable; multi-threaded runners (PyTorch's OpenMP threads, BLAS) suffer "
                  "most, as their threads wait for each other. Re-run on a quiet machine.**", ""]
    lines += [
             "Fashion-MNIST (pixels / 255, float32), Adam 1e-3, softmax cross-entropy on logits, "
             "shuffled batches, no per-step metrics; each runner in its own process, one after "
             f"another, with {info['threads']} threads, each started once the 1-minute load "
             f"average was below {info['quiet']['max_load']:.2f} (see Machine). s / epoch and "
             "steps / s are medians over the epochs after the first. Ratios in brackets are to "
             "PyTorch CPU in this same run (seconds and memory: lower is better; per-second "
             "figures: higher is better). See benchmarks/README.md.", "",
             "## Machine", "",
             f"- CPU: {info['cpu']}, {info['cores']} logical cores; each runner pinned to "
             f"{info['cores_used']}",
             f"- memory: {info['memory']}; OS: {info['os']}",
             f"- load average (1, 5, 15 min) at start: {info['load_start']}, at end: {info['load_end']}",
             quiet_line(info["quiet"]),
             f"- kerasette commit: {info['commit']}",
             f"- data: {info['samples']}",
             f"- total wall time: {info['wall_minutes']:.1f} min", "",
             "Versions, as each runner's process reported them:", ""]
    lines += versions_lines(results, runners)
    lines += ["", "## Figures", ""]
    lines += results_table(workloads, runners, epochs, results)
    lines += ["", "## Targets (from the issue)", ""]
    lines += targets_table(results, epochs, info["quick"])
    if failed:
        lines += ["", "## Failures", ""]
        for workload, runner, error in failed:
            lines += [f"{workload} {RUNNER_TITLES.get(runner, runner)}:", "", "```",
                      error.strip()[-1500:], "```", ""]
    if chart_name:
        lines += ["", f"![speed relative to PyTorch]({chart_name})"]
    elif info.get("chart_note"):
        lines += ["", info["chart_note"]]
    return "\n".join(lines) + "\n"


def quiet_line(quiet):
    """The Machine section's line on the quiet-machine rule: its bounds and the time waited."""
    contended = ", ".join(f"{w} {RUNNER_TITLES.get(r, r)}" for w, r, _ in quiet["contended"])
    return (f"- quiet machine: each runner started once the 1-minute load average was below "
            f"{quiet['max_load']:.2f}, waiting at most {quiet['max_wait']:.0f} s; waited "
            f"{quiet['waited_seconds']:.0f} s in all; contended: {contended or 'none'}")


def contended_note(quiet):
    """The lines that open the file when a runner started on a busy machine (else none)."""
    if not quiet["contended"]:
        return []
    named = ", ".join(f"{w} {RUNNER_TITLES.get(r, r)} (load {load:.2f})"
                      for w, r, load in quiet["contended"])
    note = (f"**Contended: {named} started with the 1-minute load average still at or above "
            f"{quiet['max_load']:.2f} after waiting up to {quiet['max_wait']:.0f} s. Their "
            "figures are not reliable")
    if quiet.get("refused"):
        note += (f"; so this table is not written to {quiet['refused']}, which only a quiet "
                 "run may write")
    return [note + ". Re-run on a quiet machine.**", ""]


# ---------------------------------------------------------------------------- chart
def write_chart(path, workloads, runners, results):
    """A PNG: each runner's speed relative to PyTorch (left) and its peak memory (right).
    Returns None, or why no chart was written (matplotlib missing)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "No chart: matplotlib is not installed (pip install -r benchmarks/requirements.txt)."
    speed = []  # (label, function giving a "higher is faster" figure)
    for workload in workloads:
        speed.append((f"{workload.name} train", lambda r: 1.0 / steady_seconds(r), workload.name))
        if workload.evaluate:
            speed.append((f"{workload.name} predict", lambda r: r.get("predict_samples_per_s"),
                          workload.name))
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5),
                                         gridspec_kw={"width_ratios": [2, 1]})
    width = 0.8 / max(len(runners), 1)
    for i, runner in enumerate(runners):
        ratios, memory = [], []
        for label, function, workload in speed:
            value = _value(results.get((workload, runner)), function)
            reference = _value(results.get((workload, REFERENCE)), function)
            ratios.append(value / reference if value and reference else 0.0)
        for workload in workloads:
            memory.append(_value(results.get((workload.name, runner)),
                                 lambda r: r["peak_rss_mb"]) or 0.0)
        offset = (i - (len(runners) - 1) / 2) * width
        title = RUNNER_TITLES.get(runner, runner)
        left.bar([k + offset for k in range(len(speed))], ratios, width, label=title)
        right.bar([k + offset for k in range(len(workloads))], memory, width, label=title)
    left.axhline(1.0, color="black", linewidth=0.8)
    left.set_yscale("log")
    left.set_xticks(range(len(speed)), [label for label, _, _ in speed])
    left.set_ylabel("speed relative to PyTorch CPU (higher is faster)")
    left.set_title("Speed (same run, same threads)")
    left.legend(fontsize=8)
    right.set_xticks(range(len(workloads)), [w.name for w in workloads])
    right.set_ylabel("peak resident memory (MiB)")
    right.set_title("Memory of each runner's process")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return None


def machine_info(threads, cores_used):
    """What is known before the run: CPU, memory, OS and the load average now."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "memory": memory_total(),
            "os": platform.platform(), "threads": threads, "cores_used": cores_used,
            "load_start": ", ".join(f"{x:.2f}" for x in os.getloadavg())}
