"""purrr_cli._uds: the daemon's transport (HTTP/1.1 over a Unix socket with http.client)."""

from __future__ import annotations

import http.server
import itertools
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from purrr_cli._uds import UnixSocketTransport


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    numbers = itertools.count(1)

    def setup(self) -> None:
        super().setup()
        self.number = next(self.numbers)  # one handler per connection

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._reply(200, b"got " + body + b" at " + self.path.encode())

    def do_GET(self) -> None:
        if self.path == "/close":  # answer, then close the connection
            self.close_connection = True
            self._reply(200, b"bye", close=True)
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"one ", b"two"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._reply(404, b"no route " + self.path.encode())

    def _reply(self, status: int, body: bytes, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Connection", str(self.number))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@pytest.fixture
def socket_path(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "t.sock")
    server = _Server(path, _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        server.shutdown()
        server.server_close()


def test_requests_share_one_connection_and_survive_its_close(socket_path: str) -> None:
    with httpx.Client(transport=UnixSocketTransport(socket_path), base_url="http://l") as c:
        first = c.post("/a?x=1", content=b"hello")
        assert (first.status_code, first.text) == (200, "got hello at /a?x=1")
        second = c.get("/missing")
        assert second.status_code == 404 and second.text == "no route /missing"
        assert first.headers["X-Connection"] == second.headers["X-Connection"]  # kept alive
        assert c.get("/close").text == "bye"
        again = c.post("/b", content=b"x")  # a new connection after the server closed it
        assert again.text == "got x at /b"
        assert again.headers["X-Connection"] != first.headers["X-Connection"]
        assert c.get("/chunked").text == "one two"


def test_a_missing_socket_is_a_connect_error(tmp_path: Path) -> None:
    with httpx.Client(transport=UnixSocketTransport(str(tmp_path / "none.sock"))) as c:
        with pytest.raises(httpx.ConnectError, match=r"none\.sock"):
            c.get("http://l/")
