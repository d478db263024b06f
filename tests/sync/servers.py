"""Real servers on loopback for the sync fault tests: `python -m purrr_server` processes on free
ports (the hosted remote, the local game), a TCP proxy that can lose responses, and `purrr` CLI
runs against them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.environment import hermetic
from tests.sync.harness import GENOTYPE, PASSWORD

FAST_HASH = {"PURRR_ARGON2_TIME_COST": "1", "PURRR_ARGON2_MEMORY_KIB": "1024"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The suite's hermetic environment (tests/environment.py), a cheap password hash, `extra`."""
    return hermetic(os.environ, **FAST_HASH, **extra)


@dataclass
class ServerProcess:
    """`python -m purrr_server` on a free loopback port; `kill()` is kill -9."""

    data_dir: Path
    hosted: bool
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **env: str) -> ServerProcess:
        command = [
            sys.executable,
            "-m",
            "purrr_server",
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
            "--no-rate-limit",
            "--log-level",
            "warning",
        ]
        if self.hosted:
            command.append("--hosted")
        log = open(self.data_dir.parent / f"{self.data_dir.name}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            env=clean_env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the server exited on start:\n{self.log_tail()}"
            try:
                if httpx.get(f"{self.url}/health/live", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.kill()
        raise AssertionError(f"server on {self.url} did not start:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        path = self.data_dir.parent / f"{self.data_dir.name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def hosted_remote(tmp_path: Path, **env: str) -> Iterator[ServerProcess]:
    """A hosted server process under `tmp_path/remote` for a fixture to yield, stopped after."""
    server = ServerProcess(tmp_path / "remote", hosted=True).start(**env)
    try:
        yield server
    finally:
        server.stop()


def register(url: str, username: str = "traveller") -> str:
    """An account on the hosted server at `url`; returns a read+write API key for it."""
    with httpx.Client(base_url=url, timeout=10) as c:
        r = c.post(
            "/api/v1/auth/register",
            headers={"Idempotency-Key": f"reg-{username}"},
            json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        r = c.post(
            "/api/v1/auth/login",
            headers={"Idempotency-Key": f"login-{username}"},
            json={"username": username, "password": PASSWORD},
        )
        token = r.json()["data"]["access_token"]
        r = c.post(
            "/api/v1/keys",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"key-{username}"},
            json={"name": "sync", "scopes": ["read", "write"]},
        )
        assert r.status_code == 201, r.text
        return str(r.json()["data"]["key"])


class Api:
    """A small synchronous client of one server (an API key or a bearer token)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=60)
        self._n = 0

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        self._n += 1
        extra = {"Idempotency-Key": f"t-{id(self)}-{self._n}"} if method != "GET" else {}
        return self.http.request(method, path, json=body, headers={**extra, **(headers or {})})

    def ok(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = self.call(method, path, body, headers)
        assert response.is_success, response.text
        return response.json()["data"]

    def adopt(self, name: str) -> dict[str, Any]:
        return dict(
            self.ok(
                "POST", "cats", {"name": name, "personality_type": "playful", "genotype": GENOTYPE}
            )
        )

    def close(self) -> None:
        self.http.close()


class LosingProxy:
    """A TCP proxy to `upstream_port`: forwards whole connections, but while `lose` is positive
    it delivers the request, waits for the upstream's answer, and drops the connection instead
    of passing the answer on (the remote applied it; the client never heard)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.lose = 0
        self.lost = 0
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = int(self._server.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
            client.settimeout(30)
            upstream.settimeout(30)
            while True:
                request = _read_message(client)
                if not request:
                    return
                upstream.sendall(request)
                response = _read_message(upstream)
                if self.lose > 0:
                    self.lose -= 1
                    self.lost += 1
                    return  # the answer is dropped with the connection
                client.sendall(response)

    def close(self) -> None:
        self._server.close()


def _read_message(sock: socket.socket) -> bytes:
    """One HTTP/1.1 message (headers + Content-Length body) from `sock`; b"" at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def device_env(config_dir: Path, data_dir: Path, **env: str) -> dict[str, str]:
    """The environment of a player's `purrr` whose config and game live in these dirs."""
    return clean_env(PURRR_CONFIG_DIR=str(config_dir), PURRR_DATA_DIR=str(data_dir), **env)


def purrr(
    *args: str, config_dir: Path, data_dir: Path, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the `purrr` CLI (in-process local server on `data_dir`)."""
    return subprocess.run(
        [sys.executable, "-m", "purrr_cli", *args],
        env=device_env(config_dir, data_dir, **env),
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )
