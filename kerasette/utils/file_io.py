"""Files that survive crashes and archives that cannot hurt: the I/O under every save and load.

Two guarantees live here, so that every writer and reader gets them the same way:

- :func:`atomic_path` writes a file atomically: the caller writes a hidden temporary file
  (``.<name>.<random>.tmp``, or ``.<random>.tmp`` when the target's name is too long for
  that) in the target's folder, which is flushed to disk and renamed over the target only
  when the writer finished without an exception. A process killed at any moment leaves
  either the previous file or the new one, never a torn one (a stale temporary may stay
  beside it; no loader takes it for the file). A replaced file keeps its permissions.
- :func:`read_archive` reads a ``.keras`` zip into memory, refusing anything unexpected:
  not a regular file (a pipe would block), not a zip, member names that are absolute,
  climb out (``..``) or hide a NUL, unknown or repeated members, members too large or
  compressed too well, alone or together (a zip bomb: refused from the headers, before
  anything is inflated), corrupt data (a CRC error). Nothing from the archive is ever
  written to disk. :func:`check_regular_file` is its first check, for other loaders too.

Every refusal is a :class:`FileFormatError` (a ``ValueError``) naming the file and the
problem; a missing path is a ``FileNotFoundError``.
"""

import contextlib
import errno
import os
import secrets
import stat
import zipfile

#: The most bytes one archive may expand to (all members together), unless the environment
#: variable ``KERASETTE_MAX_ARCHIVE_BYTES`` says otherwise; a zip bomb stops here.
MAX_ARCHIVE_BYTES = 16 * 2**30
# A member larger than this must not be compressed better than MAX_RATIO:1.
_RATIO_FLOOR_BYTES = 2**20
MAX_RATIO = 200


class FileFormatError(ValueError):
    """A model or weights file is not what it claims to be: corrupt, truncated or hostile."""


def max_archive_bytes():
    """The most bytes one archive may expand to: ``KERASETTE_MAX_ARCHIVE_BYTES`` when set
    (a positive whole number of bytes), else :data:`MAX_ARCHIVE_BYTES`.

    Read at each load rather than at import, so that a bad value names itself when it
    matters instead of making ``import kerasette`` fail.

    Raises:
        ValueError: the variable is set to something other than a positive whole number.
    """
    value = os.environ.get("KERASETTE_MAX_ARCHIVE_BYTES", "").strip()
    if not value:
        return MAX_ARCHIVE_BYTES
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise ValueError(
            f"KERASETTE_MAX_ARCHIVE_BYTES={value!r}: expected a positive whole number of bytes "
            f"(such as {MAX_ARCHIVE_BYTES}, the default), the most a .keras archive may "
            "expand to. Unset it to use the default."
        )
    return limit


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside ``path``; on success it replaces ``path`` atomically.

    A replaced file keeps its permissions (a private 0o600 file stays private, as when
    Keras 3 writes it in place); a new file gets those ``open`` would give it (0o666 less
    the umask).

    Raises:
        FileNotFoundError: the folder of ``path`` does not exist.
        IsADirectoryError: ``path`` is a folder.

    Example:
        >>> with atomic_path("model.weights.h5") as tmp:
        ...     write_weights(tmp)          # an exception here leaves the old file untouched
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to {path!r}: the folder {folder!r} does not exist.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot save to {path!r}: it is a folder, not a file.")
    tmp = _create_temporary(folder, os.path.basename(path))
    try:
        yield tmp
        _keep_mode(tmp, path)
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


def _keep_mode(tmp, path):
    """Gives the temporary ``tmp`` the permission bits of the file at ``path`` it is about
    to replace (nothing when there is none yet)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return
    os.chmod(tmp, mode)


def _create_temporary(folder, basename):
    """Creates an empty ``.<basename>.<random>.tmp`` in ``folder`` and returns its path.

    The name starts with a dot and ends in ``.tmp``, so a file left by a killed process is
    never taken for a model file. A target whose name is too long for the 18 characters
    added (any name up to the system's limit is legal) gets the short ``.<random>.tmp``.
    It is created with mode 0o666 less the umask (as ``open`` would), unlike
    ``tempfile.mkstemp``'s 0o600, so a saved model is as readable as any other file the
    user writes.
    """
    descriptive = True
    while True:
        token = secrets.token_hex(6)
        tmp = os.path.join(folder, f".{basename}.{token}.tmp" if descriptive else f".{token}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno != errno.ENAMETOOLONG or not descriptive:
                raise
            descriptive = False
            continue
        os.close(fd)
        return tmp


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


def check_regular_file(path, what="a model file"):
    """``path`` as a string, once it is known to name a regular file (following links).

    Call it before opening a file to load: opening a pipe blocks until a writer comes, and
    reading a device may never end.

    Args:
        path: the path to check.
        what: how the message names the expected file (``"a .weights.h5 file"``).

    Raises:
        FileNotFoundError: nothing at ``path`` (or a parent is not a folder).
        FileFormatError: a folder, a pipe, a socket or a device, or a path the system
            cannot resolve (a link loop, a name too long).
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"No such file: {path!r}.") from None
    except (OSError, ValueError) as error:  # a link loop, a name too long, a NUL in the path
        raise FileFormatError(f"{path!r} cannot be read: {type(error).__name__}: "
                              f"{error}") from error
    if stat.S_ISDIR(mode):
        raise FileFormatError(f"{path!r} is a folder, not {what}.")
    if not stat.S_ISREG(mode):
        raise FileFormatError(f"{path!r} is not a regular file (a pipe, socket or device?), "
                              f"not {what}.")
    return path


def _check_member_name(name, path):
    """Refuses a member name that is empty, absolute, climbs out, or hides a NUL or a drive."""
    parts = name.replace("\\", "/").split("/")
    if (not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name
            or ".." in parts or (len(name) > 1 and name[1] == ":")):
        raise FileFormatError(f"{path!r}: unsafe member name {name!r} in the archive.")


def read_archive(path, allowed=None, allowed_prefixes=(), max_bytes=None):
    """The members of the zip at ``path`` as ``{name: bytes}``, read in memory and checked.

    Every header is checked before a single byte is decompressed: member names, duplicates,
    the sizes the members declare (each and together) against ``max_bytes``, and how well
    they claim to compress (a member, or the whole archive, expanding more than
    :data:`MAX_RATIO` times its stored size is a zip bomb). The data is then decompressed
    in chunks that never run past the declared sizes, and every CRC is checked.

    Args:
        path: the archive.
        allowed: the member names that may appear (others are refused); None allows any
            safe name.
        allowed_prefixes: name prefixes that are also allowed (``"assets/"``).
        max_bytes: the most bytes all members may expand to (default
            :func:`max_archive_bytes`).

    Raises:
        FileNotFoundError: no file at ``path``.
        FileFormatError: anything wrong with the archive, or ``path`` is a folder, a pipe
            or a device rather than a file.
        ValueError: ``KERASETTE_MAX_ARCHIVE_BYTES`` is set to something other than a
            positive whole number.
    """
    max_bytes = max_archive_bytes() if max_bytes is None else max_bytes
    path = check_regular_file(path, "a .keras file")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
            stored_size = os.fstat(handle.fileno()).st_size
    except OSError as error:  # no permission, an I/O error
        raise FileFormatError(f"{path!r} cannot be read: {type(error).__name__}: "
                              f"{error}") from error
    if stored_size == 0:
        raise FileFormatError(f"{path!r} is empty (0 bytes), not a .keras file.")
    if magic != b"PK\x03\x04":
        raise FileFormatError(
            f"{path!r} is not a .keras file (a zip archive): it starts with {magic!r}, "
            "not b'PK\\x03\\x04'."
        )
    try:
        archive = zipfile.ZipFile(path, "r")
        infos = archive.infolist()
    except Exception as error:  # noqa: BLE001 - zipfile raises many types on damaged input
        raise FileFormatError(f"{path!r} is a damaged or truncated zip archive: "
                              f"{type(error).__name__}: {error}") from error
    with archive:
        files = _checked_members(infos, path, allowed, allowed_prefixes, max_bytes, stored_size)
        members = {}
        for info in files:
            members[info.filename] = _read_member(archive, info, path)
    return members


def _checked_members(infos, path, allowed, allowed_prefixes, max_bytes, stored_size):
    """The file members of ``infos``, once every header has passed the checks."""
    files, names, total = [], set(), 0
    for info in infos:
        _check_member_name(info.orig_filename, path)
        name = info.filename
        if info.is_dir():
            continue
        if allowed is not None and name not in allowed and not name.startswith(
                tuple(allowed_prefixes)):
            raise FileFormatError(
                f"{path!r}: unexpected member {name!r} in the archive; expected "
                f"{sorted(allowed)}" + (f" or names starting with {list(allowed_prefixes)}"
                                        if allowed_prefixes else "") + "."
            )
        if name in names:
            raise FileFormatError(f"{path!r}: the member {name!r} appears twice.")
        names.add(name)
        total += info.file_size
        if total > max_bytes:
            raise FileFormatError(
                f"{path!r}: the members expand to more than {max_bytes} bytes (the member "
                f"{name!r} alone declares {info.file_size}); refusing to read the archive."
            )
        if (info.file_size > _RATIO_FLOOR_BYTES
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise FileFormatError(
                f"{path!r}: the member {name!r} is compressed {info.file_size} : "
                f"{info.compress_size}, beyond {MAX_RATIO}:1 (a zip bomb?)."
            )
        files.append(info)
    # Many members, each under the floor, can still add up to a bomb.
    if total > _RATIO_FLOOR_BYTES and total > MAX_RATIO * max(stored_size, 1):
        raise FileFormatError(
            f"{path!r}: the archive's {len(files)} members expand to {total} bytes from a "
            f"{stored_size}-byte file, beyond {MAX_RATIO}:1 (a zip bomb?)."
        )
    return files


def _read_member(archive, info, path):
    """Reads one member in chunks, never past its declared size whatever the data holds."""
    chunks, size = [], 0
    try:
        with archive.open(info, "r") as stream:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                if size > info.file_size:
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
