"""The HTTP client every command uses: transport choice, auth, idempotency, envelope, errors.

Server precedence (DESIGN.md): `--server` > `PURRR_SERVER` > config `server_url` > the local
daemon (Unix socket `DATA_DIR/purrr.sock`, if it answers) > the in-process ASGI app. The server
package is imported only on that last path.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from purrr_cli import config
from purrr_cli.errors import AuthError, CliError, UnreachableError, UsageError, from_api
from purrr_server.local_secrets import secret_name as secret_name

API = "/api/v1"
SOCKET_NAME = "purrr.sock"
LOCAL_TOKEN = "local-token"
#: The daemon's details (pid, socket, TCP port), written by `purrr server start`.
DAEMON_INFO = "daemon.json"
#: The local server's log (purrr_server.daemon.LOG_FILE; the in-process server writes it too).
SERVER_LOG = "server.log"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRIED_ERRORS = (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)
#: Lists are read in pages of this size (the API's `limit` allows up to 1000).
PAGE_SIZE = 200
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True)
class ServerChoice:
    """Which server the CLI talks to, and why."""

    kind: str  # "remote" | "daemon" | "in-process"
    url: str  # base URL, or the socket path for the daemon
    source: str  # "--server", "PURRR_SERVER", "config server_url", "daemon", "in-process"

    def describe(self) -> str:
        if self.kind == "daemon":
            return f"local daemon on {self.url}"
        if self.kind == "in-process":
            return f"in-process server (no daemon running; data in {self.url})"
        return f"{self.url} (from {self.source})"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "url": self.url, "source": self.source}


def daemon_socket(data_dir: Path | None = None) -> Path:
    return (data_dir or config.data_dir()) / SOCKET_NAME


def daemon_alive(path: Path) -> bool:
    """True when something accepts connections on the daemon's Unix socket."""
    if not path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(0.5)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def check_url(url: str, source: str) -> str:
    """A server URL without its trailing slash; one without http(s):// is a usage error."""
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise UsageError(
            f"invalid server URL {url!r} (from {source}): give the base URL with its scheme, "
            "e.g. https://purrr.example or http://127.0.0.1:8642",
            details={"field": source, "value": url},
        )
    return url.rstrip("/")


def choose_server(explicit: str | None = None) -> ServerChoice:
    """Apply the precedence rule without connecting anywhere (except probing the socket)."""
    for source, url in (
        ("--server", explicit),
        ("PURRR_SERVER", os.environ.get("PURRR_SERVER")),
        ("config server_url", config.load().get("server_url")),
    ):
        if url:
            return ServerChoice("remote", check_url(str(url), source), source)
    sock = daemon_socket()
    if daemon_alive(sock):
        return ServerChoice("daemon", str(sock), "daemon")
    return ServerChoice("in-process", str(config.data_dir()), "in-process")


class Client:
    """A thin, synchronous API client. `request` returns the envelope's `data`."""

    def __init__(
        self,
        server: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        choice: ServerChoice | None = None,
    ) -> None:
        self.choice = choice or choose_server(server)
        self._transport = transport
        self._http: httpx.Client | None = None

    def which(self) -> ServerChoice:
        return self.choice

    # --- connection ---

    def _open(self) -> httpx.Client:
        if self._http is not None:
            return self._http
        timeout = float(config.load().get("request_timeout") or 10.0)
        base_url, transport = self._transport_for(self.choice)
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": "purrr-cli", **self._auth_headers()},
        )
        return self._http

    def _transport_for(self, choice: ServerChoice) -> tuple[str, httpx.BaseTransport]:
        base_url = choice.url if choice.kind == "remote" else "http://purrr.local"
        if self._transport is not None:
            return base_url, self._transport
        if choice.kind == "daemon":
            from purrr_cli._uds import UnixSocketTransport

            return base_url, UnixSocketTransport(choice.url)
        if choice.kind == "in-process":
            from purrr_cli._inprocess import in_process_transport

            return base_url, in_process_transport(Path(choice.url))
        return base_url, httpx.HTTPTransport()

    def _auth_headers(self) -> dict[str, str]:
        if self.choice.kind in ("daemon", "in-process"):
            return local_auth_header()
        key = os.environ.get("PURRR_API_KEY") or config.get_secret(
            secret_name("api_key", self.choice.url)
        )
        if key:
            return {"X-API-Key": key}
        token = os.environ.get("PURRR_TOKEN") or config.get_secret(
            secret_name("token", self.choice.url)
        )
        if token:
            return {"Authorization": f"Bearer {token}"}
        if is_own_daemon_url(self.choice.url):
            return local_auth_header()
        return {}

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ---

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request (retried once on a dropped connection, same Idempotency-Key)."""
        method = method.upper()
        all_headers = dict(headers or {})
        if method in WRITE_METHODS:
            all_headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
        http = self._open()
        url = path if path.startswith(("/", "http")) else f"{API}/{path}"
        for attempt in (1, 2):
            try:
                return http.request(method, url, json=json, params=params, headers=all_headers)
            except RETRIED_ERRORS as exc:
                if attempt == 2:
                    raise self._unreachable(exc) from exc
            except httpx.HTTPError as exc:
                raise self._unreachable(exc) from exc
        raise AssertionError("unreachable")  # the loop returns or raises

    def _unreachable(self, exc: Exception) -> UnreachableError:
        return UnreachableError(
            f"cannot reach the server at {self.choice.describe()}: {exc}",
            details={"server": self.choice.as_dict()},
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request and return the envelope's `data`, raising the mapped error otherwise
        (reworded for the flags of the command being run: purrr_cli._fields)."""
        response = self.send(method, path, **kwargs)
        try:
            return unwrap(response)
        except CliError as error:
            from purrr_cli._fields import speak_flags

            if "request_id" in error.details and self.choice.kind != "remote":
                error.message += f"; the server log is {config.data_dir() / SERVER_LOG}"
            raise speak_flags(error) from None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def get_all(self, path: str, **params: Any) -> list[Any]:
        """Every item of a paged list (`?limit&offset`), following `X-Total-Count` to the end."""
        query = {k: v for k, v in params.items() if v is not None}
        items: list[Any] = []
        while True:
            response = self.send(
                "GET", path, params={**query, "limit": PAGE_SIZE, "offset": len(items)}
            )
            page = unwrap(response)
            if not isinstance(page, list):
                return items if page is None else [page]
            if page and items and page[0] == items[-len(page)]:
                return items  # a server that ignores `offset`: the same page again
            items.extend(page)
            total = response.headers.get("X-Total-Count", "")
            more = len(items) < int(total) if total.isdigit() else len(page) == PAGE_SIZE
            if not page or not more:
                return items

    @contextmanager
    def stream(
        self,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        read_timeout: float = 60.0,
    ) -> Iterator[httpx.Response]:
        """A GET whose body is read as it arrives (a Server-Sent Events stream), waiting up to
        `read_timeout` seconds between chunks. An error answer raises its CliError, a lost
        connection (also mid-stream) UnreachableError."""
        http = own = self._open()
        if self.choice.kind == "daemon" and self._transport is None:
            # The daemon's transport keeps one connection, which a stream would hold for
            # minutes: the stream gets a connection of its own.
            _, transport = self._transport_for(self.choice)
            http = httpx.Client(base_url=own.base_url, transport=transport, headers=own.headers)
        url = path if path.startswith(("/", "http")) else f"{API}/{path}"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        timeout = httpx.Timeout(http.timeout.connect or 10.0, read=read_timeout)
        try:
            with http.stream("GET", url, params=query, headers=headers, timeout=timeout) as answer:
                if not answer.is_success:
                    answer.read()
                    unwrap(answer)
                yield answer
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        finally:
            if http is not own:
                http.close()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.request("POST", path, json=body or {})

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def unwrap(response: httpx.Response) -> Any:
    """The `data` of a success envelope; a CliError for anything else.

    A server error (5xx) names its request id, which finds it in the server's log.
    """
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if response.is_success:
        if isinstance(body, dict) and "success" in body:
            return body.get("data")
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code == 401 and not error:
        raise AuthError("not logged in; run `purrr auth login`")
    failure = from_api(response.status_code, error if isinstance(error, dict) else None)
    if response.status_code >= 500:
        meta = body.get("meta") if isinstance(body, dict) else None
        rid = (meta or {}).get("request_id") or response.headers.get("X-Request-Id")
        if rid:
            failure.message = f"{failure.message} (request id {rid})"
            failure.details = {**failure.details, "request_id": rid}
    raise failure


def local_auth_header() -> dict[str, str]:
    """The local player's bearer token (`DATA_DIR/local-token`, written by the local server)."""
    token_file = config.data_dir() / LOCAL_TOKEN
    try:
        token = token_file.read_text("utf-8").strip()
    except OSError:
        token = ""
    return {"Authorization": f"Bearer {token}"} if token else {}


def is_own_daemon_url(url: str) -> bool:
    """Whether `url` is the loopback TCP address of this data dir's daemon (`daemon.json`)."""
    try:
        parsed = httpx.URL(url)
        info = json.loads((config.data_dir() / DAEMON_INFO).read_text("utf-8"))
    except (OSError, ValueError, httpx.InvalidURL):
        return False
    port = info.get("port") if isinstance(info, dict) else None
    return bool(port) and parsed.host in LOOPBACK_HOSTS and parsed.port == port


_client: Client | None = None
#: Tests (and embedders) may route every command through this transport instead.
default_transport: httpx.BaseTransport | None = None


def connect(server: str | None = None) -> Client:
    """The process-wide client for the current command (honours the command's --server)."""
    global _client
    if _client is None:
        from purrr_cli import output

        _client = Client(server or output.options.server, transport=default_transport)
    return _client


def reset() -> None:
    """Forget the process-wide client (tests; `auth login` after storing a credential)."""
    global _client
    if _client is not None:
        _client.close()
    _client = None


__all__ = ["Client", "CliError", "ServerChoice", "choose_server", "connect", "unwrap"]
