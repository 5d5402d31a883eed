"""Hand-made zip archives for the hostile-file tests: what ``zipfile`` refuses to write.

The ``zipfile`` module cleans what it writes (it cuts names at a NUL, computes honest sizes
and CRCs), so the archives an attacker would send are assembled here byte by byte:
:func:`raw_zip` writes local headers, a central directory and the end record from
:class:`Entry` values that may lie about sizes, CRC, method or name. :func:`zeros_deflate`
makes a deflate stream of gigabytes of zeros in about a megabyte without ever holding the
zeros. :func:`zip_bytes` and :func:`rezip` make honest archives (right sizes and CRCs) of
changed members, so that a mutation gets past the zip layer to the parser behind it.
"""

import dataclasses
import io
import struct
import warnings
import zipfile
import zlib

_CHUNK = 1 << 20


@dataclasses.dataclass
class Entry:
    """One member of a hand-made archive.

    Args:
        name: the name as raw bytes (a NUL or a backslash stays as given).
        data: the bytes stored in the archive (already compressed when ``method`` is 8).
        method: 0 (stored) or 8 (deflate), written as given.
        size: the uncompressed size to declare (default: ``len(data)``, right for stored).
        crc: the CRC-32 to declare (default: that of ``data``, right for stored).
        local_name: the name in the local header when it should differ from ``name``.
    """

    name: bytes
    data: bytes
    method: int = 0
    size: int | None = None
    crc: int | None = None
    local_name: bytes | None = None


def raw_zip(entries, comment=b""):
    """The bytes of a zip archive holding ``entries`` (:class:`Entry`), exactly as declared."""
    body, directory = bytearray(), bytearray()
    for entry in entries:
        size = len(entry.data) if entry.size is None else entry.size
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        local_name = entry.name if entry.local_name is None else entry.local_name
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, entry.method, 0, 0,
                            crc, len(entry.data), size, len(local_name), 0)
        body += local_name + entry.data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, entry.method, 0, 0,
                                 crc, len(entry.data), size, len(entry.name), 0, 0, 0, 0,
                                 0o644 << 16, offset)
        directory += entry.name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(directory), len(body), len(comment))
    return bytes(body + directory + end + comment)


def zeros_deflate(size):
    """``(deflate stream, crc32)`` of ``size`` zero bytes (a multiple of 1 MiB), built in
    about ``size / 1000`` bytes of memory and a fraction of a second.

    After a full flush the compressor forgets its window, so every further MiB of zeros
    compresses to the same block: one block is made and repeated.
    """
    if size % _CHUNK:
        raise ValueError(f"zeros_deflate wants a multiple of {_CHUNK} bytes, got {size}.")
    chunks = size // _CHUNK
    zero_chunk = bytes(_CHUNK)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(zero_chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * chunks + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(chunks):  # crc32 of zeros, one MiB at a time from a single buffer
        crc = zlib.crc32(zero_chunk, crc)
    return stream, crc


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    """The bytes of a zip holding ``members``, a list of ``(name, bytes)`` in order (a name
    may repeat), with honest sizes and CRCs."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: here, the point
        with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return buffer.getvalue()


def rezip(source, destination, replace=None, add=None, drop=(), compression=zipfile.ZIP_STORED):
    """Copies the archive ``source`` to ``destination`` with members changed (honest CRCs).

    Args:
        replace: ``{name: bytes}`` new contents for existing members.
        add: ``{name: bytes}`` members appended after the others.
        drop: names left out.
    """
    replace, add = dict(replace or {}), dict(add or {})
    with zipfile.ZipFile(source) as old:
        members = [(info.filename, replace.get(info.filename, old.read(info)))
                   for info in old.infolist() if info.filename not in drop]
    with open(destination, "wb") as handle:
        handle.write(zip_bytes(members + list(add.items()), compression))
