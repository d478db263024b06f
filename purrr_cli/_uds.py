"""The local daemon's transport: HTTP/1.1 over its Unix socket with the standard library.

httpx's own transport loads httpcore, h11 and anyio (a tenth of a one-shot command's start-up)
for what one local socket needs; `http.client`, which `import httpx` has loaded already, speaks
it. The connection is kept open across a command's requests; a connection the daemon closed is
reported as `httpx.RemoteProtocolError`, which the client retries once on a new one.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator

import httpx


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("purrr.local", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _Body(httpx.SyncByteStream):
    """The response body as it arrives (chunked encoding already undone by http.client)."""

    def __init__(self, response: http.client.HTTPResponse, transport: UnixSocketTransport) -> None:
        self.response = response
        self.transport = transport

    def __iter__(self) -> Iterator[bytes]:
        try:
            while chunk := self.response.read1(65536):
                yield chunk
        except TimeoutError as exc:
            self.transport.drop()
            raise httpx.ReadTimeout(str(exc) or "timed out reading the response") from exc
        except (OSError, http.client.HTTPException) as exc:
            self.transport.drop()
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        self.response.close()
        self.transport.busy = False
        if self.response.will_close:
            self.transport.drop()


class UnixSocketTransport(httpx.BaseTransport):
    """An httpx transport to the HTTP server listening on the Unix socket at `path`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: _UnixConnection | None = None
        #: A response whose body is not closed yet holds the connection.
        self.busy = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        if self.busy:
            self.drop()
        connection = self._connection
        if connection is None:
            connection = self._connection = _UnixConnection(self.path, timeouts.get("connect"))
            try:
                connection.connect()
            except TimeoutError as exc:
                self.drop()
                raise httpx.ConnectTimeout(f"timed out connecting to {self.path}") from exc
            except OSError as exc:
                self.drop()
                raise httpx.ConnectError(f"{exc.strerror or exc} ({self.path})") from exc
        assert connection.sock is not None
        connection.sock.settimeout(timeouts.get("write"))
        try:
            target = request.url.raw_path.decode("ascii")
            connection.putrequest(request.method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in request.headers.raw:
                connection.putheader(name, value)
            connection.endheaders(request.read() or None)
        except TimeoutError as exc:
            self.drop()
            raise httpx.WriteTimeout("timed out sending the request") from exc
        except OSError as exc:  # the daemon closed a kept-alive connection, or went away
            self.drop()
            raise httpx.WriteError(str(exc) or type(exc).__name__) from exc
        connection.sock.settimeout(timeouts.get("read"))
        try:
            response = connection.getresponse()
        except TimeoutError as exc:
            self.drop()
            raise httpx.ReadTimeout("timed out waiting for the response") from exc
        except (OSError, http.client.HTTPException) as exc:
            self.drop()
            raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
        self.busy = True
        return httpx.Response(
            response.status,
            headers=response.getheaders(),
            stream=_Body(response, self),
            extensions={"http_version": b"HTTP/1.1"},
        )

    def drop(self) -> None:
        """Close the connection; the next request opens a new one."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self.busy = False

    def close(self) -> None:
        self.drop()
