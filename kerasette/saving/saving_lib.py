"""``.keras`` archives and ``.weights.h5`` files in Keras 3's format, written and read.

A ``.keras`` file is a zip archive of three members (and assets), as Keras 3 writes it:

- ``metadata.json``: ``{"keras_version", "date_saved"}`` (plus ``"kerasette_version"``);
- ``config.json``: the model's config (:func:`~kerasette.saving.serialize_keras_object`),
  with its ``build_config`` (the input shape it was built for) and ``compile_config``
  (what ``compile`` was given);
- ``model.weights.h5``: every layer's and the optimizer's variables at Keras 3's paths
  (:mod:`kerasette.saving.object_paths`, :mod:`kerasette.saving.weights_store`);
- ``assets/<path>/...``: files a layer writes with ``save_assets`` (the vocabulary a
  ``StringLookup`` learned by ``adapt``), read back with ``load_assets``.

Saving builds each file in memory and writes it through
:func:`~kerasette.utils.file_io.atomic_write` (a crash or a full disk leaves the
previous file whole); loading reads the archive in memory through
:func:`~kerasette.utils.file_io.read_archive` and writes nothing to disk (but a file's
assets, handed to their layers in a temporary directory). Loading
weights is all or nothing: every object's variables are checked against the file
(number, shapes, dtypes) and read before the first one is assigned, and the
model's previous values are put back if an object's own ``load_own_variables``
fails half-way.
"""

import contextlib
import datetime
import json
import os
import tempfile
import warnings
import zipfile

from kerasette.layers.layer import Layer
from kerasette.models.model import Model
from kerasette.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerasette.optimizers.optimizer import Optimizer
from kerasette.saving.object_paths import describe, saveable_paths
from kerasette.saving.weights_store import H5Reader, WriteStore, check_variables, h5_bytes
from kerasette.serialization import weight_budget
from kerasette.serialization.object_registration import custom_object_scope, scoped_custom_objects
from kerasette.serialization.serialization_lib import (_shapes_to_json, deserialize_keras_object,
                                                       serialize_keras_object)
from kerasette.utils.file_io import (FileFormatError, atomic_write, check_regular_file,
                                     read_archive)
from kerasette.version import __version__

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
#: the Keras 3 release whose file layout kerasette writes (Keras reads "keras_version" only
#: for display; kerasette's own version is written beside it)
KERAS_FORMAT_VERSION = "3.15.1"
_ARCHIVE_MEMBERS = frozenset({CONFIG_FILENAME, METADATA_FILENAME, WEIGHTS_FILENAME,
                              "model.weights.npz"})


# ---------------------------------------------------------------------------- configs
def model_config(model):
    """The model's entry of ``config.json``: its config, ``build_config`` and
    ``compile_config`` (the last two when there is something to say)."""
    config = serialize_keras_object(model)
    shapes = getattr(model, "_build_shapes", None)
    if shapes is not None and "build_config" not in config:
        config["build_config"] = {"input_shape": _shapes_to_json(shapes)}
    compile_config = model.get_compile_config()
    if compile_config is not None:
        config["compile_config"] = compile_config
    return config


def metadata():
    """``metadata.json``'s content."""
    return {"keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "kerasette_version": __version__}


# ---------------------------------------------------------------------------- saving
def collect_variables(model):
    """One :class:`~kerasette.saving.weights_store.WriteStore` per layer and optimizer of
    ``model`` (at its Keras path), filled by their ``save_own_variables``."""
    stores = []
    for path, obj in saveable_paths(model):
        store = WriteStore(path, name=getattr(obj, "name", None))
        obj.save_own_variables(store)
        stores.append(store)
    return stores


def save_model(model, filepath):
    """Writes ``model`` as a ``.keras`` archive at ``filepath``, atomically."""
    if not model.built:
        warnings.warn(
            f'Saving model "{model.name}", which has not been built: it has no weights yet. '
            "Call it on data or build(input_shape) first to save its weights.",
            stacklevel=3,
        )
    with atomic_write(filepath) as handle:
        config_json = json.dumps(model_config(model))
        weights = h5_bytes(collect_variables(model))
        assets = collect_assets(model)
        with zipfile.ZipFile(handle, "w") as archive:
            archive.writestr(METADATA_FILENAME, json.dumps(metadata()))
            archive.writestr(CONFIG_FILENAME, config_json)
            archive.writestr(WEIGHTS_FILENAME, weights)
            for name, data in assets.items():
                archive.writestr(name, data)


# ---------------------------------------------------------------------------- assets
ASSETS_DIRNAME = "assets"


def collect_assets(model):
    """``{archive member: bytes}``: the files each layer's ``save_assets(directory)`` writes
    (a vocabulary learned by ``adapt``), at ``assets/<its Keras path>/`` as Keras 3 puts
    them. Each layer writes to its own temporary directory, removed afterwards."""
    assets = {}
    for path, obj in saveable_paths(model):
        if not callable(getattr(obj, "save_assets", None)):
            continue
        prefix = "/".join(part for part in (ASSETS_DIRNAME, path) if part)
        with tempfile.TemporaryDirectory() as directory:
            obj.save_assets(directory)
            for root, _, files in os.walk(directory):
                for filename in sorted(files):
                    full = os.path.join(root, filename)
                    relative = os.path.relpath(full, directory).replace(os.sep, "/")
                    with open(full, "rb") as file:
                        assets[f"{prefix}/{relative}"] = file.read()
    return assets


def load_assets(model, members, filepath):
    """Gives each layer with ``load_assets(directory)`` the files saved in the archive at
    ``assets/<its Keras path>/``, in a temporary directory removed afterwards (the one thing
    loading writes to disk, and only for a file that holds assets). An asset that belongs
    to no such layer is refused, as any unknown member."""
    names = sorted(name for name in members
                   if name.startswith(ASSETS_DIRNAME + "/") and not name.endswith("/"))
    if not names:
        return
    owners = {"/".join(part for part in (ASSETS_DIRNAME, path) if part): obj
              for path, obj in saveable_paths(model)
              if callable(getattr(obj, "load_assets", None))}
    unclaimed = [name for name in names if name.rsplit("/", 1)[0] not in owners]
    if unclaimed:
        raise FileFormatError(f"{filepath!r} holds assets that no layer of the model loads: "
                              f"{unclaimed[:5]}.")
    with tempfile.TemporaryDirectory() as directory:
        for prefix, obj in owners.items():
            own = [name for name in names if name.rsplit("/", 1)[0] == prefix]
            if not own:
                continue
            target = os.path.join(directory, *prefix.split("/"))
            os.makedirs(target, exist_ok=True)
            for name in own:
                with open(os.path.join(target, name.rsplit("/", 1)[1]), "wb") as file:
                    file.write(members[name])
            obj.load_assets(target)


def save_weights_only(model, filepath):
    """Writes the variables of ``model`` (and its optimizer) as a ``.weights.h5`` file."""
    if not model.built:
        raise ValueError(
            f'You are saving model "{model.name}", which has not yet been built: it has no '
            "weights. Build it first by calling it on some data or by using build()."
        )
    # The file is built in memory and written with plain writes, as a .keras archive is:
    # HDF5 writing to disk itself crashes the process (in File.close) once a write fails on
    # a full disk, where a plain write raises OSError and the previous file stays.
    with atomic_write(filepath) as handle:
        handle.write(h5_bytes(collect_variables(model)))


# ---------------------------------------------------------------------------- loading
def _read_keras_archive(filepath):
    members = read_archive(filepath, allowed=_ARCHIVE_MEMBERS, allowed_prefixes=("assets/",))
    if "model.weights.npz" in members:
        raise FileFormatError(
            f"{filepath!r} keeps its weights as model.weights.npz; kerasette reads the HDF5 "
            "layout (model.weights.h5) only. Re-save it with Keras's default weights_format."
        )
    return members


def _json_member(members, name, filepath, required=True):
    if name not in members:
        if required:
            raise FileFormatError(f"{filepath!r} is not a Keras model file: it has no {name} "
                                  f"(members: {sorted(members)}).")
        return None
    try:
        return json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise FileFormatError(f"{filepath!r}: {name} is not valid JSON: {error}") from error


def _check_metadata(meta, filepath):
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise FileFormatError(f"{filepath!r}: metadata.json must hold a JSON object, got "
                              f"{type(meta).__name__}.")
    version = meta.get("keras_version")
    if isinstance(version, str) and not version.startswith("3."):
        warnings.warn(
            f"{filepath!r} was written by Keras {version}; kerasette reads the Keras 3 format, "
            "so some weights of this file may not be found.", stacklevel=4)


# Weight elements a loaded model may create beyond those its file holds (weights that are not
# saved, such as a metric's counters).
_WEIGHT_BUDGET_SLACK = 2**16


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in the ``.keras`` archive at ``filepath`` (see :mod:`.saving_api`)."""
    members = _read_keras_archive(filepath)
    _check_metadata(_json_member(members, METADATA_FILENAME, filepath, required=False),
                    filepath)
    config = _json_member(members, CONFIG_FILENAME, filepath)
    if not isinstance(config, dict) or "class_name" not in config:
        raise FileFormatError(f"{filepath!r}: config.json does not describe a model (no "
                              "class_name).")
    if WEIGHTS_FILENAME not in members:
        raise FileFormatError(f"{filepath!r} has no {WEIGHTS_FILENAME} (members: "
                              f"{sorted(members)}).")
    config = dict(config)
    compile_config = config.pop("compile_config", None)
    with H5Reader(members[WEIGHTS_FILENAME], label=f"{filepath}/{WEIGHTS_FILENAME}") as reader:
        # the config cannot make the model bigger than the weights the file holds: a few
        # bytes of config must not allocate gigabytes before the shapes are compared
        with weight_budget.limit(reader.stored_elements() + _WEIGHT_BUDGET_SLACK):
            model = _model_from_config(config, custom_objects, safe_mode, filepath)
            if compile and compile_config:
                if not isinstance(compile_config, dict):
                    raise FileFormatError(f"{filepath!r}: compile_config must be a JSON object, "
                                          f"got {type(compile_config).__name__}.")
                try:
                    with custom_object_scope({**scoped_custom_objects(),
                                              **(custom_objects or {})}):
                        model.compile_from_config(compile_config)
                except FileFormatError:
                    raise
                except Exception as error:  # noqa: BLE001 - any failure to compile is the file's
                    raise ValueError(
                        f"{filepath!r}: the model's compile_config could not be applied "
                        f"({type(error).__name__}: {error}); load it with compile=False and "
                        "compile it yourself."
                    ) from error
            _wrap_for_loss_scaling(model, reader)
        load_variables(model, reader, skip_mismatch=False)
    load_assets(model, members, filepath)
    return model


def _wrap_for_loss_scaling(model, reader):
    """Wraps the compiled optimizer in the LossScaleOptimizer whose state the file holds.

    Keras 3 writes the optimizer given to ``compile`` in ``compile_config``, but saves the
    LossScaleOptimizer that ``compile`` added for a "mixed_float16" model (its variables,
    and its inner optimizer's at ``optimizer/inner_optimizer``). A Functional model's config
    does not say its policy, so the compile above could not know: the file does."""
    optimizer = getattr(model, "optimizer", None)
    if (optimizer is None or isinstance(optimizer, LossScaleOptimizer)
            or not reader.has_path("optimizer/inner_optimizer")):
        return
    model.optimizer = LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
    if model.built:
        model.optimizer.build(model.trainable_variables)


def _model_from_config(config, custom_objects, safe_mode, filepath):
    try:
        model = deserialize_keras_object(config, custom_objects=custom_objects,
                                         safe_mode=safe_mode)
    except weight_budget.WeightBudgetExceeded as error:
        raise FileFormatError(f"{filepath!r}: {error}") from error
    except ValueError:
        raise
    except Exception as error:  # noqa: BLE001 - a config no constructor accepts is the file's
        raise FileFormatError(
            f"{filepath!r}: config.json describes a model that cannot be created: "
            f"{type(error).__name__}: {error}"
        ) from error
    if not isinstance(model, Model):
        raise FileFormatError(f"{filepath!r}: config.json describes a "
                              f"{type(model).__name__}, not a model.")
    return model


def load_weights_only(model, filepath, skip_mismatch=False):
    """Loads the variables saved at ``filepath`` (``.weights.h5`` or ``.keras``) into
    ``model``, all or nothing."""
    if not model.built:
        raise ValueError(
            f'You are loading weights into model "{model.name}", which has not yet been '
            "built: its weights do not exist yet. Build it first by calling it on some data "
            "or by using build()."
        )
    path = str(filepath)
    if path.endswith(".keras"):
        members = _read_keras_archive(path)
        if WEIGHTS_FILENAME not in members:
            raise FileFormatError(f"{path!r} has no {WEIGHTS_FILENAME}.")
        source, label = members[WEIGHTS_FILENAME], f"{path}/{WEIGHTS_FILENAME}"
    else:
        source = label = check_regular_file(path, "a .weights.h5 file")
    with H5Reader(source, label=label) as reader:
        with _optimizer_built_for(model, reader):
            load_variables(model, reader, skip_mismatch=skip_mismatch)


@contextlib.contextmanager
def _optimizer_built_for(model, reader):
    """Creates a compiled model's optimizer state when the file has some to load into it
    (kerasette builds the optimizer lazily, at the first training step), and takes it back
    (``Optimizer._unbuild``) if the load fails: a failed load changes nothing, the
    optimizer's build included."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or optimizer.built or not len(reader.get("optimizer")):
        yield
        return
    optimizer.build(model.trainable_variables)
    try:
        yield
    except BaseException:
        optimizer._unbuild()
        raise


def _uses_base_method(obj, method):
    base = Layer if isinstance(obj, Layer) else Optimizer
    return getattr(type(obj), method) is getattr(base, method)


def _check_object(path, obj, store):
    """Checks ``store`` against ``obj``'s variables without reading data. Returns whether
    the data should be read ahead (False for an object whose own ``load_own_variables``
    decides what to read)."""
    if isinstance(obj, Optimizer):
        if not _uses_base_method(obj, "load_own_variables"):
            return False
        if len(store) != len(obj.variables):
            return False  # the optimizer warns and keeps its state, as in Keras 3
        check_variables(describe(path, obj), obj.variables, store)
        return True
    if not _uses_base_method(obj, "load_own_variables"):
        return False
    trainable, non_trainable = obj._own_variables()
    check_variables(describe(path, obj), trainable + non_trainable, store)
    return True


def load_variables(model, reader, skip_mismatch=False):
    """Assigns the variables in ``reader`` to ``model``'s layers and optimizer, all or
    nothing.

    Three phases: every object's stored variables are checked (count, shapes, dtypes) and
    every stored object is matched to one of the model's; then all data is read; then it
    is assigned. An error in the first two changes nothing; an error raised by an
    object's own ``load_own_variables`` in the third puts every previous value back.

    Raises:
        ValueError: listing every object that does not fit (skipped with a warning
            instead when ``skip_mismatch``).
    """
    pairs = saveable_paths(model)
    problems = []
    plan = []
    for path, obj in pairs:
        store = reader.get(path)
        try:
            read_ahead = _check_object(path, obj, store)
        except FileFormatError:
            raise
        except ValueError as error:
            problems.append(str(error))
            continue
        plan.append((obj, store, read_ahead))
    known = {path for path, _ in pairs}
    unknown = [p for p in reader.paths_with_variables() if p not in known and p != "optimizer"]
    if unknown:
        holders = [f"{describe(path, obj)}" for path, obj in pairs
                   if path and len(reader.get(path))]
        problems.append(
            f"The file holds variables for {len(unknown)} object(s) that the model "
            f'"{model.name}" does not have: {unknown}. The model\'s objects with variables in '
            f"the file: {holders}. Is the file from a different architecture?"
        )
    if problems:
        message = (f"Cannot load the weights into model \"{model.name}\": "
                   f"{len(problems)} problem(s) found, nothing was changed.\n- "
                   + "\n- ".join(problems))
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message.replace("nothing was changed", "those objects are skipped"),
                      stacklevel=3)
    for _, store, read_ahead in plan:
        if read_ahead:
            for key in store.keys():
                store[key]  # noqa: B018 - read (and check) every array before assigning any
    _assign_all(model, plan)


def _assign_all(model, plan):
    variables = list(model.variables)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        variables += list(optimizer.variables)
    previous = [(variable, variable.value) for variable in variables]
    try:
        for obj, store, _ in plan:
            obj.load_own_variables(store)
    except BaseException:
        for variable, value in previous:
            variable.assign(value)
        raise
