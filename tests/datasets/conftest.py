"""Dataset tests never touch the internet nor the user's files.

Every test here runs with ``HOME`` in a temporary folder (so ``~/.kerasette`` is empty),
without ``$KERASETTE_DATA``, with ``$KERASETTE_DATASETS_MIRROR`` pointing at a closed port
on 127.0.0.1, and with every socket connection to a host other than the loopback refused.
The ``http_server`` fixture serves files from a temporary folder on 127.0.0.1.
"""

import functools
import http.server
import socket
import threading

import pytest

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class InternetAccessError(AssertionError):
    """A dataset test tried to connect beyond the loopback."""


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """Isolates the test from the network and from ``~``; yields the temporary home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERASETTE_DATA", raising=False)
    monkeypatch.setenv("KERASETTE_DATASETS_MIRROR", f"http://127.0.0.1:{_closed_port()}/")
    real_create_connection = socket.create_connection

    def loopback_only(address, *args, **kwargs):
        if address[0] not in LOOPBACK:
            raise InternetAccessError(f"a dataset test tried to reach {address}")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", loopback_only)
    yield home


def _closed_port():
    """A port on 127.0.0.1 that nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class FileServer:
    """A static file server on 127.0.0.1 serving ``folder``; ``requests`` lists the paths
    asked for, in order."""

    def __init__(self, folder):
        self.folder = folder
        self.requests = []
        server = self

        class Handler(_QuietHandler):
            def do_GET(self):
                server.requests.append(self.path)
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def http_server(tmp_path, monkeypatch):
    """A :class:`FileServer` on 127.0.0.1 serving ``tmp_path/served``, set as the mirror."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = FileServer(folder)
    monkeypatch.setenv("KERASETTE_DATASETS_MIRROR", server.url)
    yield server
    server.close()

