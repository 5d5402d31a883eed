"""Files that survive crashes and archives that cannot hurt: the I/O under every save and load.

Two guarantees live here, so that every writer and reader gets them the same way:

- :func:`atomic_path` writes a file atomically: the caller writes a temporary file in the
  target's folder, which is flushed to disk and renamed over the target only when the
  writer finished without an exception. A process killed at any moment leaves either the
  previous file or the new one, never a torn one.
- :func:`read_archive` reads a ``.keras`` zip into memory, refusing anything unexpected:
  not a zip, member names that are absolute or climb out (``..``), unknown members,
  members too large or compressed too well (a zip bomb), corrupt data (a CRC error).
  Nothing from the archive is ever written to disk.

Every refusal is a :class:`FileFormatError` (a ``ValueError``) naming the file and the
problem.
"""

import contextlib
import os
import tempfile
import zipfile

# The most bytes one archive may expand to (all members together); a zip bomb stops here.
MAX_ARCHIVE_BYTES = int(os.environ.get("KERASETTE_MAX_ARCHIVE_BYTES", 16 * 2**30))
# A member larger than this must not be compressed better than MAX_RATIO:1.
_RATIO_FLOOR_BYTES = 2**20
MAX_RATIO = 200


class FileFormatError(ValueError):
    """A model or weights file is not what it claims to be: corrupt, truncated or hostile."""


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside ``path``; on success it replaces ``path`` atomically.

    Example:
        >>> with atomic_path("model.weights.h5") as tmp:
        ...     write_weights(tmp)          # an exception here leaves the old file untouched
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to {path!r}: the folder {folder!r} does not exist.")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Like :func:`atomic_path`, but yields the open temporary file."""
    with atomic_path(path) as tmp:
        with open(tmp, mode) as handle:
            yield handle
            handle.flush()


def _fsync_folder(folder):
    """Makes the rename itself durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_member_name(name, path):
    parts = name.replace("\\", "/").split("/")
    if (not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name
            or ".." in parts or (len(name) > 1 and name[1] == ":")):
        raise FileFormatError(f"{path!r}: unsafe member name {name!r} in the archive.")


def read_archive(path, allowed=None, allowed_prefixes=(), max_bytes=None):
    """The members of the zip at ``path`` as ``{name: bytes}``, read in memory and checked.

    Args:
        path: the archive.
        allowed: the member names that may appear (others are refused); None allows any
            safe name.
        allowed_prefixes: name prefixes that are also allowed (``"assets/"``).
        max_bytes: the most bytes all members may expand to (default
            :data:`MAX_ARCHIVE_BYTES`).

    Raises:
        FileNotFoundError: no file at ``path``.
        FileFormatError: anything wrong with the archive.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path!r}.")
    if os.path.isdir(path):
        raise FileFormatError(f"{path!r} is a folder, not a .keras file.")
    max_bytes = MAX_ARCHIVE_BYTES if max_bytes is None else max_bytes
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":
        raise FileFormatError(
            f"{path!r} is not a .keras file (a zip archive): it starts with {magic!r}, "
            "not b'PK\\x03\\x04'."
        )
    try:
        archive = zipfile.ZipFile(path, "r")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise FileFormatError(f"{path!r} is a damaged or truncated zip archive: {error}") from error
    members = {}
    total = 0
    with archive:
        try:
            infos = archive.infolist()
        except Exception as error:  # noqa: BLE001 - a damaged central directory
            raise FileFormatError(f"{path!r}: damaged zip directory: {error}") from error
        for info in infos:
            name = info.filename
            _check_member_name(name, path)
            if info.is_dir():
                continue
            if allowed is not None and name not in allowed and not name.startswith(
                    tuple(allowed_prefixes)):
                raise FileFormatError(
                    f"{path!r}: unexpected member {name!r} in the archive; expected "
                    f"{sorted(allowed)}."
                )
            if name in members:
                raise FileFormatError(f"{path!r}: the member {name!r} appears twice.")
            if info.file_size > max_bytes - total:
                raise FileFormatError(
                    f"{path!r}: the member {name!r} expands to {info.file_size} bytes; "
                    f"the archive may hold at most {max_bytes} bytes."
                )
            if (info.file_size > _RATIO_FLOOR_BYTES
                    and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise FileFormatError(
                    f"{path!r}: the member {name!r} is compressed {info.file_size} : "
                    f"{info.compress_size}, beyond {MAX_RATIO}:1 (a zip bomb?)."
                )
            members[name] = _read_member(archive, info, max_bytes - total, path)
            total += len(members[name])
    return members


def _read_member(archive, info, budget, path):
    """Reads one member in chunks, never past ``budget`` bytes whatever the header claims."""
    chunks, size = [], 0
    try:
        with archive.open(info, "r") as stream:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                if size > budget or size > info.file_size:
                    raise FileFormatError(
                        f"{path!r}: the member {info.filename!r} expands past its declared "
                        f"size ({info.file_size} bytes)."
                    )
                chunks.append(chunk)
    except FileFormatError:
        raise
    except Exception as error:  # noqa: BLE001 - zlib, CRC and truncation errors of any type
        raise FileFormatError(
            f"{path!r}: the member {info.filename!r} is damaged: {type(error).__name__}: {error}"
        ) from error
    return b"".join(chunks)
