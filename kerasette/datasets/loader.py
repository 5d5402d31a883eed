"""Where a dataset's files are looked for, in order, and fetched into when no folder has them.

The search order (DESIGN.md, "Data"), for a dataset ``name``:

1. ``$KERASETTE_DATA/<name>/``, then ``$KERASETTE_DATA`` itself;
2. ``~/.kerasette/datasets/<name>/`` (also where downloads are kept);
3. the system folder of the dataset, if it has one (a Debian package's folder).

Only when none holds the files are they downloaded (checksum-verified, see
:mod:`kerasette.datasets.download`) into ``~/.kerasette/datasets/<name>/``.
"""

import os

from kerasette.datasets.download import DownloadError, download, mirror
from kerasette.datasets.idx import FILES, read_idx

DATA_ENV = "KERASETTE_DATA"


def cache_folder(name):
    """``~/.kerasette/datasets/<name>``: searched, and where downloads of ``name`` go."""
    return os.path.join(os.path.expanduser("~"), ".kerasette", "datasets", name)


def search_folders(name, system_folder=None):
    """The folders searched for dataset ``name``, in order, as ``(folder, named)`` pairs.

    ``named`` is True for a folder meant for this dataset alone (``<name>/`` or the system
    folder), False for the shared ``$KERASETTE_DATA``, where a dataset may accept fewer
    kinds of files (MNIST and Fashion-MNIST IDX files have the same names).
    """
    folders = []
    data = os.environ.get(DATA_ENV)
    if data:
        folders += [(os.path.join(data, name), True), (data, False)]
    folders.append((cache_folder(name), True))
    if system_folder:
        folders.append((system_folder, True))
    return folders


def locate(name, find, downloads, base_url, how_to_get, system_folder=None):
    """What ``find`` returns for the first folder that holds dataset ``name``; downloads the
    files first when none does.

    Args:
        name: the dataset's folder name (``"fashion-mnist"``).
        find: ``find(folder, named)``: what was found in ``folder`` (paths), or None.
        downloads: ``{local file name: RemoteFile}``: what to fetch into
            :func:`cache_folder` when nothing is found (files already there are kept).
        base_url: the canonical mirror; ``$KERASETTE_DATASETS_MIRROR`` overrides it.
        how_to_get: what the files are and the third way to get them, for the error.
        system_folder: the dataset's system folder, searched last, or None.

    Raises:
        FileNotFoundError: no folder holds the files and the download failed; it names the
            folders searched, the URL that failed and the ways to provide the files.
        ChecksumError: a downloaded file was not the expected one (it was deleted).
    """
    folders = search_folders(name, system_folder)
    for folder, named in folders:
        if os.path.isdir(folder):
            found = find(folder, named)
            if found is not None:
                return found
    cache = cache_folder(name)
    base = mirror(base_url)
    for local_name, remote in downloads.items():
        path = os.path.join(cache, local_name)
        if not os.path.isfile(path):
            try:
                download(base + remote.name, path, remote.sha256, remote.size)
            except DownloadError as error:
                raise FileNotFoundError(_not_found(name, folders, error, how_to_get)) from error
    found = find(cache, True)
    if found is None:
        raise FileNotFoundError(f"{cache} still lacks files of {name} after downloading them.")
    return found


def _not_found(name, folders, error, how_to_get):
    looked = ", ".join(folder for folder, _ in folders)
    return (
        f"The {name} dataset was not found on disk (looked in {looked}) and {error}. "
        f"{how_to_get['files']} Provide them in one of three ways: "
        f"(1) set {DATA_ENV} to a folder holding them (or holding a {name}/ folder with them); "
        f"(2) put them in {cache_folder(name)}/; "
        f"(3) {how_to_get['third_way']}"
    )


def read_idx_dataset(paths):
    """``(x_train, y_train), (x_test, y_test)`` from the four IDX files ``paths`` (keyed as
    :data:`kerasette.datasets.idx.FILES`), checked by :func:`check_dataset`."""
    arrays = {key: read_idx(paths[key]) for key in FILES}
    return check_dataset(arrays, {key: paths[key] for key in FILES})


def check_dataset(arrays, sources):
    """``(x_train, y_train), (x_test, y_test)`` from ``arrays`` (keyed as
    :data:`~kerasette.datasets.idx.FILES`) after checking that each split has one
    one-dimensional label per image; ``sources`` names where each array came from."""
    for split in ("train", "test"):
        images, labels = arrays["x_" + split], arrays["y_" + split]
        if labels.ndim != 1 or images.ndim < 1 or len(images) != len(labels):
            raise ValueError(
                f"The {split} arrays disagree: {sources['x_' + split]} holds images of shape "
                f"{images.shape} but {sources['y_' + split]} holds labels of shape "
                f"{labels.shape}; expected one label per image."
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
