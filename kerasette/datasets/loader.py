"""Where a dataset's files are looked for, in order, and fetched into when no folder has them.

The search order (DESIGN.md, "Data"), for a dataset ``name``:

1. ``$KERASETTE_DATA/<name>/``, then ``$KERASETTE_DATA`` itself;
2. ``~/.kerasette/datasets/<name>/`` (also where downloads are kept);
3. the system folder of the dataset, if it has one (a Debian package's folder).

Only when none holds the files are they downloaded (checksum-verified, see
:mod:`kerasette.datasets.download`) into ``~/.kerasette/datasets/<name>/``. Files found on
disk are checked too, before use, when their hash is known
(:mod:`kerasette.datasets.verify`).
"""

import os
import warnings

from kerasette.datasets.download import ChecksumError, DownloadError, download, mirror
from kerasette.datasets.idx import FILES, read_idx
from kerasette.datasets.verify import mismatch

DATA_ENV = "KERASETTE_DATA"


def datasets_folder():
    """``~/.kerasette/datasets``: the folder of the download caches (and of the record of
    files already checked, :data:`kerasette.datasets.verify.VERDICTS`)."""
    return os.path.join(os.path.expanduser("~"), ".kerasette", "datasets")


def cache_folder(name):
    """``~/.kerasette/datasets/<name>``: searched, and where downloads of ``name`` go."""
    return os.path.join(datasets_folder(), name)


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


def locate(name, find, downloads, base_url, how_to_get, system_folder=None, expected=None):
    """What ``find`` returns for the first folder that holds dataset ``name``, its files
    checked; downloads the files first when no folder holds them.

    Every file with a known hash is checked before it is used (once per version of the
    file, :func:`kerasette.datasets.verify.mismatch`). A bad file in the download cache is
    deleted with a warning and treated as missing (found in a later folder, or downloaded
    again); a bad file anywhere else is the user's (or a package's): an error names it.

    Args:
        name: the dataset's folder name (``"fashion-mnist"``).
        find: ``find(folder, named)``: what was found in ``folder`` (paths), or None.
        downloads: ``{local file name: RemoteFile}``: what to fetch into
            :func:`cache_folder` when nothing is found (files already there are kept).
        base_url: the canonical mirror; ``$KERASETTE_DATASETS_MIRROR`` overrides it.
        how_to_get: what the files are and the third way to get them, for the error.
        system_folder: the dataset's system folder, searched last, or None.
        expected: ``expected(found)``: ``{path: SHA-256 of its data}`` for the files of what
            ``find`` returned that have a known hash; None when none has.

    Raises:
        FileNotFoundError: no folder holds the files and the download failed; it names the
            folders searched, the URL that failed and the ways to provide the files.
        ChecksumError: a file outside the download cache is not the expected one (it names
            the file, the SHA-256 expected and found, and what to do), or a downloaded file
            was not the expected one (it was deleted).
    """
    expected = expected or (lambda found: {})
    folders = search_folders(name, system_folder)
    for folder, named in folders:
        if os.path.isdir(folder):
            found = find(folder, named)
            if found is not None and _checked(name, expected(found)):
                return found
    cache = cache_folder(name)
    base = mirror(base_url)
    # twice at most: a bad file the cache held beside missing ones is found only once the
    # missing ones are there; it is deleted, then downloaded too
    for _ in range(2):
        for local_name, remote in downloads.items():
            path = os.path.join(cache, local_name)
            if not os.path.isfile(path):
                try:
                    download(base + remote.name, path, remote.sha256, remote.size)
                except DownloadError as error:
                    raise FileNotFoundError(
                        _not_found(name, folders, error, how_to_get)) from error
        found = find(cache, True)
        if found is None:
            raise FileNotFoundError(f"{cache} still lacks files of {name} after downloading "
                                    "them.")
        if _checked(name, expected(found)):
            return found
    raise ChecksumError(f"Files of {name} downloaded into {cache} matched their download "
                        "hashes but not the known hashes of their data (the warnings above "
                        "name them); they were deleted.")


def _checked(name, expected):
    """True when every file of ``expected`` (``{path: SHA-256}``) has the data expected;
    False when one in the download cache did not (it was deleted, with a warning).

    Raises:
        ChecksumError: a file outside the download cache is not the expected one.
    """
    cache = os.path.abspath(cache_folder(name))
    fine = True
    for path, sha256 in expected.items():
        found = mismatch(path, sha256, datasets_folder())
        if found is None:
            continue
        what = "its data (decompressed)" if path.endswith(".gz") else "its data"
        problem = (f"{path} is not the expected {name} file: {what} should have SHA-256 "
                   f"{sha256}; found {found}.")
        if os.path.dirname(os.path.abspath(path)) != cache:
            raise ChecksumError(
                f"{problem} Replace it with the original file, or delete it: {name} is then "
                f"taken from the next folder that holds it, or downloaded into {cache}.")
        # ours: a download damaged since, or a file from an older release; fetched again
        warnings.warn(f"{problem} It was deleted; {name} is taken from the next folder that "
                      "holds it, or downloaded again.", stacklevel=4)
        os.remove(path)
        fine = False
    return fine


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
