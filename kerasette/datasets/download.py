"""Downloading a dataset file: standard library only, verified, atomic.

A file is streamed from its URL into a temporary file beside its destination while its
SHA-256 is computed; only when its size and hash are the expected ones is it renamed into
place (:func:`kerasette.utils.file_io.atomic_path`). A wrong file is deleted and raises
:class:`ChecksumError`; a network failure (no route, HTTP error, timeout) raises
:class:`DownloadError`. Neither leaves anything at the destination.

``$KERASETTE_DATASETS_MIRROR``, when set, replaces the base URL of every dataset (the file
names are appended to it): a local mirror, or a test server.
"""

import collections
import hashlib
import os
import sys

from kerasette.utils.file_io import atomic_path

MIRROR_ENV = "KERASETTE_DATASETS_MIRROR"

#: Seconds a connection may stay silent (connecting, or between two reads) before the
#: download is abandoned.
TIMEOUT_SECONDS = 60

_CHUNK = 1 << 16

RemoteFile = collections.namedtuple("RemoteFile", ["name", "sha256", "size"])
RemoteFile.__doc__ = """A file of a dataset on its mirror: file ``name``, its ``sha256``
(hex) and its ``size`` in bytes."""


class ChecksumError(ValueError):
    """A file is not the expected one (wrong size or SHA-256): a download (it was deleted),
    or a file found on disk (see :mod:`kerasette.datasets.verify`)."""


class DownloadError(OSError):
    """A file could not be fetched (no network, HTTP error, timeout); ``url`` says which."""

    def __init__(self, url, reason):
        super().__init__(f"downloading {url} failed: {reason}")
        self.url = url
        self.reason = reason


def mirror(default_base):
    """The base URL to download from: ``$KERASETTE_DATASETS_MIRROR`` if set, else
    ``default_base``; always ending in ``/``."""
    base = os.environ.get(MIRROR_ENV) or default_base
    return base if base.endswith("/") else base + "/"


def download(url, path, sha256, size=None, timeout=None):
    """Downloads ``url`` to ``path``, verified, atomically.

    Args:
        url: where the file is.
        path: where it goes; its folder is created if needed.
        sha256: the expected SHA-256 of the file, in hex.
        size: the expected size in bytes, or None. A server sending more is cut off there.
        timeout: seconds of silence before giving up (default :data:`TIMEOUT_SECONDS`).

    Returns:
        ``path``.

    Raises:
        ChecksumError: the file received has the wrong size or hash (naming the expected
            and actual ones); nothing is left at ``path``.
        DownloadError: the file could not be fetched; nothing is left at ``path``.
    """
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    print(f"Downloading {url} to {path}", file=sys.stderr)
    with atomic_path(path) as tmp:
        received, digest = _fetch(url, tmp, size, timeout)
        if digest != sha256 or (size is not None and received != size):
            expected_size = "" if size is None else f"{size} bytes, "
            raise ChecksumError(
                f"The file downloaded from {url} is corrupt and was deleted: expected "
                f"{expected_size}SHA-256 {sha256}; got {received} bytes, SHA-256 {digest}."
            )
    return path


def _fetch(url, tmp, size, timeout):
    """Streams ``url`` into ``tmp``; ``(bytes received, their SHA-256)``. Stops one byte past
    ``size``, so a server that never ends cannot fill the disk."""
    import http.client  # here, not at the top: with ssl they would slow `import kerasette`
    import urllib.error
    import urllib.request

    digest = hashlib.sha256()
    received = 0
    limit = None if size is None else size + 1
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            total = size or _content_length(response)
            with _progress(total, url.rsplit("/", 1)[-1]) as bar:
                while limit is None or received < limit:
                    wanted = _CHUNK if limit is None else min(_CHUNK, limit - received)
                    chunk = response.read(wanted)
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as error:
        raise DownloadError(url, f"HTTP error {error.code} ({error.reason})") from error
    except urllib.error.URLError as error:
        raise DownloadError(url, error.reason) from error
    except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
        raise DownloadError(url, f"{type(error).__name__}: {error}") from error
    return received, digest.hexdigest()


def _content_length(response):
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _progress(total, description):
    """A tqdm progress bar on stderr when tqdm is installed and stderr is a terminal."""
    try:
        import tqdm
    except ImportError:
        return _NoProgress()
    return tqdm.tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=description, file=sys.stderr, disable=None, leave=False)


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def update(self, count):
        pass
