"""The house rules of DESIGN.md, checked on the source: arrows point down only."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
BACKENDS = ROOT / "backends"


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno


def test_autodiff_core_never_imports_an_array_library():
    offenders = []
    for path in sorted((BACKENDS / "autodiff").rglob("*.py")):
        for module, line in imported_modules(path):
            if module.split(".")[0] in ("numpy", "cupy", "cupyx", "jax", "torch", "scipy"):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not offenders, "backends/autodiff must be handed xp, not import it:\n" + "\n".join(offenders)


def test_backends_never_import_the_public_api():
    offenders = []
    for path in sorted(BACKENDS.rglob("*.py")):
        for module, line in imported_modules(path):
            if module == "kerasette" or (module.startswith("kerasette.")
                                         and not module.startswith("kerasette.backends")):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not offenders, "backends/ must not import the public API:\n" + "\n".join(offenders)
