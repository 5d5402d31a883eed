"""The benchmark command (benchmarks/run_all.py) in its quick mode, on kerasette numpy only.

One run of ``run_all.py --quick --runners kerasette-numpy`` (512 training and 256 test
images, 2 epochs of each workload; some 10-20 s) writes RESULTS.md; the tests read it
back and check its structure and that its figures agree with one another. Speed is
never asserted (DESIGN.md: speed is measured in benchmarks/, not in timed tests).
"""

import os
import re
import subprocess
import sys

import pytest

import kerasette as keras

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCHMARKS = os.path.join(REPO, "benchmarks")
QUICK_TRAIN = 512

FIGURES = {
    "W1": ["s / epoch (2nd epoch)", "s / epoch (1st epoch, with warm-up)",
           "test accuracy after 2 epochs", "predict samples / s (batch 1000)",
           "peak resident memory (MiB)", "CPU cores busy (CPU s / wall s, 2nd epoch)"],
    "W2": ["s / epoch (2nd epoch)", "s / epoch (1st epoch, with warm-up)",
           "test accuracy after 2 epochs", "predict samples / s (batch 1000)",
           "peak resident memory (MiB)", "CPU cores busy (CPU s / wall s, 2nd epoch)"],
    "W3": ["s / epoch (2nd epoch)", "s / epoch (1st epoch, with warm-up)",
           "optimizer steps / s (2nd epoch)", "peak resident memory (MiB)",
           "CPU cores busy (CPU s / wall s, 2nd epoch)"],
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """(exit status, stderr, RESULTS.md text, its folder) of one quick run."""
    try:
        keras.datasets.fashion_mnist.load_data()
    except FileNotFoundError as error:
        pytest.skip(f"Fashion-MNIST is not installed: {error}")
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, os.path.join(BENCHMARKS, "run_all.py"), "--quick",
         "--runners", "kerasette-numpy", "--out", str(out)],
        capture_output=True, text=True, timeout=600)
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


def test_figures_table_has_every_row_and_one_column_per_runner(quick_run):
    _, _, text, _ = quick_run
    rows = table(section(text, "Figures"))
    assert rows[0] == ["workload", "figure", "kerasette numpy"]
    found = {}
    for workload_title, figure, cell in rows[1:]:
        found.setdefault(workload_title.split(" ")[0], []).append(figure)
        assert number(cell) > 0, (figure, cell)
        assert "x)" not in cell, "no ratio without a PyTorch column"
    assert found == FIGURES


def test_figures_agree_with_each_other(quick_run):
    _, _, text, _ = quick_run
    values = {(w.split(" ")[0], f): number(c) for w, f, c in table(section(text, "Figures"))[1:]}
    steps_per_epoch = QUICK_TRAIN // 32
    steps_per_second = values[("W3", "optimizer steps / s (2nd epoch)")]
    seconds = values[("W3", "s / epoch (2nd epoch)")]
    assert steps_per_second * seconds == pytest.approx(steps_per_epoch, rel=0.01)
    for workload in ("W1", "W2"):
        accuracy = values[(workload, "test accuracy after 2 epochs")]
        assert 0.25 < accuracy <= 1.0, f"{workload} should learn well above chance (0.1)"
        busy = values[(workload, "CPU cores busy (CPU s / wall s, 2nd epoch)")]
        assert busy <= 2.2, "--threads 2 must hold the runner to two cores"
    memory = {values[(w, "peak resident memory (MiB)")] for w in FIGURES}
    assert all(30 < m < 4000 for m in memory), memory


def test_targets_say_what_could_not_be_judged(quick_run):
    _, _, text, _ = quick_run
    rows = table(section(text, "Targets (from the issue)"))
    assert rows[0] == ["target", "measured", "met"]
    assert len(rows) == 1 + 8
    verdicts = {row[0]: row[2] for row in rows[1:]}
    assert verdicts["kerasette numpy W1 s / epoch at most 1.30x PyTorch CPU's"] == "n/a (not run)"
    assert verdicts["kerasette numpy W1 test accuracy at least 0.87 after 5 epochs"] == \
        "n/a (2 epochs, quick subset)"


def test_machine_section_names_load_and_versions(quick_run):
    _, _, text, _ = quick_run
    lines = "\n".join(section(text, "Machine"))
    triple = r"\d+\.\d\d, \d+\.\d\d, \d+\.\d\d"
    assert re.search(rf"load average \(1, 5, 15 min\) at start: {triple}, at end: {triple}", lines)
    assert re.search(r"- CPU: .+, \d+ logical cores", lines)
    assert re.search(r"- kerasette numpy: python 3\.\d+\.\d+, numpy \d+\.\d+", lines)
    assert "512 training and 256 test samples (quick subset)" in lines


@pytest.mark.parametrize("argument, message", [
    (["--runners", "kerasette-numpy,tensorflow"], "unknown runner tensorflow"),
    (["--workloads", "W9"], "unknown workload W9"),
    (["--epochs", "W1=x"], "--epochs expects a number or NAME=N pairs"),
])
def test_bad_options_are_refused_with_the_choices(argument, message):
    done = subprocess.run([sys.executable, os.path.join(BENCHMARKS, "run_all.py"), *argument],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
