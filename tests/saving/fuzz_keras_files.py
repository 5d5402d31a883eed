"""Fuzzing the loaders: mutated ``.keras`` and ``.weights.h5`` files load or fail as documented.

Valid files of three kinds are made once (a compiled and trained Sequential with Dense,
BatchNormalization and Dropout; a two-input Functional with Conv2D, MaxPooling2D, Flatten
and Concatenate; the Sequential's ``.weights.h5``), then mutated by hypothesis:

- blindly, on the file's bytes: flips, truncation, insertion, deletion, overwriting;
- inside one archive member, re-zipped with honest CRCs, so the damage gets past the zip
  layer and reaches the JSON and HDF5 parsers;
- by structure: a value, key or entry of ``config.json`` or ``metadata.json`` replaced,
  deleted, renamed or added (JSON values of every type, including NaN, huge numbers and
  the names of real classes); a dataset, group or link of the weights file replaced
  (other shapes and dtypes), deleted, added or turned into a link; members dropped,
  duplicated or added.

Every outcome must be one the contract documents: the load succeeds, or raises
``ValueError`` itself or ``FileFormatError``, within the time limit, with a failed
``load_weights`` leaving the model's weights as they were and nothing written to the
working folder. A subclass of ValueError that only happens to be one (a
``json.JSONDecodeError``, a ``UnicodeDecodeError``) is a leak, not a documented error.

Two ways to run it:

- in the suite, a short run (``test_mutated_files_load_or_fail_cleanly``, 200 examples,
  collected through ``test_hostile_files.py``);
- as a command: ``python tests/saving/fuzz_keras_files.py --count 10000`` tries that
  many mutated files, prints a table of outcomes and exits non-zero if any is
  undocumented (``--keep DIR`` keeps those files).
"""

import argparse
import collections
import contextlib
import copy
import io
import json
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
import zipfile

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import kerasette
from kerasette.utils.file_io import FileFormatError
from zip_crafting import zip_bytes

MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
SECONDS_PER_LOAD = 30  # longer is a hang
EXTRA_MEMORY = 2 * 2**30  # a load may use this much more address space before MemoryError


# ----------------------------------------------------------------------------- outcomes
def outcome_of(error):
    """The outcome's name: "succeeded", a documented error's name, or "UNDOCUMENTED ..."."""
    if error is None:
        return "succeeded"
    if isinstance(error, FileFormatError):
        return "FileFormatError"
    if type(error) is ValueError:
        return "ValueError"
    return f"UNDOCUMENTED {type(error).__module__}.{type(error).__qualname__}"


class Hang(Exception):
    """A load ran past :data:`SECONDS_PER_LOAD`."""


@contextlib.contextmanager
def time_limit(seconds):
    def expire(*_):
        raise Hang(f"the load did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def memory_limit(extra):
    """Caps the address space at its current size plus ``extra`` bytes, so that a file
    asking for terabytes fails at once (MemoryError) instead of swapping the machine."""
    with open("/proc/self/statm") as handle:
        current = int(handle.read().split()[0]) * resource.getpagesize()
    previous = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + extra
    if previous[1] != resource.RLIM_INFINITY:
        limit = min(limit, previous[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, previous)


# -------------------------------------------------------------------------- valid files
def sequential_model():
    layers = kerasette.layers
    model = kerasette.Sequential([kerasette.Input((6,)), layers.Dense(5, activation="relu"),
                                  layers.BatchNormalization(), layers.Dropout(0.1),
                                  layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def functional_model():
    layers = kerasette.layers
    image, side = kerasette.Input((5, 5, 1)), kerasette.Input((3,))
    x = layers.Flatten()(layers.MaxPooling2D()(layers.Conv2D(2, 3, activation="relu")(image)))
    x = layers.Concatenate()([x, side])
    model = kerasette.Model([image, side], layers.Dense(2)(x))
    model.compile(optimizer="sgd", loss="mse")
    return model


class Bases:
    """The valid files, their bytes and members, and the model weights are loaded into."""

    def __init__(self, folder):
        os.makedirs(folder)
        rng = np.random.default_rng(0)
        sequential = sequential_model()
        sequential.fit(rng.standard_normal((8, 6)).astype("float32"), np.arange(8) % 3,
                       epochs=1, batch_size=4, verbose=0)
        functional = functional_model()
        functional.fit([rng.standard_normal((4, 5, 5, 1)).astype("float32"),
                        rng.standard_normal((4, 3)).astype("float32")],
                       rng.standard_normal((4, 2)).astype("float32"), verbose=0)
        paths = {"sequential.keras": os.path.join(folder, "sequential.keras"),
                 "functional.keras": os.path.join(folder, "functional.keras"),
                 "sequential.weights.h5": os.path.join(folder, "sequential.weights.h5")}
        sequential.save(paths["sequential.keras"])
        functional.save(paths["functional.keras"])
        sequential.save_weights(paths["sequential.weights.h5"])
        self.data = {name: open(path, "rb").read() for name, path in paths.items()}
        self.members = {}
        for name in ("sequential.keras", "functional.keras"):
            with zipfile.ZipFile(io.BytesIO(self.data[name])) as archive:
                self.members[name] = {n: archive.read(n) for n in archive.namelist()}
        self.members["sequential.weights.h5"] = {"model.weights.h5":
                                                 self.data["sequential.weights.h5"]}
        self.target = sequential_model()  # load_weights goes into this one
        self.target.build((None, 6))
        self.target.set_weights([w + 0.5 for w in sequential.get_weights()])


# -------------------------------------------------------------------------- mutations
CLASS_NAMES = ["Dense", "Lambda", "Sequential", "Functional", "Model", "InputLayer", "Conv2D",
               "BatchNormalization", "Adam", "SGD", "MeanSquaredError", "__keras_tensor__",
               "__lambda__", "__tuple__", "__numpy__", "system", "eval", "Popen", "Layer"]
KEYS = ["class_name", "config", "module", "registered_name", "layers", "units", "activation",
        "name", "dtype", "batch_shape", "build_config", "input_shape", "compile_config",
        "optimizer", "loss", "metrics", "inbound_nodes", "input_layers", "output_layers",
        "args", "kwargs", "shape", "keras_history", "trainable", "function", "filters",
        "kernel_size", "strides", "padding", "pool_size", "axis", "rate", "learning_rate",
        "keras_version", "use_bias", "kernel_initializer", "seed", "value"]
STRINGS = CLASS_NAMES + KEYS + ["keras.layers", "keras.models", "keras", "os", "builtins",
                                "relu", "float64", "int8", "string", "glorot_uniform", "same",
                                "valid", "channels_first", "", "\x00", "../x", "é" * 3]
INTEGERS = st.one_of(st.integers(-3, 12), st.sampled_from(
    [-1, 0, 2**31, 2**63, 2**64 + 1, -2**63, 10**6, 10**12, 10**100]))
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([float("nan"), float("inf"), -0.0, 1e308, 0.5]))
SCALARS = st.one_of(st.none(), st.booleans(), INTEGERS, FLOATS, st.sampled_from(STRINGS),
                    st.text(max_size=12))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6),
                                               children, max_size=4)),
    max_leaves=8)


def json_paths(value, prefix=()):
    """Every path (a tuple of keys and indices) in a JSON value, the root first."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from json_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_paths(item, prefix + (index,))


def at(value, path):
    for step in path:
        value = value[step]
    return value


@st.composite
def json_mutation(draw, document):
    """``document`` (parsed JSON) with one value, key or entry changed; and what changed."""
    document = copy.deepcopy(document)
    paths = list(json_paths(document))
    path = paths[draw(st.integers(0, len(paths) - 1))]
    operation = draw(st.sampled_from(["replace", "replace", "delete", "rename", "add",
                                      "wrap", "duplicate"]))
    if not path:
        operation = "replace"
    new = draw(JSON_VALUES)
    if operation == "replace":
        if not path:
            return new, f"config replaced by {new!r:.60}"
        at(document, path[:-1])[path[-1]] = new
    elif operation == "delete":
        del at(document, path[:-1])[path[-1]]
    elif operation == "rename":
        parent = at(document, path[:-1])
        if isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS) | st.text(max_size=6))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = new
    elif operation == "add":
        target = at(document, path)
        if isinstance(target, dict):
            target[draw(st.sampled_from(KEYS))] = new
        elif isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), new)
        else:
            at(document, path[:-1])[path[-1]] = [target, new]
    elif operation == "wrap":
        at(document, path[:-1])[path[-1]] = [at(document, path)]
    elif operation == "duplicate":
        parent = at(document, path[:-1])
        if isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = [parent[path[-1]], parent[path[-1]]]
    where = "/".join(map(str, path))
    return document, f"{operation} at {where or '<root>'} ({new!r:.40})"


@st.composite
def byte_mutation(draw, data):
    """``data`` with its bytes flipped, cut, inserted, deleted or overwritten."""
    size = len(data)
    position = draw(st.integers(0, max(size - 1, 0)))
    operation = draw(st.sampled_from(["flip", "flip", "truncate", "insert", "delete",
                                      "overwrite"]))
    if operation == "flip":
        data = bytearray(data)
        flips = draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(1, 255)),
                              min_size=1, max_size=8))
        for at_, mask in flips:
            data[at_] ^= mask
        return bytes(data), f"flip {len(flips)} bytes near {flips[0][0]}"
    if operation == "truncate":
        return data[:position], f"truncate at {position}"
    if operation == "insert":
        extra = draw(st.binary(min_size=1, max_size=64))
        return data[:position] + extra + data[position:], f"insert {len(extra)} at {position}"
    length = draw(st.integers(1, 256))
    if operation == "delete":
        return data[:position] + data[position + length:], f"delete {length} at {position}"
    noise = draw(st.binary(min_size=length, max_size=length))
    return data[:position] + noise + data[position + length:], f"overwrite {length} at {position}"


@st.composite
def h5_mutation(draw, data):
    """The weights file ``data`` with a dataset, group or link changed (through h5py)."""
    import h5py
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "r+") as store:
        found = []
        store.visititems(lambda name, item: found.append(
            (name, isinstance(item, h5py.Dataset))))
        datasets = [name for name, is_dataset in found if is_dataset]
        groups = [name for name, is_dataset in found if not is_dataset] or ["/"]
        operation = draw(st.sampled_from(["reshape", "retype", "values", "delete", "delete group",
                                          "add", "soft link", "external link", "attribute"]))
        name = draw(st.sampled_from(datasets)) if datasets else None
        if name is None or operation == "add":
            group = draw(st.sampled_from(groups))
            key = draw(st.sampled_from(["0", "1", "2", "9", "vars", "x"]))
            with contextlib.suppress(ValueError, KeyError, TypeError):
                store[group].create_dataset(key, data=np.zeros(draw(st.integers(0, 5))))
            description = f"add {group}/{key}"
        elif operation == "reshape":
            shape = tuple(draw(st.lists(st.integers(0, 9), max_size=3)))
            dtype = store[name].dtype
            del store[name]
            store.create_dataset(name, data=np.ones(shape, dtype))
            description = f"reshape {name} to {shape}"
        elif operation == "retype":
            shape = store[name].shape
            dtype = draw(st.sampled_from(["f2", "f8", "i1", "u8", "?", "c8", "S3", "str",
                                          "compound"]))
            del store[name]
            if dtype == "str":
                store.create_dataset(name, data=np.full(shape, "x", dtype=object),
                                     dtype=h5py.string_dtype())
            elif dtype == "compound":
                store.create_dataset(name, data=np.zeros(shape, [("a", "f4"), ("b", "i2")]))
            else:
                store.create_dataset(name, data=np.ones(shape, dtype))
            description = f"retype {name} to {dtype}"
        elif operation == "values":
            if store[name].dtype.kind == "f":
                value = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e30]))
            else:
                value = draw(st.sampled_from([0, 1, -1, 127]))
            with contextlib.suppress(OverflowError, ValueError):  # -1 into an unsigned one
                store[name][...] = value
            description = f"fill {name} with {value}"
        elif operation == "delete":
            del store[name]
            description = f"delete {name}"
        elif operation == "delete group":
            group = draw(st.sampled_from(groups))
            if group != "/":
                del store[group]
            description = f"delete group {group}"
        elif operation == "soft link":
            del store[name]
            store[name] = h5py.SoftLink("/" + draw(st.sampled_from(datasets + groups)))
            description = f"soft link at {name}"
        elif operation == "external link":
            del store[name]
            store[name] = h5py.ExternalLink("/etc/passwd", "/")
            description = f"external link at {name}"
        else:
            group = draw(st.sampled_from(groups))
            store[group].attrs["name"] = draw(st.sampled_from(["", "x" * 300, "dense"]))
            description = f"attribute on {group}"
    return buffer.getvalue(), description


@st.composite
def mutated_file(draw, bases):
    """``(base name, mutated bytes, description)`` from one of the valid files."""
    base = draw(st.sampled_from(sorted(bases.data)))
    is_archive = base.endswith(".keras")
    layers = ["bytes", "member bytes", "h5"] + (["json", "json", "zip"] if is_archive else [])
    layer = draw(st.sampled_from(layers))
    if layer == "bytes":
        data, description = draw(byte_mutation(bases.data[base]))
        return base, data, description
    members = dict(bases.members[base])
    if layer == "zip":
        operation = draw(st.sampled_from(["drop", "duplicate", "add", "reorder"]))
        name = draw(st.sampled_from(sorted(members)))
        entries = list(members.items())
        if operation == "drop":
            entries = [(n, d) for n, d in entries if n != name]
        elif operation == "duplicate":
            entries.append((name, draw(st.sampled_from([members[name], b"{}", b""]))))
        elif operation == "add":
            name = draw(st.sampled_from(["assets/x", "assets/", "model.weights.npz", "x.json",
                                         "config.json/", "../x"]))
            entries.append((name, b"{}"))
        else:
            entries.reverse()
        return base, zip_bytes(entries), f"zip: {operation} {name}"
    if layer == "json":
        name = draw(st.sampled_from(["config.json", "config.json", "metadata.json"]))
        document, description = draw(json_mutation(json.loads(members[name])))
        members[name] = json.dumps(document, allow_nan=True).encode()
        description = f"{name}: {description}"
    elif layer == "h5":
        members["model.weights.h5"], description = draw(h5_mutation(members["model.weights.h5"]))
    else:
        name = draw(st.sampled_from(sorted(members)))
        members[name], description = draw(byte_mutation(members[name]))
        description = f"{name}: {description}"
    if not is_archive:
        return base, members["model.weights.h5"], description
    return base, zip_bytes(list(members.items())), description


# ------------------------------------------------------------------------------ loading
def load(bases, base, path):
    """Loads ``path`` as ``base`` is loaded; returns the error (None on success)."""
    try:
        with time_limit(SECONDS_PER_LOAD), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skipped optimizer state and the like
            if base.endswith(".keras"):
                kerasette.models.load_model(path)
            else:
                before = [np.array(w) for w in bases.target.get_weights()]
                try:
                    bases.target.load_weights(path)
                except BaseException:
                    for got, expected in zip(bases.target.get_weights(), before, strict=True):
                        if not np.array_equal(got, expected, equal_nan=True):
                            raise AssertionError("a failed load_weights changed the weights")
                    raise
                bases.target.set_weights(before)  # the next example starts from the same state
    except Exception as error:  # noqa: BLE001 - classified by the caller
        return error
    return None


class Fuzzer:
    """Writes each mutated file to a scratch folder (also the working folder) and loads it,
    counting outcomes."""

    def __init__(self, folder, keep=None):
        self.folder = folder
        self.bases = Bases(os.path.join(folder, "bases"))
        self.scratch = os.path.join(folder, "scratch")
        os.makedirs(self.scratch)
        self.keep = keep
        self.outcomes = collections.Counter()
        self.examples = collections.defaultdict(list)

    def try_one(self, base, data, description):
        """Loads one mutated file; returns ``(outcome name, error or None)``."""
        path = os.path.join(self.scratch, "fuzzed" + base[base.index("."):])
        with open(path, "wb") as handle:
            handle.write(data)
        with memory_limit(EXTRA_MEMORY):
            error = load(self.bases, base, path)
        outcome = outcome_of(error)
        os.unlink(path)
        leftovers = os.listdir(self.scratch)
        if leftovers:
            outcome = f"UNDOCUMENTED files written: {leftovers}"
            for name in leftovers:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.scratch, name))
        self.outcomes[outcome] += 1
        if outcome.startswith("UNDOCUMENTED") and len(self.examples[outcome]) < 3:
            detail = "".join(traceback.format_exception(error)[-3:]) if error else ""
            self.examples[outcome].append(f"{base}: {description}\n{detail}")
            if self.keep:
                os.makedirs(self.keep, exist_ok=True)
                kept = os.path.join(self.keep, f"{sum(self.outcomes.values())}-{base}")
                with open(kept, "wb") as handle:
                    handle.write(data)
        return outcome, error


@contextlib.contextmanager
def fuzzer_in_scratch(keep=None):
    """A :class:`Fuzzer` whose scratch folder is also the working folder, removed after."""
    previous = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="kerasette-fuzz-") as folder:
        fuzzer = Fuzzer(folder, keep=keep)
        os.chdir(fuzzer.scratch)
        try:
            yield fuzzer
        finally:
            os.chdir(previous)


# ------------------------------------------------------------------------- in the suite
_SUITE = {}


def _suite_fuzzer():
    if "fuzzer" not in _SUITE:
        _SUITE["folder"] = tempfile.TemporaryDirectory(prefix="kerasette-fuzz-")
        _SUITE["fuzzer"] = Fuzzer(_SUITE["folder"].name)
    return _SUITE["fuzzer"]


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_mutated_files_load_or_fail_cleanly(data):
    fuzzer = _suite_fuzzer()
    base, content, description = data.draw(mutated_file(fuzzer.bases), label="mutation")
    previous = os.getcwd()
    os.chdir(fuzzer.scratch)
    try:
        outcome, error = fuzzer.try_one(base, content, description)
    finally:
        os.chdir(previous)
    if outcome.startswith("UNDOCUMENTED"):
        raise AssertionError(f"{base} ({description}): {outcome}") from error


# ------------------------------------------------------------------------- the command
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="mutated files to try")
    parser.add_argument("--keep", help="a folder to keep the files with undocumented outcomes")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with fuzzer_in_scratch(keep=os.path.abspath(args.keep) if args.keep else None) as fuzzer:

        @settings(max_examples=min(args.count, 2000), deadline=None, database=None,
                  phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def run(data):
            base, content, description = data.draw(mutated_file(fuzzer.bases))
            fuzzer.try_one(base, content, description)

        while sum(fuzzer.outcomes.values()) < args.count:
            run()
            done = sum(fuzzer.outcomes.values())
            print(f"  {done} files, {time.perf_counter() - start:.0f} s", file=sys.stderr)
        outcomes, examples = fuzzer.outcomes, fuzzer.examples
    total = sum(outcomes.values())
    print(f"{total} mutated files in {time.perf_counter() - start:.0f} s")
    print(f"{'outcome':<60}{'files':>8}{'share':>8}")
    for outcome, count in outcomes.most_common():
        print(f"{outcome:<60.60}{count:>8}{count / total:>8.1%}")
    undocumented = {o: c for o, c in outcomes.items() if o.startswith("UNDOCUMENTED")}
    for outcome in undocumented:
        print(f"\n{outcome}: for example")
        for example in examples[outcome]:
            print("  " + example.replace("\n", "\n  "))
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
