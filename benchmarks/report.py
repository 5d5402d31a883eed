"""RESULTS.md and its bar chart, from the runners' results.

``results`` maps ``(workload name, runner name)`` to a runner's result dict (see
``runner_keras_api.run``/``runner_torch.run``) or to ``{"error": text}``. Every
figure is printed with its ratio to PyTorch's figure from the same run.
"""

import os
import platform

#: runner name -> the column title
RUNNER_TITLES = {"kerasette-numpy": "kerasette numpy", "kerasette-jax": "kerasette jax",
                 "pytorch": "PyTorch CPU", "keras-jax": "Keras 3 (JAX)"}
REFERENCE = "pytorch"


# ---------------------------------------------------------------------------- figures
def second_epoch_seconds(result):
    """Seconds of the second epoch (the first, if only one ran): warm-up excluded."""
    times = result["epoch_seconds"]
    return times[1] if len(times) > 1 else times[0]


def steps_per_second(result):
    return result["steps_per_epoch"] / second_epoch_seconds(result)


def cores_busy(result):
    """Process CPU seconds per wall second in the timed epoch: the cores the runner kept busy."""
    cpu = result["epoch_cpu_seconds"]
    return (cpu[1] if len(cpu) > 1 else cpu[0]) / second_epoch_seconds(result)


def figures(workload, epochs):
    """The table's rows for ``workload``: (label, function of a result or None, ratio shown)."""
    rows = [("s / epoch (2nd epoch)", second_epoch_seconds, True),
            ("s / epoch (1st epoch, with warm-up)", lambda r: r["epoch_seconds"][0], True)]
    if workload.name == "W3":
        rows.append(("optimizer steps / s (2nd epoch)", steps_per_second, True))
    if workload.evaluate:
        rows.append((f"test accuracy after {epochs} epochs", lambda r: r.get("accuracy"), False))
        rows.append(("predict samples / s (batch 1000)", lambda r: r.get("predict_samples_per_s"),
                     True))
    rows.append(("peak resident memory (MiB)", lambda r: r["peak_rss_mb"], True))
    rows.append(("CPU cores busy (CPU s / wall s, 2nd epoch)", cores_busy, False))
    return rows


def _format(value):
    if value is None:
        return "-"
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
#: (runner, workload, figure, compared with, kind, bound): the issue's targets
TARGETS = [
    ("kerasette-numpy", "W1", "s / epoch", "pytorch", "at most", 1.3),
    ("kerasette-numpy", "W2", "s / epoch", "pytorch", "at most", 1.5),
    ("kerasette-numpy", "W3", "steps / s", "pytorch", "at least", 1.0),
    ("kerasette-jax", "W1", "s / epoch", "keras-jax", "at most", 1.1),
    ("kerasette-jax", "W2", "s / epoch", "keras-jax", "at most", 1.1),
    ("kerasette-jax", "W3", "steps / s", "keras-jax", "at least", 1 / 1.1),
]
ACCURACY_TARGETS = [("kerasette-numpy", "W1", 5, 0.87), ("kerasette-numpy", "W2", 3, 0.87)]


def targets_table(results, epochs, quick):
    """The issue's targets, each with the measured ratio or accuracy and whether it is met."""
    lines = ["| target | measured | met |", "|---|---:|---|"]
    for runner, workload, figure, peer, kind, bound in TARGETS:
        function = second_epoch_seconds if figure == "s / epoch" else steps_per_second
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
    # at the end the runners' own threads count in the load: one more than the cores is others'
    start, end = (float(info[k].split(",")[0]) for k in ("load_start", "load_end"))
    cores = info["cores"] or 1
    if start >= cores or end >= cores + 1:
        busiest = max(start, end)
        lines += [f"**Warning: the 1-minute load average reached {busiest:.1f} on "
                  f"{info['cores']} cores: other work shared the CPU, so these figures are not "
                  "reliable; multi-threaded runners (PyTorch's OpenMP threads, BLAS) suffer "
                  "most, as their threads wait for each other. Re-run on a quiet machine.**", ""]
    lines += [
             "Fashion-MNIST (pixels / 255, float32), Adam 1e-3, softmax cross-entropy on logits, "
             "shuffled batches; each runner in its own process, one after another, with "
             f"{info['threads']} threads. Ratios in brackets are to PyTorch CPU in this same run "
             "(seconds and memory: lower is better; per-second figures: higher is better). "
             "See benchmarks/README.md.", "",
             "## Machine", "",
             f"- CPU: {info['cpu']}, {info['cores']} logical cores; each runner pinned to "
             f"{info['cores_used']}",
             f"- memory: {info['memory']}; OS: {info['os']}",
             f"- load average (1, 5, 15 min) at start: {info['load_start']}, at end: {info['load_end']}",
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
        speed.append((f"{workload.name} train", lambda r: 1.0 / second_epoch_seconds(r), workload.name))
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
