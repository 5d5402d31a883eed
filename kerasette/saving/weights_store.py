"""Variables in Keras 3's HDF5 layout: the stores objects write to and read from, and the file.

A Keras 3 weights file (``model.weights.h5`` inside a ``.keras`` archive, or a
``.weights.h5`` file) holds one group per saved object, at the object's path
(see :mod:`kerasette.saving.object_paths`)::

    vars                       attrs {"name": "sequential"}   (the model itself)
    layers/dense/vars/0        the first Dense layer's kernel
    layers/dense/vars/1        ... its bias
    layers/dense_1/vars/0      the second Dense layer's kernel
    optimizer/vars/0           iterations, then the learning rate, then the slots

Each ``vars`` group carries the object's name as an attribute, and holds its
variables as datasets named "0", "1", ... in the order of the object's
``save_own_variables``.

Writing collects every array in memory first (:class:`WriteStore`), so that an
object failing half-way through its ``save_own_variables`` never leaves a torn
file; :func:`write_h5` then writes them all at once.

Reading (:class:`H5Reader`) never trusts the file: only hard-linked groups and
datasets are followed (no soft or external links, no external or virtual
storage), a dataset must hold numbers (never strings, objects or compound
records), and data is read only after its declared shape was checked against
the variable it is meant for, so a dataset declaring a huge shape is refused
before anything is allocated.

A dataset must also store what it declares. HDF5 lets a file declare a chunked
dataset of 4 TiB and store none of it (reading it gives the fill value): such a
dataset, never or only partly written, is refused. A compressed dataset may store
far less than it holds (zeros compress well), so it counts for at most
:data:`_MAX_EXPANSION` times its stored bytes (:meth:`H5Reader.stored_elements`);
Keras never compresses weights, so only files made by other tools are concerned.
"""

import io

import numpy as np

from kerasette.utils.file_io import FileFormatError

#: dtype kinds a weights dataset may have: bool, signed and unsigned integers, floats
NUMERIC_KINDS = "biuf"
# a dataset larger than this must not declare more than _MAX_EXPANSION times what it stores
_BOMB_FLOOR_BYTES = 2**28
_MAX_EXPANSION = 1000
#: the most groups a weights file may have (a real model has a few per layer), and how deep
#: they may nest (a layer inside a model inside a model ... 30 levels down still fits)
MAX_GROUPS = 200_000
MAX_DEPTH = 64


def _object_identity(obj):
    """Where an HDF5 object lives in its file: the same for every link that leads to it."""
    try:
        import h5py
        info = h5py.h5o.get_info(obj.id)
        return getattr(info, "token", None) or info.addr
    except Exception:  # noqa: BLE001 - fall back on h5py's own identity of the object
        return hash(obj.id)


def to_numpy(value):
    """``value`` (a Variable, a tensor of any backend, an array) as a numpy array."""
    if hasattr(value, "numpy") and callable(value.numpy):
        return np.asarray(value.numpy())
    from kerasette import ops
    return np.asarray(ops.convert_to_numpy(value))


class WriteStore:
    """What one object's ``save_own_variables`` writes to: ``store["0"] = variable``.

    Values are converted to numpy arrays at once (a later change of the variable does
    not change what is saved).
    """

    def __init__(self, path, name=None):
        self.path = path
        self.name = name
        self._arrays = {}

    def __setitem__(self, key, value):
        key = str(key)
        if not key or "/" in key:
            raise ValueError(f"Invalid variable key {key!r} for the object at {self.path!r}: "
                             'keys are plain names such as "0".')
        array = to_numpy(value)
        if array.dtype.kind not in NUMERIC_KINDS:
            raise TypeError(
                f"Cannot save {key!r} of the object at {self.path!r}: its dtype {array.dtype} "
                "is not numeric."
            )
        self._arrays[key] = array

    def __getitem__(self, key):
        return self._arrays[str(key)]

    def __contains__(self, key):
        return str(key) in self._arrays

    def __len__(self):
        return len(self._arrays)

    def keys(self):
        return list(self._arrays)

    def items(self):
        return list(self._arrays.items())


def write_h5(target, stores):
    """Writes ``stores`` (a list of :class:`WriteStore`) as a Keras 3 weights file.

    Args:
        target: a path or a writable binary file object (``io.BytesIO``).
        stores: one store per saved object, in the order they were saved.
    """
    import h5py
    with h5py.File(target, "w") as h5:
        for store in stores:
            group_path = f"{store.path}/vars" if store.path else "vars"
            group = h5.create_group(group_path)
            if store.name is not None:
                group.attrs["name"] = store.name
            for key, array in store.items():
                group.create_dataset(key, data=array)


def h5_bytes(stores):
    """The bytes of the weights file :func:`write_h5` would write."""
    buffer = io.BytesIO()
    write_h5(buffer, stores)
    return buffer.getvalue()


class DatasetInfo:
    """One stored variable: its key, shape and dtype, read without its data."""

    def __init__(self, reader, group_path, key, dataset):
        self._reader = reader
        self._dataset = dataset
        self.group_path = group_path
        self.key = key
        if dataset.shape is None:  # an HDF5 "null" dataspace: no array at all
            raise FileFormatError(f"{reader.source}: the dataset {group_path}/vars/{key} "
                                  "has no shape (a null dataspace).")
        self.shape = tuple(int(d) for d in dataset.shape)
        self.dtype = dataset.dtype

    @property
    def where(self):
        """The dataset's path in the file (``layers/dense/vars/0``)."""
        return f"{self.group_path}/vars/{self.key}"

    def stored_elements(self):
        """How many numbers the file really holds for this dataset (no data is read).

        An uncompressed dataset holds what it declares, provided every byte of it is stored;
        a compressed one counts for at most :data:`_MAX_EXPANSION` times its stored bytes.

        Raises:
            FileFormatError: the dataset was never or only partly written (HDF5 would fill
                the rest with its fill value, so a tiny file could declare terabytes), or
                it is compressed and declares more than :data:`_BOMB_FLOOR_BYTES` and
                :data:`_MAX_EXPANSION` times its stored bytes (a decompression bomb).
        """
        elements = int(np.prod(self.shape, dtype=np.float64)) if self.shape else 1
        declared = elements * self.dtype.itemsize
        try:
            stored = int(self._dataset.id.get_storage_size())
            filtered = self._dataset.id.get_create_plist().get_nfilters() > 0
            if filtered:
                chunks = self._dataset.chunks
                needed = int(np.prod([-(-size // chunk) for size, chunk in
                                      zip(self.shape, chunks)], dtype=np.float64))
                allocated = int(self._dataset.id.get_num_chunks())
        except Exception as error:  # noqa: BLE001 - h5py/HDF5 errors of any type
            raise FileFormatError(f"{self._reader.source}: damaged dataset {self.where!r}: "
                                  f"{type(error).__name__}: {error}") from error
        if not filtered:
            if stored < declared:
                raise FileFormatError(
                    f"{self._reader.source}: the dataset {self.where} declares {declared} "
                    f"bytes but stores {stored} (never or partly written); a weights file must "
                    "store every number it declares."
                )
            return elements
        if allocated < needed:
            raise FileFormatError(
                f"{self._reader.source}: the dataset {self.where} declares {declared} bytes in "
                f"{needed} compressed chunks but stores {allocated} of them (never or partly "
                "written); a weights file must store every number it declares."
            )
        if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * max(stored, 1):
            raise FileFormatError(
                f"{self._reader.source}: the dataset {self.where} declares {declared} bytes "
                f"but stores {stored}; refused (a decompression bomb?)."
            )
        return min(elements, _MAX_EXPANSION * stored // self.dtype.itemsize)

    def read(self):
        """The data, as a numpy array (read only now).

        A dataset that does not store all it declares, or that declares far more data than
        the file stores for it (a compressed "shape bomb"), is refused before anything is
        allocated (:meth:`stored_elements`).
        """
        self.stored_elements()
        try:
            array = np.asarray(self._dataset[()])
        except Exception as error:  # noqa: BLE001 - h5py/HDF5 errors of any type
            raise FileFormatError(
                f"{self._reader.source}: cannot read the dataset {self.where}: "
                f"{type(error).__name__}: {error}"
            ) from error
        if array.shape != self.shape or array.dtype.kind not in NUMERIC_KINDS:
            raise FileFormatError(
                f"{self._reader.source}: the dataset {self.where} read as "
                f"{array.dtype} {array.shape}, not the declared {self.dtype} {self.shape}."
            )
        return array


class ReadStore:
    """What one object's ``load_own_variables`` reads from: ``store["0"]`` is an array.

    Made by :class:`H5Reader`; every entry's shape and dtype are known before any data
    is read (:meth:`info`).
    """

    def __init__(self, path, infos):
        self.path = path
        self._infos = infos  # key -> DatasetInfo, in key order
        self._cache = {}

    def info(self, key):
        """The :class:`DatasetInfo` of ``key`` (shape and dtype, no data)."""
        return self._infos[str(key)]

    def __getitem__(self, key):
        key = str(key)
        if key not in self._infos:
            raise KeyError(f"No variable {key!r} saved for the object at {self.path!r}; it has "
                           f"{self.keys()}.")
        if key not in self._cache:
            self._cache[key] = self._infos[key].read()
        return self._cache[key]

    def __contains__(self, key):
        return str(key) in self._infos

    def __len__(self):
        return len(self._infos)

    def keys(self):
        return list(self._infos)


def _sort_key(key):
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


class H5Reader:
    """A Keras 3 weights file opened for reading, checked as it is walked.

    Args:
        source: a path, or the file's bytes.
        label: how errors name the file.

    Use as a context manager; :meth:`get` gives the :class:`ReadStore` of a path.
    """

    def __init__(self, source, label=None):
        import h5py
        self._h5py = h5py
        self.source = label or (source if isinstance(source, str) else "model.weights.h5")
        if isinstance(source, (bytes, bytearray)):
            if not bytes(source[:8]) == b"\x89HDF\r\n\x1a\n":
                raise FileFormatError(f"{self.source}: not an HDF5 file (bad signature).")
            handle = io.BytesIO(source)
        else:
            with open(source, "rb") as probe:
                if probe.read(8) != b"\x89HDF\r\n\x1a\n":
                    raise FileFormatError(f"{self.source}: not an HDF5 weights file (bad "
                                          "signature).")
            handle = source
        try:
            self._file = h5py.File(handle, "r")
        except Exception as error:  # noqa: BLE001 - HDF5 raises OSError, ValueError, ...
            raise FileFormatError(f"{self.source}: cannot open the HDF5 weights file: "
                                  f"{type(error).__name__}: {error}") from error
        self._stores = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        try:
            self._file.close()
        except Exception:  # noqa: BLE001 - closing a damaged file must not hide the first error
            pass

    def _child(self, group, name, path):
        """``group[name]`` when it is a hard link to a group or dataset (None if absent)."""
        try:
            if name not in group:
                return None
            link = group.get(name, getlink=True)
        except Exception as error:  # noqa: BLE001
            raise FileFormatError(f"{self.source}: damaged entry {path!r}: {error}") from error
        if not isinstance(link, self._h5py.HardLink):
            raise FileFormatError(
                f"{self.source}: {path!r} is a {type(link).__name__}; weights files may hold "
                "only plain groups and datasets (no soft or external links)."
            )
        try:
            return group[name]
        except Exception as error:  # noqa: BLE001
            raise FileFormatError(f"{self.source}: damaged entry {path!r}: {error}") from error

    def has_path(self, path):
        """Whether the file has a group at ``path``."""
        group = self._file
        for part in path.split("/") if path else []:
            group = self._child(group, part, path)
            if not isinstance(group, self._h5py.Group):
                return False
        return True

    def _keys(self, group, path):
        """The names in ``group``; a damaged table or a name that is not text is refused."""
        try:
            keys = list(group.keys())
        except Exception as error:  # noqa: BLE001 - a damaged group table
            raise FileFormatError(f"{self.source}: cannot list the group {path!r}: "
                                  f"{error}") from error
        for key in keys:
            if not isinstance(key, str):  # h5py gives names that are not UTF-8 as bytes
                raise FileFormatError(f"{self.source}: the group {path!r} holds an entry "
                                      f"whose name is not text: {key!r}.")
        return keys

    def paths_with_variables(self):
        """Every group path whose ``vars`` group holds at least one entry.

        Each group is visited once, however many hard links lead to it, at most
        :data:`MAX_GROUPS` groups are, none deeper than :data:`MAX_DEPTH`, so that a file
        whose links form loops or a huge lattice cannot make the walk endless.
        """
        found = []
        seen = set()
        stack = [(self._file, "", 0)]
        while stack:
            group, prefix, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise FileFormatError(f"{self.source}: groups nested deeper than {MAX_DEPTH} "
                                      f"levels ({prefix[:80]}...); refused.")
            below = []
            for name in sorted(self._keys(group, prefix)):
                child = self._child(group, name, prefix + name)
                if not isinstance(child, self._h5py.Group):
                    continue
                identity = _object_identity(child)
                if identity in seen:
                    continue
                seen.add(identity)
                if len(seen) > MAX_GROUPS:
                    raise FileFormatError(f"{self.source}: more than {MAX_GROUPS} groups; "
                                          "refused.")
                if name == "vars":
                    if self._keys(child, prefix + name):
                        found.append(prefix[:-1])
                else:
                    below.append((child, f"{prefix}{name}/", depth + 1))
            stack.extend(reversed(below))  # depth first, in name order
        return sorted(found)

    def stored_elements(self):
        """How many numbers the file's variables really hold in all (no data is read): the
        most weights a model loaded with this file can need.

        Counted from what is stored, not from the declared shapes
        (:meth:`DatasetInfo.stored_elements`), so that a config cannot be sized by a
        dataset that declares terabytes and stores nothing.

        Raises:
            FileFormatError: a dataset was never or only partly written.
        """
        total = 0
        for path in self.paths_with_variables():
            store = self.get(path)
            for key in store.keys():
                total += store.info(key).stored_elements()
        return total

    def get(self, path):
        """The :class:`ReadStore` at ``path`` (an empty one when the file has nothing there)."""
        if path in self._stores:
            return self._stores[path]
        group = self._file
        parts = (path.split("/") if path else []) + ["vars"]
        for part in parts:
            if not part:
                raise FileFormatError(f"{self.source}: invalid group path {path!r}.")
            group = self._child(group, part, path)
            if group is None:
                self._stores[path] = ReadStore(path, {})
                return self._stores[path]
            if not isinstance(group, self._h5py.Group):
                raise FileFormatError(
                    f"{self.source}: expected a group at {path + '/vars'!r}, found a "
                    f"{type(group).__name__}."
                )
        infos = {}
        for key in sorted(self._keys(group, path), key=_sort_key):
            item = self._child(group, key, f"{path}/vars/{key}")
            if not isinstance(item, self._h5py.Dataset):
                raise FileFormatError(
                    f"{self.source}: {path}/vars/{key} is a {type(item).__name__}, expected a "
                    "dataset of numbers."
                )
            self._check_dataset(item, f"{path}/vars/{key}")
            infos[key] = DatasetInfo(self, path, key, item)
        self._stores[path] = ReadStore(path, infos)
        return self._stores[path]

    def _check_dataset(self, dataset, where):
        try:
            external = dataset.external
            virtual = dataset.is_virtual
            dtype = dataset.dtype
        except Exception as error:  # noqa: BLE001
            raise FileFormatError(f"{self.source}: damaged dataset {where!r}: {error}") from error
        if external:
            raise FileFormatError(f"{self.source}: the dataset {where!r} keeps its data in an "
                                  "external file; refused.")
        if virtual:
            raise FileFormatError(f"{self.source}: the dataset {where!r} is virtual (maps other "
                                  "files); refused.")
        if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype:
            raise FileFormatError(
                f"{self.source}: the dataset {where!r} holds {dtype} data; weights must be "
                "numbers (bool, int or float), never strings or objects."
            )


def _stored_shape_and_dtype(store, key):
    if hasattr(store, "info"):
        info = store.info(key)
        return info.shape, np.dtype(info.dtype)
    array = np.asarray(store[key])
    return array.shape, array.dtype


def _kind_group(dtype):
    kind = np.dtype(dtype).kind if str(dtype) != "bfloat16" else "f"
    return {"b": "bool", "i": "integer", "u": "integer", "f": "float"}.get(kind, kind)


def check_variables(owner, variables, store):
    """Checks that ``store`` holds exactly one value per variable, each of the variable's
    shape and kind of dtype, without reading any data; raises ValueError otherwise.

    Args:
        owner: how the message names the object (``layer "dense_2" (layers/dense_1)``).
        variables: the object's variables, in saved order.
        store: a :class:`ReadStore` (or any mapping of "0", "1", ... to arrays).
    """
    keys = list(store.keys())
    expected = [str(i) for i in range(len(variables))]

    def listing(pairs):
        return "[" + ", ".join(f"{name} {shape}" for name, shape in pairs) + "]"

    wanted = listing((v.name, tuple(v.shape)) for v in variables)
    if sorted(keys, key=_sort_key) != expected:
        found = listing((f'"{k}"', _stored_shape_and_dtype(store, k)[0]) for k in
                        sorted(keys, key=_sort_key))
        if not variables:
            raise ValueError(
                f"{owner[0].upper() + owner[1:]} has no variables (it was never built, or has "
                f"no weights), but the file holds {len(keys)} for it: {found}. Build the model "
                "(call it on data, or model.build(input_shape)) before loading weights into it."
            )
        if len(keys) != len(variables):
            raise ValueError(
                f"{owner[0].upper() + owner[1:]} expects {len(variables)} variables {wanted}, "
                f"but the file holds {len(keys)}: {found}."
            )
        raise ValueError(
            f"{owner[0].upper() + owner[1:]}: the file names its variables {sorted(keys)}, "
            f"expected {expected}."
        )
    for key, variable in zip(expected, variables):
        shape, dtype = _stored_shape_and_dtype(store, key)
        if tuple(shape) != tuple(variable.shape):
            raise ValueError(
                f'{owner[0].upper() + owner[1:]}: variable "{variable.name}" (#{key}) has shape '
                f"{tuple(variable.shape)}, but the file holds shape {tuple(shape)}."
            )
        if dtype.kind not in NUMERIC_KINDS:
            raise ValueError(
                f'{owner[0].upper() + owner[1:]}: variable "{variable.name}" (#{key}) would '
                f"get {dtype} data from the file; weights must be numbers."
            )
        if _kind_group(dtype) != _kind_group(variable.dtype):
            raise ValueError(
                f'{owner[0].upper() + owner[1:]}: variable "{variable.name}" (#{key}) is '
                f"{variable.dtype}, but the file holds {dtype} data for it."
            )
