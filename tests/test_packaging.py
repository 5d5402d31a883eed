"""The wheel must contain every package: pyproject.toml lists them (backends/ is remapped)."""

import pathlib
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
