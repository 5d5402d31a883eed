"""A catalogue of hostile and damaged model files, and of API misuse, with the exact error each
must give.

The loading contract: ``load_model``/``load_weights`` succeed or raise ``ValueError`` (a
malformed or corrupt file raises its subclass ``FileFormatError``; an unknown class, a Lambda
under safe_mode, a shape or dtype mismatch raise ValueError naming the thing), or
``FileNotFoundError`` for a missing path: never another type, never a hang, never a file
written outside a temporary folder, and a failed ``load_weights`` leaves the model's weights
as they were.

Every case starts from a valid model saved by kerasette (``env.keras`` and ``env.weights``),
builds its bad input, and performs one call. The table at the bottom states for each the
exception type and a fragment of its message; one test runs them all, and checks the weights
of ``env.model`` and the listings of ``tmp_path``, of the folders beside it, of the working
folder and of the temporary folder around the call. A case the loader still fails carries
``xfail`` with the reason (strict: it must be removed once fixed).

Also here: every HDF5 index structure of a weights file damaged in turn, and the short run
of the fuzz test (``fuzz_keras_files.py``, whose name pytest does not collect on its own).
"""

import copy
import dataclasses
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest

import kerasette
from kerasette.saving import saving_lib
from kerasette.utils.file_io import FileFormatError
from fuzz_keras_files import outcome_of
from fuzz_keras_files import test_mutated_files_load_or_fail_cleanly  # noqa: F401 - the short fuzz
from zip_crafting import Entry, raw_zip, rezip, zeros_deflate


# ------------------------------------------------------------------------------ inputs
def build_model(units=4, layers=2):
    """A small compiled Sequential: Input(8) -> Dense(units) -> ... -> Dense(2)."""
    stack = [kerasette.Input((8,))]
    stack += [kerasette.layers.Dense(units, activation="relu") for _ in range(layers - 1)]
    stack.append(kerasette.layers.Dense(2))
    model = kerasette.Sequential(stack)
    model.compile(optimizer="adam", loss="mse")
    return model


class Env:
    """The valid files a case starts from, and helpers that make bad ones from them."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.valid = tmp_path / "valid"
        self.valid.mkdir()
        self.model = build_model()
        x = np.random.default_rng(0).standard_normal((16, 8)).astype("float32")
        self.model.fit(x, x[:, :2], epochs=1, batch_size=8, verbose=0)  # optimizer state too
        self.keras = str(self.valid / "model.keras")
        self.weights = str(self.valid / "model.weights.h5")
        self.model.save(self.keras)
        self.model.save_weights(self.weights)
        # What the file holds differs from what the model holds when a load is attempted, so
        # a partial load would show.
        self.model.set_weights([w + 1.0 for w in self.model.get_weights()])
        self.before = [np.array(w, copy=True) for w in self.model.get_weights()]
        with zipfile.ZipFile(self.keras) as archive:
            self.members = {info.filename: archive.read(info) for info in archive.infolist()}
        self.config = json.loads(self.members["config.json"])

    def path(self, name):
        return str(self.tmp / name)

    def write(self, name, data):
        path = self.path(name)
        with open(path, "wb") as handle:
            handle.write(data)
        return path

    def keras_with(self, replace=None, add=None, drop=(), name="bad.keras"):
        """The valid .keras file with members replaced, added or dropped."""
        path = self.path(name)
        rezip(self.keras, path, replace=replace, add=add, drop=drop)
        return path

    def keras_with_config(self, mutate, name="bad.keras"):
        """The valid .keras file with ``mutate(config dict)`` applied to its config.json."""
        config = copy.deepcopy(self.config)
        mutate(config)
        return self.keras_with(replace={"config.json": json.dumps(config).encode()}, name=name)

    def weights_with(self, mutate, into_keras=False):
        """The valid weights file after ``mutate(h5py.File)``; as a .keras member if asked."""
        import h5py
        path = self.path("bad.weights.h5")
        shutil.copy(self.weights, path)
        with h5py.File(path, "r+") as store:
            mutate(store)
        if not into_keras:
            return path
        with open(path, "rb") as handle:
            data = handle.read()
        os.unlink(path)
        return self.keras_with(replace={"model.weights.h5": data})

    def load_weights(self, path):
        self.model.load_weights(path)


def datasets(store):
    """Every dataset path in an h5 file, sorted."""
    import h5py
    found = []
    store.visititems(lambda name, item: found.append(name) if isinstance(item, h5py.Dataset)
                     else None)
    return sorted(found)


def first_kernel(store):
    """The path of the first layer's kernel (``layers/dense/vars/0``)."""
    return next(p for p in datasets(store) if p.startswith("layers/") and p.endswith("vars/0"))


def replace_dataset(store, path, data, **kwargs):
    del store[path]
    store.create_dataset(path, data=data, **kwargs)


def layer_configs(config):
    """The layer configs of the saved Sequential, in order (its InputLayer included)."""
    return config["config"]["layers"]


def dense_config(config, index=0):
    return [c for c in layer_configs(config) if c["class_name"] == "Dense"][index]


def insert_layer(config, layer):
    layer_configs(config).insert(1, layer)


# ------------------------------------------------------------------ the hostile cases
def truncated_keras(env):
    data = open(env.keras, "rb").read()
    kerasette.models.load_model(env.write("cut.keras", data[: len(data) // 2]))


def flipped_weights_bytes(env):
    data = bytearray(open(env.keras, "rb").read())
    at = data.index(b"\x89HDF") + 2000
    data[at] ^= 0x5A
    kerasette.models.load_model(env.write("flipped.keras", bytes(data)))


def empty_keras(env):
    kerasette.models.load_model(env.write("empty.keras", b""))


def h5_named_keras(env):
    kerasette.models.load_model(env.write("h5.keras", open(env.weights, "rb").read()))


def config_names_os_system(env):
    def mutate(config):
        insert_layer(config, {"module": "os", "class_name": "system",
                              "config": {"command": f"touch {env.path('pwned')}"},
                              "registered_name": None})
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_names_subprocess_popen(env):
    def mutate(config):
        config.update({"module": "subprocess", "class_name": "Popen",
                       "config": {"args": ["touch", env.path("pwned")]},
                       "registered_name": "subprocess>Popen"})
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_names_builtins_eval(env):
    def mutate(config):
        dense_config(config)["config"]["activation"] = {
            "module": "builtins", "class_name": "eval",
            "config": {"source": "__import__('os').system('touch pwned')"},
            "registered_name": None}
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_unknown_class(env):
    def mutate(config):
        insert_layer(config, {"module": "keras.layers", "class_name": "NoSuchLayer",
                              "config": {"name": "ghost"}, "registered_name": None})
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_lambda_layer(env):
    def mutate(config):
        insert_layer(config, {
            "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "lambda", "function": {
                "class_name": "__lambda__",
                "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAADAAAA8wQAAAB8AFMAKQFOqQCpAdoBeHIB",
                           "defaults": None, "closure": None}}}})
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_not_an_object(env):
    kerasette.models.load_model(env.keras_with(replace={"config.json": b"[1, 2, 3]"}))


def config_deeply_nested(env):
    nested = b"[" * 200_000 + b"]" * 200_000
    kerasette.models.load_model(env.keras_with(replace={"config.json": nested}))


def config_deeply_nested_objects(env):
    # json parses 320 nested models, but building them recurses deeper than Python allows.
    # Run from a fresh thread, so that the depth pytest already uses does not count.
    head = '{"class_name": "Sequential", "config": {"layers": [' * 320
    body = head + '{"class_name": "Dense", "config": {"units": 2}}' + "]}}" * 320
    path = env.keras_with(replace={"config.json": body.encode()})
    # Python's default limit: other tests' libraries may have raised it in this process
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        in_fresh_thread(lambda: kerasette.models.load_model(path))
    finally:
        sys.setrecursionlimit(limit)


def in_fresh_thread(function):
    """Calls ``function`` in a new thread (at recursion depth 0) and re-raises its error."""
    errors = []

    def run():
        try:
            function()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            errors.append(error)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def config_nan_units(env):
    def mutate(config):
        dense_config(config)["config"]["units"] = float("nan")
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_huge_units(env):
    # A dense layer of 10**12 units would ask for terabytes before any weight is read.
    def mutate(config):
        dense_config(config)["config"]["units"] = 10**12
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_negative_units(env):
    def mutate(config):
        dense_config(config)["config"]["units"] = -3
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_layers_not_a_list(env):
    def mutate(config):
        config["config"]["layers"] = 5
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_class_name_not_a_string(env):
    def mutate(config):
        dense_config(config)["class_name"] = 123
    kerasette.models.load_model(env.keras_with_config(mutate))


def config_not_json(env):
    kerasette.models.load_model(env.keras_with(replace={"config.json": b"\xff\xfe{not json"}))


def config_missing(env):
    kerasette.models.load_model(env.keras_with(drop=("config.json",)))


def weights_member_missing(env):
    kerasette.models.load_model(env.keras_with(drop=("model.weights.h5",)))


def weights_member_garbage(env):
    kerasette.models.load_model(env.keras_with(replace={"model.weights.h5": b"\x00" * 4096}))


def extra_member(env):
    kerasette.models.load_model(env.keras_with(add={"payload.py": b"import os"}))


def traversal_member(env):
    data = raw_zip([Entry(name.encode(), body) for name, body in env.members.items()]
                   + [Entry(b"../../escaped.txt", b"owned")])
    kerasette.models.load_model(env.write("traversal.keras", data))


def zip_bomb(env):
    stream, crc = zeros_deflate(1 << 30)
    entries = [Entry(name.encode(), body) for name, body in env.members.items()
               if name != "model.weights.h5"]
    entries.append(Entry(b"model.weights.h5", stream, method=8, size=1 << 30, crc=crc))
    kerasette.models.load_model(env.write("bomb.keras", raw_zip(entries)))


def unknown_loss_in_compile_config(env):
    # As in Keras 3, a loss named by a string is resolved when training starts: the load
    # succeeds and the first fit says which name is unknown.
    def mutate(config):
        config["compile_config"]["loss"] = "no_such_loss"
    model = kerasette.models.load_model(env.keras_with_config(mutate))
    model.fit(np.zeros((4, 8), "float32"), np.zeros((4, 2), "float32"), verbose=0)


def unknown_optimizer_in_compile_config(env):
    def mutate(config):
        config["compile_config"]["optimizer"] = {"module": "keras.optimizers",
                                                 "class_name": "NoSuchOptimizer", "config": {},
                                                 "registered_name": None}
    kerasette.models.load_model(env.keras_with_config(mutate))


def keras_weights_wrong_shape(env):
    def mutate(store):
        kernel = first_kernel(store)
        replace_dataset(store, kernel, np.zeros((8, 5), "float32"))
    kerasette.models.load_model(env.weights_with(mutate, into_keras=True))


def unwritten(store, path, shape, **kwargs):
    """Replaces the dataset at ``path`` by one of ``shape`` that HDF5 declares but never
    stores (no chunk written): read, it would be all fill value."""
    del store[path]
    store.create_dataset(path, shape=shape, dtype="float32", **kwargs)


def keras_unwritten_dataset(env):
    # The right shape for Dense(units=4), but the kernel's data was never written.
    def mutate(store):
        unwritten(store, first_kernel(store), (8, 4), chunks=(2, 4))
    kerasette.models.load_model(env.weights_with(mutate, into_keras=True))


def keras_unwritten_compressed_dataset(env):
    # Compressed, two of its four chunks written: partly written all the same.
    def mutate(store):
        kernel = first_kernel(store)
        unwritten(store, kernel, (8, 4), chunks=(2, 4), compression="gzip")
        store[kernel][:4] = 1.0
    kerasette.models.load_model(env.weights_with(mutate, into_keras=True))


def weights_unwritten_dataset(env):
    def mutate(store):
        unwritten(store, first_kernel(store), (8, 4), chunks=(8, 4))
    env.load_weights(env.weights_with(mutate))


def weights_partly_written_dataset(env):
    # Of the kernel's 4 chunks, only the first holds data.
    def mutate(store):
        kernel = first_kernel(store)
        unwritten(store, kernel, (8, 4), chunks=(2, 4))
        store[kernel][:2] = 1.0
    env.load_weights(env.weights_with(mutate))


def weights_contiguous_never_written(env):
    # Contiguous storage is allocated at the first write: none came.
    def mutate(store):
        unwritten(store, first_kernel(store), (8, 4))
    env.load_weights(env.weights_with(mutate))


def load_model_fifo(env):
    os.mkfifo(env.path("fifo.keras"))  # opening it would wait for a writer forever
    kerasette.models.load_model(env.path("fifo.keras"))


def load_model_link_loop(env):
    os.symlink("loop.keras", env.path("loop.keras"))
    kerasette.models.load_model(env.path("loop.keras"))


def metadata_not_an_object(env):
    kerasette.models.load_model(env.keras_with(replace={"metadata.json": b'"3.15.1"'}))


def load_model_file_object(env):
    with open(env.keras, "rb") as handle:
        kerasette.models.load_model(handle)


def load_model_missing_path(env):
    kerasette.models.load_model(env.path("no-such.keras"))


def load_model_folder(env):
    os.mkdir(env.path("folder.keras"))
    kerasette.models.load_model(env.path("folder.keras"))


def load_model_wrong_extension(env):
    shutil.copy(env.keras, env.path("model.zip"))
    kerasette.models.load_model(env.path("model.zip"))


def unregistered_custom_class(env):
    class Scale(kerasette.layers.Layer):  # not registered, not passed in custom_objects
        def call(self, x):
            return x * 2.0

    model = kerasette.Sequential([kerasette.Input((8,)), Scale(), kerasette.layers.Dense(2)])
    path = env.path("custom.keras")
    model.save(path)
    kerasette.models.load_model(path)


# ------------------------------------------------------------------ load_weights cases
def weights_wrong_shape(env):
    def mutate(store):
        replace_dataset(store, first_kernel(store), np.zeros((8, 5), "float32"))
    env.load_weights(env.weights_with(mutate))


def weights_string_dtype(env):
    def mutate(store):
        import h5py
        kernel = first_kernel(store)
        replace_dataset(store, kernel, np.array([["x"] * 4] * 8, dtype=object),
                        dtype=h5py.string_dtype())
    env.load_weights(env.weights_with(mutate))


def weights_fixed_bytes_dtype(env):
    def mutate(store):
        replace_dataset(store, first_kernel(store), np.full((8, 4), b"abcd", dtype="S4"))
    env.load_weights(env.weights_with(mutate))


def weights_compound_dtype(env):
    def mutate(store):
        record = np.zeros((8, 4), dtype=[("a", "f4"), ("b", "i4")])
        replace_dataset(store, first_kernel(store), record)
    env.load_weights(env.weights_with(mutate))


def weights_complex_dtype(env):
    def mutate(store):
        replace_dataset(store, first_kernel(store), np.zeros((8, 4), "complex64"))
    env.load_weights(env.weights_with(mutate))


def weights_missing_group(env):
    def mutate(store):
        del store["layers/" + sorted(store["layers"].keys())[-1]]
    env.load_weights(env.weights_with(mutate))


def weights_missing_bias(env):
    def mutate(store):
        del store[first_kernel(store)[:-1] + "1"]
    env.load_weights(env.weights_with(mutate))


def weights_external_link(env):
    def mutate(store):
        import h5py
        kernel = first_kernel(store)
        del store[kernel]
        store[kernel] = h5py.ExternalLink("/etc/passwd", "/x")
    env.load_weights(env.weights_with(mutate))


def weights_soft_link_loop(env):
    def mutate(store):
        import h5py
        kernel = first_kernel(store)
        del store[kernel]
        store[kernel] = h5py.SoftLink("/" + kernel)
    env.load_weights(env.weights_with(mutate))


def weights_external_storage(env):
    def mutate(store):
        kernel = first_kernel(store)
        del store[kernel]
        store.create_dataset(kernel, shape=(8, 4), dtype="float32",
                             external=[(env.path("outside.bin"), 0, 8 * 4 * 4)])
    with open(env.path("outside.bin"), "wb") as handle:
        handle.write(np.ones((8, 4), "float32").tobytes())
    env.load_weights(env.weights_with(mutate))


def weights_huge_declared_shape(env):
    # A chunked dataset declaring 4 TB stores nothing: a reader that trusts it allocates.
    def mutate(store):
        kernel = first_kernel(store)
        del store[kernel]
        store.create_dataset(kernel, shape=(10**6, 10**6), dtype="float32", chunks=(1, 1024))
    env.load_weights(env.weights_with(mutate))


def weights_truncated(env):
    data = open(env.weights, "rb").read()
    env.load_weights(env.write("cut.weights.h5", data[: len(data) // 2]))


def weights_empty(env):
    env.load_weights(env.write("empty.weights.h5", b""))


def weights_that_are_a_zip(env):
    shutil.copy(env.keras, env.path("zip.weights.h5"))
    env.load_weights(env.path("zip.weights.h5"))


def weights_fifo(env):
    os.mkfifo(env.path("fifo.weights.h5"))
    env.load_weights(env.path("fifo.weights.h5"))


def weights_link_loop(env):
    os.symlink("loop.weights.h5", env.path("loop.weights.h5"))
    env.load_weights(env.path("loop.weights.h5"))


def weights_vars_is_a_dataset(env):
    def mutate(store):
        group = first_kernel(store)[: -len("/vars/0")]
        del store[group + "/vars"]
        store[group + "/vars"] = np.zeros(3, "float32")
    env.load_weights(env.weights_with(mutate))


def weights_nested_deep(env):
    def mutate(store):
        store.create_group("layers/" + "/".join(["x"] * 100) + "/vars")["0"] = np.zeros(1)
    env.load_weights(env.weights_with(mutate))


def weights_link_name_not_utf8(env):
    # The name "dropout"-like entry becomes bytes that are not UTF-8: h5py then lists that
    # name as bytes among the str names.
    data = open(env.weights, "rb").read()
    name = sorted(n for n in _h5_names(env.weights) if n.startswith("dense"))[-1]
    damaged = data.replace(name.encode() + b"\x00", b"\xff" + name.encode()[1:] + b"\x00")
    assert damaged != data
    env.load_weights(env.write("bad.weights.h5", damaged))


def _h5_names(path):
    import h5py
    with h5py.File(path, "r") as store:
        return list(store["layers"].keys())


def weights_file_object(env):
    with open(env.weights, "rb") as handle:
        env.load_weights(handle)


def weights_missing_path(env):
    env.load_weights(env.path("no-such.weights.h5"))


def weights_wrong_extension(env):
    shutil.copy(env.weights, env.path("model.h5x"))
    env.load_weights(env.path("model.h5x"))


def weights_into_other_architecture(env):
    other = build_model(units=5)
    other.save_weights(env.path("other.weights.h5"))
    env.load_weights(env.path("other.weights.h5"))


def weights_into_deeper_model(env):
    other = build_model(layers=3)
    other.save_weights(env.path("deeper.weights.h5"))
    env.load_weights(env.path("deeper.weights.h5"))


def weights_with_extra_variable(env):
    def mutate(store):
        kernel = first_kernel(store)
        store[kernel[:-1] + "2"] = np.zeros((4,), "float32")
    env.load_weights(env.weights_with(mutate))


# -------------------------------------------------------------------------- API misuse
def save_wrong_extension(env):
    env.model.save(env.path("model.h5x"))


def save_weights_wrong_extension(env):
    env.model.save_weights(env.path("model.h5"))


def save_weights_missing_folder(env):
    env.model.save_weights(env.path("missing/model.weights.h5"))


def save_without_overwrite(env):
    shutil.copy(env.keras, env.path("exists.keras"))
    env.model.save(env.path("exists.keras"), overwrite=False)


def save_weights_without_overwrite(env):
    shutil.copy(env.weights, env.path("exists.weights.h5"))
    env.model.save_weights(env.path("exists.weights.h5"), overwrite=False)


# -------------------------------------------------------------------------------- table
@dataclasses.dataclass
class Case:
    action: object
    error: type
    match: str
    xfail: str = ""  # the reason, while the loader still fails this case
    xfail_raises: type = Exception  # what it raises meanwhile
    seconds: int = 20  # longer is a hang

    @property
    def id(self):
        return self.action.__name__


CASES = [
    # damaged and disguised .keras files
    Case(truncated_keras, FileFormatError, "damaged or truncated zip"),
    Case(flipped_weights_bytes, FileFormatError, "model.weights.h5' is damaged.*CRC"),
    Case(empty_keras, FileFormatError, r"is empty \(0 bytes\)"),
    Case(h5_named_keras, FileFormatError, r"not a \.keras file.*\\x89HDF"),
    Case(config_not_an_object, FileFormatError, "config.json"),
    Case(config_deeply_nested, FileFormatError, "config.json"),
    Case(config_deeply_nested_objects, FileFormatError, "cannot be created: RecursionError"),
    Case(config_not_json, FileFormatError, "config.json"),
    Case(config_missing, FileFormatError, "config.json"),
    Case(weights_member_missing, FileFormatError, "model.weights.h5"),
    Case(weights_member_garbage, FileFormatError, "model.weights.h5.*(HDF5|signature)"),
    Case(extra_member, FileFormatError, "unexpected member 'payload.py'"),
    Case(traversal_member, FileFormatError, r"unsafe member name '\.\./\.\./escaped\.txt'"),
    Case(zip_bomb, FileFormatError, "zip bomb"),
    # configs that name code or nonsense
    Case(config_names_os_system, ValueError, "Unknown class 'system'.*'os'"),
    Case(config_names_subprocess_popen, ValueError, "Popen"),
    Case(config_names_builtins_eval, ValueError, "eval"),
    Case(config_unknown_class, ValueError, "Unknown class 'NoSuchLayer'"),
    Case(config_lambda_layer, ValueError, "Lambda.*safe_mode=False"),
    Case(config_nan_units, ValueError, "units"),
    Case(config_huge_units, FileFormatError, "holds only .* weight elements"),
    Case(config_negative_units, ValueError, "units"),
    Case(config_layers_not_a_list, ValueError, "Could not create Sequential"),
    Case(config_class_name_not_a_string, ValueError, "class_name"),
    Case(unknown_loss_in_compile_config, ValueError, "loss identifier 'no_such_loss'"),
    Case(unknown_optimizer_in_compile_config, ValueError, "NoSuchOptimizer"),
    Case(unregistered_custom_class, ValueError, "Unknown class 'Scale'.*custom_objects"),
    Case(keras_weights_wrong_shape, ValueError, r"\(8, 4\).*\(8, 5\)"),
    Case(metadata_not_an_object, FileFormatError, "metadata.json must hold a JSON object"),
    Case(load_model_file_object, ValueError, "not file objects"),
    Case(load_model_missing_path, FileNotFoundError, "no-such.keras"),
    Case(load_model_fifo, FileFormatError, "fifo.keras' is not a regular file"),
    Case(load_model_link_loop, FileFormatError, "loop.keras' cannot be read"),
    Case(load_model_folder, ValueError, "folder.keras"),
    Case(load_model_wrong_extension, ValueError, "model.zip"),
    # weights files
    Case(weights_wrong_shape, ValueError,
         r'\(layers/dense\): variable "kernel" \(#0\) has shape \(8, 4\).*\(8, 5\)'),
    Case(weights_string_dtype, ValueError, "never strings or objects"),
    Case(weights_fixed_bytes_dtype, ValueError, "never strings or objects"),
    Case(weights_compound_dtype, ValueError, "never strings or objects"),
    Case(weights_complex_dtype, ValueError, "complex64"),
    Case(weights_missing_group, ValueError, "dense_1"),
    Case(weights_missing_bias, ValueError, r"expects 2 variables.*holds 1"),
    Case(weights_with_extra_variable, ValueError, r"expects 2 variables.*holds 3"),
    Case(weights_external_link, FileFormatError, "ExternalLink"),
    Case(weights_soft_link_loop, FileFormatError, "SoftLink"),
    Case(weights_external_storage, FileFormatError, "external file"),
    Case(weights_huge_declared_shape, ValueError, r"\(8, 4\).*\(1000000, 1000000\)"),
    Case(keras_unwritten_dataset, FileFormatError,
         r"bad.keras/model.weights.h5: the dataset layers/dense/vars/0 declares 128 bytes but "
         r"stores 0 \(never or partly written\)"),
    Case(keras_unwritten_compressed_dataset, FileFormatError,
         r"layers/dense/vars/0 declares 128 bytes in 4 compressed chunks but stores 2 of them"),
    Case(weights_unwritten_dataset, FileFormatError,
         r"bad.weights.h5: the dataset layers/dense/vars/0 declares 128 bytes but stores 0 "
         r"\(never or partly written\)"),
    Case(weights_partly_written_dataset, FileFormatError,
         r"layers/dense/vars/0 declares 128 bytes but stores 32"),
    Case(weights_contiguous_never_written, FileFormatError,
         r"layers/dense/vars/0 declares 128 bytes but stores 0"),
    Case(weights_truncated, FileFormatError, "HDF5"),
    Case(weights_empty, FileFormatError, "empty|signature"),
    Case(weights_that_are_a_zip, FileFormatError, "signature|HDF5"),
    Case(weights_vars_is_a_dataset, FileFormatError, "expected a group"),
    Case(weights_nested_deep, FileFormatError, r"nested deeper than \d+ levels"),
    Case(weights_link_name_not_utf8, FileFormatError, "whose name is not text"),
    Case(weights_file_object, ValueError, "not file objects"),
    Case(weights_missing_path, FileNotFoundError, "no-such.weights.h5"),
    Case(weights_fifo, FileFormatError, "fifo.weights.h5' is not a regular file", seconds=5),
    Case(weights_link_loop, FileFormatError, "loop.weights.h5' cannot be read"),
    Case(weights_wrong_extension, ValueError, r"\.weights\.h5"),
    Case(weights_into_other_architecture, ValueError, r"\(8, 4\).*\(8, 5\)"),
    Case(weights_into_deeper_model, ValueError, "dense_2|3 layers|layers"),
    # misuse of the saving API
    Case(save_wrong_extension, ValueError, r"\.keras"),
    Case(save_weights_wrong_extension, ValueError, r"\.weights\.h5"),
    Case(save_weights_missing_folder, FileNotFoundError, "missing"),
    Case(save_without_overwrite, FileExistsError, "exists.keras"),
    Case(save_weights_without_overwrite, FileExistsError, "exists.weights.h5"),
]


def listing(folder, skip=()):
    """Every path under ``folder`` (names relative to it), except those under ``skip``."""
    found = set()
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
        found.update(os.path.relpath(os.path.join(root, n), folder) for n in dirs + files)
    return found


@pytest.fixture
def env(tmp_path):
    return Env(tmp_path)


def test_the_catalogue_is_large_and_unique():
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [
    pytest.param(case, id=case.id, marks=[pytest.mark.xfail(strict=True, reason=case.xfail,
                                               raises=case.xfail_raises)]
                 if case.xfail else []) for case in CASES])
def test_hostile_input_gives_the_documented_error(env, case, monkeypatch):
    work = env.tmp / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # a loader writing relative paths would write here
    scratch = env.tmp / "system-tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # ... and extracting, here
    outside = listing(os.path.dirname(env.tmp), skip={str(env.tmp)})
    written = []  # what appeared in tmp_path while the loader itself ran

    def watched(function):
        def wrapper(*args, **kwargs):
            before = listing(env.tmp)
            try:
                return function(*args, **kwargs)
            finally:
                written.extend(sorted(listing(env.tmp) - before))
        return wrapper
    for name in ("load_model", "load_weights_only"):
        monkeypatch.setattr(saving_lib, name, watched(getattr(saving_lib, name)))

    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(case.seconds)
    try:
        with pytest.raises(case.error, match=case.match) as raised:
            case.action(env)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

    # Nothing merely derived from ValueError leaked through (a JSONDecodeError, a
    # UnicodeDecodeError): the error is ValueError itself or a FileFormatError.
    if issubclass(case.error, ValueError):
        assert not outcome_of(raised.value).startswith("UNDOCUMENTED"), repr(raised.value)
    for got, expected in zip(env.model.get_weights(), env.before, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert os.listdir(work) == [] and os.listdir(scratch) == []
    assert not os.path.exists(env.path("pwned")) and not os.path.exists("pwned")
    assert listing(os.path.dirname(env.tmp), skip={str(env.tmp)}) == outside
    assert written == [], f"the loader wrote {written}"


def _hang(*_):
    raise AssertionError("the call did not finish in time (a hang)")


@pytest.mark.parametrize("container", [".keras", ".weights.h5"])
def test_truncation_anywhere_is_a_format_error(env, container):
    whole = open(env.keras if container == ".keras" else env.weights, "rb").read()
    cuts = sorted(set(range(0, len(whole), 61)) | {len(whole) - 1, len(whole) - 22, 8, 4, 1})
    for cut in cuts:
        path = env.write("cut" + container, whole[:cut])
        with pytest.raises(FileFormatError):
            if container == ".keras":
                kerasette.models.load_model(path)
            else:
                env.load_weights(path)
    for got, expected in zip(env.model.get_weights(), env.before, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert len(cuts) > 100


@pytest.mark.parametrize("signature", [b"TREE", b"SNOD", b"HEAP"])
@pytest.mark.parametrize("container", [".weights.h5", ".keras"])
def test_damaged_hdf5_structures_give_documented_errors(env, signature, container):
    # Each B-tree, symbol table node or local heap of the weights file is damaged in turn
    # (its 4-byte signature overwritten); HDF5 reads them only when a group is listed.
    weights = open(env.weights, "rb").read()
    undocumented = []
    offset = weights.find(signature)
    assert offset > 0
    while offset >= 0:
        damaged = weights[:offset] + b"XXXX" + weights[offset + 4:]
        if container == ".keras":
            path = env.keras_with(replace={"model.weights.h5": damaged})
            action = lambda: kerasette.models.load_model(path)  # noqa: E731
        else:
            path = env.write("damaged.weights.h5", damaged)
            action = lambda: env.load_weights(path)  # noqa: E731
        try:
            action()
        except Exception as error:  # noqa: BLE001 - classified below
            if outcome_of(error).startswith("UNDOCUMENTED"):
                undocumented.append(f"at {offset}: {type(error).__name__}: {error}")
            for got, expected in zip(env.model.get_weights(), env.before, strict=True):
                np.testing.assert_array_equal(got, expected)
        else:
            env.model.set_weights(env.before)  # a damaged spot HDF5 never reads
        offset = weights.find(signature, offset + 1)
    assert not undocumented, "\n".join(undocumented)


def test_a_small_file_cannot_make_the_loader_allocate_much(env):
    def mutate(config):
        dense_config(config)["config"]["units"] = 4_000_000
    path = env.keras_with_config(mutate)
    assert os.path.getsize(path) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="4000000"):
            kerasette.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"a {os.path.getsize(path)}-byte file made the loader " \
                              f"allocate {peak / 2**20:.0f} MiB"


_LOAD_UNDER_A_MEMORY_CAP = """
import json, resource, sys, time
import h5py, kerasette
from kerasette.saving import FileFormatError
def status(field):
    # bytes; VmHWM (peak resident) starts afresh at exec, unlike ru_maxrss, which keeps the
    # peak of the process that forked this one
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) * 1024 for line in lines if line.startswith(field))
# the address space so far, plus 1 GiB: a loader allocating what the file only declares
# dies of MemoryError here instead of filling the machine
size = status("VmSize:")
resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, resource.RLIM_INFINITY))
start = time.perf_counter()
try:
    kerasette.models.load_model(sys.argv[1])
    outcome = "loaded"
except FileFormatError as error:
    outcome = "FileFormatError: " + str(error)
except BaseException as error:
    outcome = type(error).__name__ + ": " + str(error)
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - start,
                  "peak_rss": status("VmHWM:")}))
"""


def _kernel_unwritten(store):
    # declares 4 TiB, stores nothing
    kernel = first_kernel(store)
    del store[kernel]
    store.create_dataset(kernel, shape=(2**40,), dtype="float32", chunks=(1024,))
    assert store[kernel].id.get_storage_size() == 0


def _kernel_compressed_to_nothing(store):
    # a whole (8, 2**23) kernel of zeros, every chunk written, compressed to 10 KiB (the
    # scale-offset filter keeps one bit of each zero, gzip squeezes those): legal, but it
    # stores about nothing
    kernel = first_kernel(store)
    del store[kernel]
    dataset = store.create_dataset(kernel, shape=(8, 2**23), dtype="float32",
                                   chunks=(1, 2**20), scaleoffset=0, compression="gzip")
    zeros = np.zeros(2**20, "float32")
    for row in range(8):
        for start in range(0, 2**23, 2**20):
            dataset[row, start:start + 2**20] = zeros
    assert dataset.id.get_num_chunks() == 64 and dataset.id.get_storage_size() < 2**16


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, sets RLIMIT_AS")
@pytest.mark.parametrize("kernel, units, expected", [
    (_kernel_unwritten, 2**26, "{path}/model.weights.h5: the dataset layers/dense/vars/0 "
                               "declares 4398046511104 bytes but stores 0"),
    (_kernel_compressed_to_nothing, 2**23,
     "'{path}': Layer \"{layer}\" asks for a weight \"kernel\" of shape (8, 8388608) "
     "(67108864 elements), but the file being loaded holds only "),
], ids=["unwritten", "compressed"])
def test_a_config_sized_by_what_the_file_declares_is_refused_fast_and_small(
        env, kernel, units, expected):
    # The file declares a kernel it does not store, so that the config may ask for a
    # Dense(units) with a kernel of GiBs: the budget must count what is stored.
    import subprocess
    weights = env.weights_with(kernel)
    config = copy.deepcopy(env.config)
    dense_config(config)["config"]["units"] = units
    path = env.keras_with(replace={"config.json": json.dumps(config).encode(),
                                   "model.weights.h5": open(weights, "rb").read()})
    assert os.path.getsize(path) < 200_000
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_UNDER_A_MEMORY_CAP, path], capture_output=True, text=True,
        timeout=120, env={**os.environ, "KERASETTE_BACKEND": "numpy", "OMP_NUM_THREADS": "1",
                          "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    layer = dense_config(config)["config"]["name"]
    assert report["outcome"].startswith(
        "FileFormatError: " + expected.format(path=path, layer=layer)), report
    assert report["seconds"] < 5, report
    assert report["peak_rss"] < 256 * 2**20, report  # about 90 MiB: Python, numpy, h5py


def test_the_valid_files_do_load(env):
    # The cases are meaningful only if the files they start from are good.
    model = kerasette.models.load_model(env.keras)
    env.model.load_weights(env.weights)
    for got, expected in zip(model.get_weights(), env.model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(env.model.get_weights()[0], env.before[0])
