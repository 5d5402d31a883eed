"""Checking a dataset file on disk against its known SHA-256, once per version of the file.

What is hashed is the file's data: its decompressed bytes for a ``.gz`` file, its bytes
otherwise. So the same data passes however it is wrapped: upstream's ``.gz``, Debian's
(the same deflate stream under another gzip header), or an uncompressed copy.

A file that passed is remembered by its real path, size and modification time (ns): in
memory, and in a small JSON file (``~/.kerasette/datasets/verified.json``, written
atomically) so that later processes do not hash it again. A file changed since (touched,
rewritten, replaced) is hashed again. The file can be anywhere, a read-only folder
included; when the JSON file cannot be written (a read-only home), verdicts live in
memory only.
"""

import gzip
import hashlib
import json
import os
import zlib

from kerasette.utils.file_io import atomic_write

#: The file, in ``~/.kerasette/datasets``, that keeps verdicts between processes.
VERDICTS = "verified.json"

_CHUNK = 1 << 20

# real path -> [size, mtime_ns, SHA-256 of the data], for files that passed in this process
_remembered = {}


def data_sha256(path):
    """The SHA-256 (hex) of the data of ``path``: of its decompressed bytes when its name ends
    in ``.gz``, of its bytes otherwise. Streams: memory stays small.

    Raises:
        ValueError: ``path`` ends in ``.gz`` but is not a sound gzip stream.
    """
    path = os.fspath(path)
    digest = hashlib.sha256()
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                digest.update(chunk)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"a damaged gzip stream ({type(error).__name__}: {error})") from error
    return digest.hexdigest()


def mismatch(path, sha256, verdicts_folder):
    """What is wrong with the data of ``path``, or None when its SHA-256 is ``sha256``.

    A file that passed earlier (this process, or one that recorded its verdict in
    ``verdicts_folder``) and has not changed since is not read again.

    Args:
        path: the file.
        sha256: the SHA-256 (hex) its data must have (see :func:`data_sha256`).
        verdicts_folder: the folder of the :data:`VERDICTS` file (``~/.kerasette/datasets``).

    Returns:
        None, or what was found instead, for a message: ``"SHA-256 <hex>"`` or
        ``"a damaged gzip stream (...)"``.
    """
    real = os.path.realpath(path)
    stat = os.stat(real)
    verdict = [stat.st_size, stat.st_mtime_ns, sha256]
    store = os.path.join(verdicts_folder, VERDICTS)
    if _remembered.get(real) == verdict:
        return None
    if _read(store).get(real) == verdict:
        _remembered[real] = verdict
        return None
    try:
        found = data_sha256(path)
    except ValueError as error:
        return str(error)
    if found != sha256:
        return f"SHA-256 {found}"
    _remembered[real] = verdict
    _record(store, real, verdict)
    return None


def _read(store):
    """The verdicts kept in ``store``; none when it is missing or unreadable."""
    try:
        with open(store, encoding="utf-8") as f:
            verdicts = json.load(f)
    except (OSError, ValueError):
        return {}
    return verdicts if isinstance(verdicts, dict) else {}


def _record(store, real, verdict):
    """Adds a verdict to ``store`` (dropping those of files gone since); when ``store`` cannot
    be written, the verdict stays in memory only."""
    verdicts = {path: kept for path, kept in _read(store).items() if os.path.exists(path)}
    verdicts[real] = verdict
    try:
        os.makedirs(os.path.dirname(store), exist_ok=True)
        with atomic_write(store, "w") as f:
            json.dump(verdicts, f, indent=1)
    except OSError:
        pass
