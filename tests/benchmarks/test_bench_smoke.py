"""The benchmark command (benchmarks/run_all.py) in its quick mode, and its quiet-machine rule.

One run of ``run_all.py --quick --runners kerasette-numpy,numpy-by-hand`` (512 training
and 256 test images, 4 epochs of each workload; some 20-30 s) writes RESULTS.md; the tests
read it back and check its structure and that its figures agree with one another. It
passes a ``--max-load`` no machine reaches, so it never waits (the test machine is busy);
two tiny runs with ``--max-load 0 --max-wait 0`` take the contended path. Speed is never
asserted (DESIGN.md: speed is measured in benchmarks/, not in timed tests).
"""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import kerasette as keras

QUICK_TRAIN, QUICK_EPOCHS = 512, 4
STEADY = "median of epochs 2-4"
COLUMNS = ["kerasette numpy", "numpy by hand"]

FIGURES = {
    "W1": [f"s / epoch ({STEADY})", "s / epoch (1st epoch, with warm-up)",
           "test accuracy after 4 epochs", "predict samples / s (batch 1000)",
           "peak resident memory (MiB)", f"CPU cores busy (CPU s / wall s, {STEADY})",
           "1-min load average at start"],
    "W2": [f"s / epoch ({STEADY})", "s / epoch (1st epoch, with warm-up)",
           "test accuracy after 4 epochs", "predict samples / s (batch 1000)",
           "peak resident memory (MiB)", f"CPU cores busy (CPU s / wall s, {STEADY})",
           "1-min load average at start"],
    "W3": [f"s / epoch ({STEADY})", "s / epoch (1st epoch, with warm-up)",
           f"optimizer steps / s ({STEADY})", "peak resident memory (MiB)",
           f"CPU cores busy (CPU s / wall s, {STEADY})", "1-min load average at start"],
}


def needs_fashion_mnist():
    try:
        keras.datasets.fashion_mnist.load_data()
    except FileNotFoundError as error:
        pytest.skip(f"Fashion-MNIST is not installed: {error}")


def run_all(benchmarks_folder, *arguments, timeout=600):
    """``run_all.py`` with ``arguments``; the finished process."""
    return subprocess.run([sys.executable, os.path.join(benchmarks_folder, "run_all.py"),
                           *arguments], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, benchmarks_folder):
    """(exit status, stderr, RESULTS.md text, its folder) of one quick run."""
    needs_fashion_mnist()
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "RESULTS.md"
    done = run_all(benchmarks_folder, "--quick", "--runners", "kerasette-numpy,numpy-by-hand",
                   "--max-load", "100", "--out", str(out))
    text = out.read_text() if out.exists() else ""
    return done.returncode, done.stderr, text, folder


def section(text, title):
    """The lines of the markdown section ``## title``."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"RESULTS.md has no section '## {title}':\n{text}"
    return [line for line in match.group(1).splitlines() if line.strip()]


def table(lines):
    """Rows of the first markdown table in ``lines`` as lists of cells (header first)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in lines if line.startswith("|")]
    return [rows[0]] + rows[2:]  # without the |---| line


def number(cell):
    return float(cell.split(" ")[0].replace(",", ""))


def figure_values(text):
    """{(workload, figure, column title): cell} of the Figures table."""
    rows = table(section(text, "Figures"))
    return {(w.split(" ")[0], figure, column): cell
            for w, figure, *cells in rows[1:] for column, cell in zip(rows[0][2:], cells)}


def test_the_command_succeeds_and_writes_the_chart(quick_run):
    status, stderr, text, folder = quick_run
    assert status == 0, stderr[-3000:] + text
    assert "quick mode" in text
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "No chart: matplotlib is not installed" in text
    else:
        assert "![speed relative to PyTorch](RESULTS.png)" in text
        assert (folder / "RESULTS.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_table_has_every_row_and_the_by_hand_column_has_numbers(quick_run):
    _, _, text, _ = quick_run
    rows = table(section(text, "Figures"))
    assert rows[0] == ["workload", "figure", *COLUMNS]
    found = {}
    for workload_title, figure, *cells in rows[1:]:
        workload = workload_title.split(" ")[0]
        found.setdefault(workload, []).append(figure)
        for column, cell in zip(COLUMNS, cells):
            if figure == "1-min load average at start":
                assert re.fullmatch(r"\d+\.\d\d", cell), ("never contended below load 100", cell)
            else:
                assert number(cell) > 0, (workload, figure, column, cell)
            assert "x)" not in cell, "no ratio without a PyTorch column"
    assert found == FIGURES


def test_figures_agree_with_each_other(quick_run):
    _, _, text, _ = quick_run
    values = {key: number(cell) for key, cell in figure_values(text).items()}
    for column in COLUMNS:
        steps_per_second = values[("W3", f"optimizer steps / s ({STEADY})", column)]
        seconds = values[("W3", f"s / epoch ({STEADY})", column)]
        assert steps_per_second * seconds == pytest.approx(QUICK_TRAIN // 32, rel=0.01)
    for workload, column in [(w, c) for w in ("W1", "W2") for c in COLUMNS]:
        accuracy = values[(workload, "test accuracy after 4 epochs", column)]
        assert 0.25 < accuracy <= 1.0, f"{workload} {column} should learn well above chance (0.1)"
        busy = values[(workload, f"CPU cores busy (CPU s / wall s, {STEADY})", column)]
        assert busy <= 2.2, "--threads 2 must hold the runner to two cores"
    memory = [v for (_, figure, _), v in values.items() if figure == "peak resident memory (MiB)"]
    assert len(memory) == 6 and all(10 < m < 4000 for m in memory), memory


def test_targets_are_the_issues_and_say_what_could_not_be_judged(quick_run):
    _, _, text, _ = quick_run
    rows = table(section(text, "Targets (from the issue)"))
    assert rows[0] == ["target", "measured", "met"]
    assert len(rows) == 1 + 12
    verdicts = {row[0]: row[1:] for row in rows[1:]}
    assert verdicts["kerasette numpy W1 s / epoch at most 1.00x PyTorch CPU's"] == \
        ["-", "n/a (not run)"]
    assert verdicts["kerasette jax W3 steps / s at least 0.95x Keras 3 (JAX)'s"] == \
        ["-", "n/a (not run)"]
    assert verdicts["kerasette numpy W1 test accuracy at least 0.87 after 5 epochs"][1] == \
        "n/a (4 epochs, quick subset)"
    # the one target this run can judge: the engine against the loop written by hand
    measured, met = verdicts["kerasette numpy W1 s / epoch at most 1.10x numpy by hand's"]
    values = figure_values(text)
    ratio = (number(values[("W1", f"s / epoch ({STEADY})", "kerasette numpy")])
             / number(values[("W1", f"s / epoch ({STEADY})", "numpy by hand")]))
    assert number(measured.rstrip("x")) == pytest.approx(ratio, abs=0.01 + 0.01 * ratio)
    assert met == ("yes" if number(measured.rstrip("x")) <= 1.1 else "NO")


def test_machine_section_names_load_waits_and_versions(quick_run):
    _, _, text, _ = quick_run
    assert "Contended" not in text
    lines = "\n".join(section(text, "Machine"))
    triple = r"\d+\.\d\d, \d+\.\d\d, \d+\.\d\d"
    assert re.search(rf"load average \(1, 5, 15 min\) at start: {triple}, at end: {triple}", lines)
    assert re.search(r"- quiet machine: each runner started once the 1-minute load average was "
                     r"below 100\.00, waiting at most 0 s; waited 0 s in all; contended: none",
                     lines)
    assert re.search(r"- CPU: .+, \d+ logical cores", lines)
    assert re.search(r"- kerasette numpy: python 3\.\d+\.\d+, numpy \d+\.\d+", lines)
    assert re.search(r"- numpy by hand: python 3\.\d+\.\d+, numpy [\d.]+, blas ", lines)
    assert "512 training and 256 test samples (quick subset)" in lines


@pytest.mark.parametrize("name, refused", [("RESULTS.md", True), ("elsewhere.md", False)])
def test_a_contended_run_never_writes_results_md(tmp_path, benchmarks_folder, name, refused):
    needs_fashion_mnist()
    done = run_all(benchmarks_folder, "--quick", "--runners", "numpy-by-hand", "--workloads",
                   "W3", "--max-load", "0", "--max-wait", "0", "--no-chart",
                   "--out", str(tmp_path / name))
    written = tmp_path / ("RESULTS.contended.md" if refused else name)
    assert done.returncode == (3 if refused else 0), done.stderr[-3000:]
    assert sorted(os.listdir(tmp_path)) == [written.name]
    text = written.read_text()
    assert re.search(r"^\*\*Contended: W3 numpy by hand \(load \d+\.\d\d\) started with the "
                     r"1-minute load average still at or above 0\.00 after waiting up to 0 s",
                     text, re.M)
    assert ("not written to " + str(tmp_path / "RESULTS.md") in text) == refused
    assert ("NOT written (only a quiet run may write it)" in done.stderr) == refused
    assert "contended: W3 numpy by hand" in "\n".join(section(text, "Machine"))
    load_row = [row for row in table(section(text, "Figures"))
                if row[1] == "1-min load average at start"]
    assert re.fullmatch(r"\d+\.\d\d \(contended\)", load_row[0][2])


def test_waiting_for_a_quiet_machine(benchmark_module):
    run_all = benchmark_module("run_all")
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    def loads(*values):
        found = iter(values)
        return lambda: next(found)

    # it polls until the load falls below the bound, and says how long that took
    assert run_all.wait_for_quiet(0.5, 300, poll=5, load_average=loads(1.9, 0.8, 0.49),
                                  clock=lambda: now[0], sleep=sleep) == (0.49, 10.0, True)
    # it gives up at max_wait, its last sleep cut short, and says the machine is still busy
    now[0], slept[:] = 0.0, []
    assert run_all.wait_for_quiet(0.5, 12, poll=5, load_average=loads(*[2.0] * 9),
                                  clock=lambda: now[0], sleep=sleep) == (2.0, 12.0, False)
    assert slept == [5, 5, 2]
    # a quiet machine costs no wait at all; a bound of 0 is never met
    assert run_all.wait_for_quiet(0.5, 300, load_average=lambda: 0.1, clock=lambda: 0.0,
                                  sleep=sleep) == (0.1, 0.0, True)
    assert run_all.wait_for_quiet(0.0, 0, load_average=lambda: 0.0, clock=lambda: 0.0,
                                  sleep=sleep) == (0.0, 0.0, False)
    assert slept == [5, 5, 2], "neither slept"


def test_quick_runs_neither_wait_nor_write_the_committed_results(benchmark_module,
                                                                 benchmarks_folder):
    run_all = benchmark_module("run_all")
    full, quick = run_all.parse_args([]), run_all.parse_args(["--quick"])
    assert (full.out, full.max_wait, full.max_load) == \
        (os.path.join(benchmarks_folder, "RESULTS.md"), 300, 0.5)
    assert (quick.out, quick.max_wait) == (os.path.join(benchmarks_folder, "RESULTS.quick.md"), 0)
    assert run_all.contended_path("/a/RESULTS.md") == "/a/RESULTS.contended.md"


def test_peak_memory_is_the_runners_own(benchmarks_folder):
    """A runner started by a parent holding 300 MiB reports its own peak, not the parent's
    (``getrusage`` maxrss carries the parent's over ``exec`` on Linux)."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("VmHWM is Linux's; elsewhere the getrusage fallback is used")
    held = np.ones(300 * 2 ** 20 // 8)  # noqa: F841 (resident while the child starts)
    report_peak = "import workloads; print(workloads.peak_rss_mb())"
    done = subprocess.run([sys.executable, "-c", report_peak], capture_output=True, text=True,
                          cwd=benchmarks_folder, timeout=60,
                          preexec_fn=lambda: None)  # fork + exec, as run_all.py starts runners
    assert 10 < float(done.stdout) < 200, done.stdout + done.stderr


def test_the_pytorch_runner_reports_what_the_others_do(tmp_path, benchmark_module,
                                                       benchmarks_folder):
    pytest.importorskip("torch")
    needs_fashion_mnist()
    workloads = benchmark_module("workloads")
    data = tmp_path / "quick.npz"
    workloads.prepare_data(str(data), quick=True)
    done = subprocess.run([sys.executable, os.path.join(benchmarks_folder, "runner_torch.py"),
                           "W1", str(data), "--epochs", "4", "--threads", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert len(result["epoch_seconds"]) == len(result["epoch_cpu_seconds"]) == 4
    assert result["steps_per_epoch"] == QUICK_TRAIN // 128
    assert result["versions"]["torch_threads"] == 1
    assert 0.25 < result["accuracy"] <= 1.0 and result["predict_batch"] == 1000
    assert 0 < result["final_loss"] < np.log(10), "the last step's loss, below chance's"


@pytest.mark.parametrize("argument, message", [
    (["--runners", "kerasette-numpy,tensorflow"], "unknown runner tensorflow"),
    (["--workloads", "W9"], "unknown workload W9"),
    (["--epochs", "W1=x"], "--epochs expects a number or NAME=N pairs"),
])
def test_bad_options_are_refused_with_the_choices(benchmarks_folder, argument, message):
    done = run_all(benchmarks_folder, *argument, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
