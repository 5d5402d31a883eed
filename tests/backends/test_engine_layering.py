"""The engine's one specialization mechanism, checked on the source: ``backends/autodiff``
never asks which array module it runs on; a backend's fast paths are its override table."""

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
AUTODIFF = ROOT / "backends" / "autodiff"
ARRAY_MODULE = re.compile(r"(numpy|cupy|cupyx)(\..*)?")


def _docstrings(tree):
    """The ids of the string constants that are docstrings (prose may name numpy)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _is_array_module(node):
    """``xp``, ``F.xp``, ``self.xp``: the array module the engine is handed."""
    return (isinstance(node, ast.Name) and node.id == "xp") or (
        isinstance(node, ast.Attribute) and node.attr == "xp")


def _module_name_tests(path):
    """Where ``path`` names an array module in a string or reads the array module's name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and ARRAY_MODULE.fullmatch(node.value):
                yield node.lineno, f"the string {node.value!r}"
        elif (isinstance(node, ast.Attribute) and node.attr in ("__name__", "__module__",
                                                                "__spec__")
              and _is_array_module(node.value)):
            yield node.lineno, f"{ast.unparse(node)}"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "hasattr") and len(node.args) > 1
              and _is_array_module(node.args[0]) and isinstance(node.args[1], ast.Constant)
              and node.args[1].value in ("__name__", "__module__", "__spec__")):
            yield node.lineno, f"{ast.unparse(node)}"


def test_the_engine_never_asks_which_array_module_it_runs_on():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {what}"
                 for path in sorted(AUTODIFF.rglob("*.py"))
                 for line, what in _module_name_tests(path)]
    assert not offenders, (
        "backends/autodiff must not test which array module it runs on; put the "
        "module-specific path in that backend's override table (backends/numpy/fast_paths.py):\n"
        + "\n".join(offenders))


def test_the_engine_has_one_specialization_mechanism():
    # the override table given to the constructor; no method swapping after the fact and
    # no second path through subclass methods
    source = (AUTODIFF / "engine.py").read_text()
    for name in ("replace_op", "_abstract_names", "_defined_by_subclass"):
        assert name not in source, f"backends/autodiff/engine.py still has {name}"
