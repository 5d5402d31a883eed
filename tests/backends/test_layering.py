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


# ---------------------------------------------------------------------------- the API floors
API = ROOT / "kerasette"

#: DESIGN.md's floors of the public API, lowest first. A package may import its own floor and
#: the floors below it; an arrow that runs up a floor is an error, and so is a package that
#: is on no floor (put a new one where it belongs).
FLOORS = (
    ("backend", "backends", "ops", "random"),  # below the API: the engines and their switch
    ("utils", "serialization", "config", "version",  # helpers; get_config/from_config, registry
     "dtype_policies"),  # the dtypes layers compute in (read by layers, losses, the trainer)
    ("distribution",),  # device meshes and layouts; the trainer follows them
    ("initializers", "regularizers", "constraints", "activations"),
    ("losses", "metrics", "optimizers",
     "mixed_precision"),  # the public names of dtype_policies and the LossScaleOptimizer
    ("layers",),
    ("callbacks",),  # fit builds them; they reach the model only through `self.model`
    ("models", "trainers"),
    ("saving", "datasets", "testing"),  # files, data, and the gradient checks of any model
    ("__init__",),  # `import kerasette`: the whole API
)
FLOOR = {package: level for level, packages in enumerate(FLOORS) for package in packages}

#: Imports inside a function that reach up a floor, each where Keras 3's API puts a method on
#: a lower object: (file, function) -> the package it imports. A new one fails the test.
REACHES_UP = {
    ("kerasette/models/model.py", "Model.save"): "saving",
    ("kerasette/models/model.py", "Model.save_weights"): "saving",
    ("kerasette/models/model.py", "Model.load_weights"): "saving",
    # keras.models.load_model / save_model: the public path, resolved at first use
    ("kerasette/models/__init__.py", "__getattr__"): "saving",
    # Layer.load_own_variables(store) checks the store it is handed before reading it
    ("kerasette/layers/layer.py", "Layer._check_load_own_variables"): "saving",
    # a function rebuilt from a file sees the public API as its globals (`keras`, `ops`,
    # `layers`), as code written against Keras expects
    ("kerasette/utils/function_code.py", "loaded_function_globals"): "__init__",
}

#: Files that may compare a backend's name, and why.
NAMES_BACKENDS = {
    "kerasette/backend.py": "selects the backend by its name (KERASETTE_BACKEND, set_backend)",
    "kerasette/testing.py": 'check_gradients(reference="jax") names the reference it checks '
                            "the numpy engine against",
}


def _package_of(module):
    """The package of ``kerasette`` that ``module`` (a dotted name) lies in, "__init__" for
    ``kerasette`` itself, None outside kerasette."""
    parts = module.split(".")
    if parts[0] != "kerasette":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _api_files():
    for path in sorted(API.rglob("*.py")):
        relative = path.relative_to(ROOT)
        parts = path.relative_to(API).with_suffix("").parts
        yield path, str(relative), parts[0]


def api_imports(path):
    """``(package imported, line, function)`` for each import of kerasette in ``path``;
    ``function`` is the qualified name of the function holding it (None at module level,
    where it runs on import). ``if TYPE_CHECKING:`` blocks import nothing at run time."""
    found = []

    def add(module, names, line, function):
        if module == "kerasette" and names:
            # `from kerasette import ops` imports the package kerasette.ops; `from kerasette
            # import __version__` imports kerasette itself
            for name in names:
                is_package = (API / name).is_dir() or (API / f"{name}.py").is_file()
                found.append((name if is_package else "__init__", line, function))
        elif _package_of(module):
            found.append((_package_of(module), line, function))

    def visit(node, prefix, function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", function)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{prefix}{child.name}.", function or f"{prefix}{child.name}")
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                visit(ast.Module(body=child.orelse, type_ignores=[]), prefix, function)
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, None, child.lineno, function)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    raise AssertionError(f"{path}:{child.lineno}: use absolute imports")
                add(child.module, [alias.name for alias in child.names], child.lineno, function)
            else:
                visit(child, prefix, function)

    visit(ast.parse(path.read_text(), filename=str(path)), "", None)
    return found


def _api_edges():
    """``(file, package, package imported, line, function)`` between distinct packages."""
    for path, relative, package in _api_files():
        for imported, line, function in api_imports(path):
            if imported != package:
                yield relative, package, imported, line, function


def test_every_api_package_is_on_a_floor():
    packages = {package for _, _, package in _api_files()}
    assert packages <= set(FLOOR), (
        f"Packages on no floor: {sorted(packages - set(FLOOR))}; add them to FLOORS in "
        "tests/backends/test_layering.py (and DESIGN.md) where they belong.")


def test_no_import_cycle_among_api_packages():
    graph = {}
    for _, package, imported, _, function in _api_edges():
        if function is None:
            graph.setdefault(package, set()).add(imported)
    cycles = []
    state = {}  # package -> "visiting" or "done"

    def visit(package, trail):
        state[package] = "visiting"
        for imported in sorted(graph.get(package, ())):
            if state.get(imported) == "visiting":
                cycles.append(" -> ".join(trail[trail.index(imported):] + [imported]))
            elif imported not in state:
                visit(imported, trail + [imported])
        state[package] = "done"

    for package in sorted(graph):
        if package not in state:
            visit(package, [package])
    assert not cycles, "Import cycles among kerasette's packages (at import time):\n" + \
        "\n".join(cycles)


def test_module_level_imports_point_down_only():
    offenders = [f"{relative}:{line}: {package} (floor {FLOOR.get(package)}) imports "
                 f"{imported} (floor {FLOOR.get(imported)})"
                 for relative, package, imported, line, function in _api_edges()
                 if function is None and FLOOR.get(imported, 99) > FLOOR.get(package, -1)]
    assert not offenders, "Imports that run up a floor (see FLOORS):\n" + "\n".join(offenders)


def test_imports_in_functions_reach_up_only_where_keras_puts_a_method():
    found = {}
    for relative, package, imported, line, function in _api_edges():
        if function is not None and FLOOR.get(imported, 99) > FLOOR.get(package, -1):
            found.setdefault((relative, function), set()).add((imported, line))
    offenders = [f"{relative}:{line} in {function} imports {imported}"
                 for (relative, function), imports in sorted(found.items())
                 for imported, line in sorted(imports)
                 if REACHES_UP.get((relative, function)) != imported]
    assert not offenders, (
        "Imports inside functions that reach up a floor, not listed in REACHES_UP:\n"
        + "\n".join(offenders))
    stale = sorted(set(REACHES_UP) - set(found))
    assert not stale, f"REACHES_UP lists imports that no longer exist: {stale}"


def test_serialization_imports_nothing_above_ops_and_utils():
    allowed = {"backend", "backends", "ops", "utils", "serialization"}
    offenders = [f"{relative}:{line} imports kerasette.{imported}"
                 for path, relative, package in _api_files() if package == "serialization"
                 for imported, line, _ in api_imports(path) if imported not in allowed]
    assert any(package == "serialization" for _, _, package in _api_files())
    assert not offenders, "kerasette.serialization sits on the ground floor:\n" + \
        "\n".join(offenders)


def _names_a_backend(node):
    names = {"numpy", "cupy", "jax"}
    if isinstance(node, ast.Constant):
        return node.value in names
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_a_backend(element) for element in node.elts)
    return False


def test_no_api_file_compares_a_backend_name():
    offenders = []
    for path, relative, _ in _api_files():
        if relative in NAMES_BACKENDS:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Compare) and any(
                    _names_a_backend(operand) for operand in [node.left, *node.comparators]):
                offenders.append(f"{relative}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, (
        "The API asks the backend what it can do (a capability in backends/interface.py), "
        "never its name:\n" + "\n".join(offenders))


def test_weights_file_paths_ask_each_object_for_its_children():
    """Keras 3's paths of saved variables come from each object's ``_saveable_children()``
    (a model puts its ``layers`` first): the walk in saving tests no model class."""
    path = API / "saving" / "object_paths.py"
    named = sorted({imported for imported, _, _ in api_imports(path)} & {"models", "layers"})
    assert not named, f"saving/object_paths.py imports kerasette.{named}: ask the object instead"
