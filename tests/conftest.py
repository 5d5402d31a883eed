"""Shared fixtures: the ``backend`` fixture every suite runs through, and the cross-check report.

``backend`` runs a test once per backend that can run here (numpy always; jax when
installed; cupy with CuPy and a GPU), with that backend active
(``kerasette.backend.use``). An unavailable backend is a visible skip with the reason.

Without a real CuPy, ``cupy`` is the CPU stand-in of ``tests/cupy_standin`` (see
``backend_availability.py``): numpy underneath, refusing what CuPy refuses and counting
every host read. It runs the cupy backend in the tests marked ``standin`` (the op table, the
layers, training steps); the rest skip cupy, as on a machine without a GPU.

The gradient cross-check suite records the worst relative error of each op and check
in ``cross_check_report``; the table is printed at the end of the session.
"""

import collections
import os

# XLA's compilation is most of what the JAX side of the suite costs (the reference programs,
# the jitted train steps, Keras): without LLVM's optimizations it compiles in about half the
# time, and the tests' small arrays run as fast. Set before JAX starts, in this process and
# in the subprocesses tests start; the compiled programs compute the same floats (no
# fast-math either way).
if "--xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                               + " --xla_backend_optimization_level=0").strip()

import pytest  # noqa: E402

# first: it puts the CuPy stand-in on sys.path where the real CuPy is missing
from backend_availability import unavailable

# No test downloads: a dataset missing from disk fails fast against a closed local port
# (tests that need real data skip on that error) instead of reaching the internet.
os.environ.setdefault("KERASETTE_DATASETS_MIRROR", "http://127.0.0.1:9/")

import kerasette  # noqa: E402

BACKENDS = ("numpy", "jax", "cupy")


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Each available backend in turn, active for the test; yields the backend object."""
    reason = unavailable(request.param, request.node.get_closest_marker("standin") is not None)
    if reason:
        pytest.skip(reason)
    with kerasette.backend.use(request.param) as active:
        yield active


@pytest.fixture(scope="session")
def keras():
    """The real Keras 3 package on its JAX backend, the reference for behaviour (skipped when
    it is not installed)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip(f"keras runs on {keras.backend.backend()}, the reference needs KERAS_BACKEND=jax")
    return keras


# ---------------------------------------------------------------------------- the report
class CrossCheckReport:
    """The worst error per (op, check) seen in this session, with the case that gave it."""

    def __init__(self):
        self.worst = collections.defaultdict(dict)  # op -> check -> (error, case id)

    def record(self, op, check, case_id, error):
        previous = self.worst[op].get(check)
        if previous is None or error > previous[0]:
            self.worst[op][check] = (float(error), case_id)

    def lines(self):
        checks = ["forward64", "forward32", "vjp64", "vjp32", "fd", "hvp", "hvp_fd"]
        out = ["worst relative error per op (numpy engine vs JAX, vs finite differences):",
               f"{'op':<34}" + "".join(f"{c:>11}" for c in checks) + "   worst case"]
        for op in sorted(self.worst):
            row = self.worst[op]
            cells = "".join(f"{row[c][0]:11.1e}" if c in row else f"{'-':>11}" for c in checks)
            worst_check = max(row, key=lambda c: row[c][0])
            out.append(f"{op:<34}{cells}   {row[worst_check][1]} ({worst_check})")
        return out


_REPORT = pytest.StashKey()


def pytest_configure(config):
    config.stash[_REPORT] = CrossCheckReport()
    config.addinivalue_line("markers", "standin: runs the cupy backend on the CPU stand-in "
                                       "(tests/cupy_standin) when CuPy is not installed")


@pytest.fixture(scope="session")
def cross_check_report(request):
    """The session's :class:`CrossCheckReport`."""
    return request.config.stash[_REPORT]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = config.stash.get(_REPORT, None)
    if report is None or not report.worst:
        return
    terminalreporter.section("gradient cross-check")
    for line in report.lines():
        terminalreporter.write_line(line)
