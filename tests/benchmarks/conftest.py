"""What the benchmark tests share: where benchmarks/ is, and importing its modules.

The files of ``benchmarks/`` are scripts that import each other as top-level modules
(``import workloads``), so a test imports them with that folder first on ``sys.path``.
"""

import importlib
import os

import pytest


@pytest.fixture(scope="session")
def benchmarks_folder():
    """The repository's benchmarks/ folder."""
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(os.path.dirname(tests), "benchmarks")


@pytest.fixture
def benchmark_module(monkeypatch, benchmarks_folder):
    """``benchmark_module("run_all")`` imports that module of benchmarks/."""
    monkeypatch.syspath_prepend(benchmarks_folder)
    return importlib.import_module
