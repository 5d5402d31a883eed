"""The wheel must contain every package: pyproject.toml lists them (backends/ is remapped)."""

import os
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def packages_on_disk():
    found = set()
    for top, dotted in (("kerasette", "kerasette"), ("backends", "kerasette.backends")):
        for init in (ROOT / top).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / top)
            parts = [p for p in relative.parts]
            found.add(".".join([dotted] + parts))
    return found


def test_pyproject_lists_every_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    missing = sorted(packages_on_disk() - listed)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"
    stale = sorted(listed - packages_on_disk())
    assert not stale, f"pyproject.toml lists packages that do not exist: {stale}"


def core_dependencies():
    """The import names of the dependencies a plain ``pip install kerasette`` brings."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = {re.split(r"[ <>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("-", "_")
             for requirement in config["project"]["dependencies"]}
    return names


# Imports only the core dependencies may satisfy: everything else (jax, keras, scikit-learn, ...)
# raises ImportError, as on a machine where only `pip install kerasette` ran. Then every module
# of the API (the optional backends aside) is imported and a model is trained, saved and loaded.
CORE_ONLY_SCRIPT = r"""
import importlib, importlib.abc, pkgutil, sys, tempfile, os
allowed = set(sys.stdlib_module_names) | set(sys.argv[1].split(",")) | {"kerasette", "backends"}
class OnlyCore(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in allowed:
            raise ImportError(f"{name} is not a core dependency")
        return None
sys.meta_path.insert(0, OnlyCore())
import numpy as np
import kerasette
optional = ("kerasette.backends.jax", "kerasette.backends.cupy")
for module in pkgutil.walk_packages(kerasette.__path__, "kerasette."):
    if not module.name.startswith(optional):
        importlib.import_module(module.name)
model = kerasette.Sequential([kerasette.Input((3,)), kerasette.layers.Dense(2)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=1, verbose=0)
folder = tempfile.mkdtemp()
model.save(os.path.join(folder, "m.keras"))
model.save_weights(os.path.join(folder, "m.weights.h5"))
kerasette.models.load_model(os.path.join(folder, "m.keras")).load_weights(
    os.path.join(folder, "m.weights.h5"))
print("core ok")
"""


def test_the_core_install_imports_trains_and_saves_with_its_dependencies_alone():
    allowed = core_dependencies()
    result = subprocess.run([sys.executable, "-c", CORE_ONLY_SCRIPT, ",".join(sorted(allowed))],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "KERASETTE_BACKEND": "numpy"})
    assert result.returncode == 0 and "core ok" in result.stdout, result.stderr[-3000:]


def readme_commands():
    """The commands of the README's first two ``bash`` blocks: run the main job; run the tests."""
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return [block.strip() for block in blocks[:2]]


def test_ci_runs_the_readme_commands_exactly_in_a_fresh_environment():
    quick_start, test_suite = readme_commands()
    assert quick_start.startswith('pip install ".[examples]"'), quick_start
    assert test_suite.startswith("pip install") and "pytest" in test_suite, test_suite
    ci = (ROOT / ".ci" / "run").read_text()
    lines = [line.strip() for line in ci.splitlines()]
    for command in (quick_start, test_suite):
        assert command in lines, f".ci/run does not run the README's command {command!r} as written"
    assert "python3 -m venv" in ci and "--system-site-packages" not in ci, (
        ".ci/run must build its own new virtual environment, without the machine's packages")
    assert lines.index(quick_start) < lines.index(test_suite), (
        "the quick start must run before the test extra is installed (it needs only [examples])")
