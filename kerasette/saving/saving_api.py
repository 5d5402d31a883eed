"""The public saving functions: ``save_model``, ``load_model``, ``save_weights``, ``load_weights``.

They check the path (its extension, ``overwrite``) as Keras 3 does, and hand the
work to :mod:`kerasette.saving.saving_lib`.
"""

import os

from kerasette.saving import saving_lib


def _path(filepath):
    """``filepath`` as a str; a file object or anything else is refused (ValueError, as every
    bad argument to the saving functions)."""
    try:
        path = os.fspath(filepath)
    except TypeError:
        path = None
    if not isinstance(path, str):
        raise ValueError(f"File format not supported: filepath={filepath!r}. kerasette saves "
                         "and loads files by path (a str or os.PathLike), not file objects.")
    return path


def _refuse_existing(path, overwrite):
    if not overwrite and os.path.exists(path):
        raise FileExistsError(
            f"{path!r} already exists and overwrite=False; pass overwrite=True to replace it."
        )


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves ``model`` as a ``.keras`` file: architecture, weights, compile settings and
    optimizer state, in Keras 3's format (Keras 3 loads it, and kerasette loads Keras 3's).

    The file is written atomically: a crash or an error mid-save leaves the previous file
    as it was.

    Args:
        model: a kerasette Model.
        filepath: a path ending in ``.keras``.
        overwrite: when False and the file exists, raise FileExistsError.
        zipped: only True (the default) is supported.

    Example:
        >>> kerasette.saving.save_model(model, "model.keras")
        >>> restored = kerasette.saving.load_model("model.keras")
    """
    kwargs.pop("include_optimizer", None)  # the optimizer's state is always saved, as Keras 3
    if kwargs.pop("save_format", None) not in (None, "keras"):
        raise ValueError("The `save_format` argument is deprecated in Keras 3. Please remove "
                         "this argument and pass a file path with a `.keras` extension.")
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    path = _path(filepath)
    if zipped is False:
        raise ValueError(f"zipped=False (a model folder) is not supported by kerasette; save to "
                         f"a `.keras` file. Received: filepath={path}")
    if not path.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` extension for the "
            f"native Keras format. Received: filepath={path}."
        )
    _refuse_existing(path, overwrite)
    saving_lib.save_model(model, path)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved with :func:`save_model` (by kerasette or by Keras 3).

    Args:
        filepath: a ``.keras`` file.
        custom_objects: ``{name: class or function}`` for the file's custom objects (or
            register them with :func:`~kerasette.saving.register_keras_serializable`).
        compile: compile the model as it was saved (optimizer, loss, metrics) and restore
            the optimizer's state, so that ``fit`` continues where it stopped.
        safe_mode: refuse ``Lambda`` layers, whose code would run from the file; pass
            False only for files you trust.

    Returns:
        The model.

    Raises:
        FileNotFoundError: no file at ``filepath``.
        ValueError: the path does not end in ``.keras``, the file names an unknown class,
            its weights do not fit the model; :class:`~kerasette.saving.FileFormatError`
            (a ValueError) when the file is corrupt or not a Keras model file.
    """
    path = _path(filepath)
    if not path.endswith(".keras"):
        if os.path.isdir(path) and os.path.exists(os.path.join(path, "config.json")):
            raise ValueError(f"{path!r} is a model folder (Keras's zipped=False format), which "
                             "kerasette does not load; save the model as a `.keras` file.")
        raise ValueError(
            f"File format not supported: filepath={path}. kerasette only supports Keras 3 "
            "`.keras` files (use load_weights for `.weights.h5` files)."
        )
    return saving_lib.load_model(path, custom_objects=custom_objects, compile=compile,
                                 safe_mode=safe_mode)


def save_weights(model, filepath, overwrite=True, **kwargs):
    """Saves the weights of ``model`` (and its optimizer's state) as a ``.weights.h5``
    file in Keras 3's layout, atomically.

    Args:
        model: a built kerasette Model.
        filepath: a path ending in ``.weights.h5``.
        overwrite: when False and the file exists, raise FileExistsError.
    """
    if kwargs.get("max_shard_size") is not None:
        raise ValueError("Sharded weights (max_shard_size) are not supported by kerasette.")
    kwargs.pop("max_shard_size", None)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    path = _path(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path}")
    _refuse_existing(path, overwrite)
    saving_lib.save_weights_only(model, path)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads weights saved by :func:`save_weights` or :func:`save_model` (kerasette's or
    Keras 3's) into ``model``, which must be built.

    All or nothing: unless every layer fits (number of variables, shapes, dtypes), nothing
    changes and a ValueError names each layer and variable that does not fit, with the
    expected and the found shapes. With ``skip_mismatch=True``, what does not fit is
    skipped with a warning.

    Args:
        model: a built kerasette Model.
        filepath: a ``.weights.h5`` or ``.keras`` file.
        skip_mismatch: skip the layers that do not fit instead of raising.
    """
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    path = _path(filepath)
    if not path.endswith((".weights.h5", ".keras")):
        raise ValueError(
            "File format not supported: filepath=" + path + ". kerasette loads weights from "
            "`.weights.h5` and `.keras` files only."
        )
    saving_lib.load_weights_only(model, path, skip_mismatch=skip_mismatch)
