"""Fixtures: an isolated home and config dir, `cli(...)` to run commands in-process, and real
servers for them: the local game (`local_server`, what `purrr` starts in-process when no daemon
runs) and a hosted server (`hosted_server`, accounts and rate limits). No fakes: every command
talks to `purrr_server.create_app` through the CLI's own in-process transport."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from purrr_cli import client, output
from purrr_cli.app import run

#: The URL the CLI is given for the hosted server (`--server`); requests never leave the process.
HOSTED_URL = "http://purrr.remote"
PASSWORD = "correct horse 9"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own HOME, config dir and data dir, and default output options."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PURRR_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PURRR_DATA_DIR", str(tmp_path / "data"))
    output.options.__init__()  # type: ignore[misc]
    yield tmp_path
    client.default_transport = None


class Recorder(httpx.BaseTransport):
    """A real app behind the CLI's in-process transport, remembering every request it served."""

    def __init__(self, app: Any) -> None:
        from purrr_cli._inprocess import ASGIPortalTransport

        self.app = app
        self.requests: list[httpx.Request] = []
        self._inner = ASGIPortalTransport(app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Called by every command's client when it ends: the server stays up for the next."""

    def shutdown(self) -> None:
        self._inner.close()

    def client(self, base_url: str, **headers: str) -> httpx.Client:
        """A plain HTTP client of the same app (for setting up state without the CLI)."""
        return httpx.Client(transport=self, base_url=f"{base_url}/api/v1", headers=headers)


def _serve(app: Any) -> Iterator[Recorder]:
    recorder = Recorder(app)
    client.default_transport = recorder
    try:
        yield recorder
    finally:
        client.default_transport = None
        recorder.shutdown()


@pytest.fixture
def local_server(isolated: Path) -> Iterator[Recorder]:
    """The local game on this test's data dir: the app `purrr` runs in-process when no daemon
    answers, kept up for all of the test's commands instead of one start per command."""
    from purrr_server.app import create_app
    from purrr_server.settings import Settings

    yield from _serve(create_app(Settings(data_dir=isolated / "data"), mount_on_demand=True))


@pytest.fixture
def hosted_server(tmp_path: Path) -> Iterator[Recorder]:
    """A hosted server on its own data dir with one account, `alice` (password `PASSWORD`) and
    a free-tier limit of 5 requests a minute; commands reach it with `--server HOSTED_URL`."""
    from purrr_server.app import create_app
    from purrr_server.settings import Settings

    settings = Settings(
        data_dir=tmp_path / "hosted",
        hosted=True,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        tier_limits={"free": 5},
    )
    for recorder in _serve(create_app(settings)):
        with recorder.client(HOSTED_URL) as http:
            account = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
            registered = http.post("/auth/register", json=account, headers={"Idempotency-Key": "a"})
            assert registered.status_code == 201, registered.text
        recorder.requests.clear()
        yield recorder


def login(hosted: Recorder) -> str:
    """A fresh bearer token of alice on the hosted server."""
    with hosted.client(HOSTED_URL) as http:
        r = http.post(
            "/auth/login",
            json={"username": "alice", "password": PASSWORD},
            headers={"Idempotency-Key": f"login-{len(hosted.requests)}"},
        )
    assert r.status_code == 200, r.text
    return str(r.json()["data"]["access_token"])


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        output.options.__init__()  # type: ignore[misc]
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def purrr_in_process(isolated: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`purrr ARGS` as tests/cli/user.py runs it, but in this process (`run_in_process`): the
    same command tree, and a fresh in-process server per command (what `purrr` starts when no
    daemon answers), without a Python start-up per command. `settings` are environment
    variables for this command only (e.g. PURRR_NOW); stdin is never a terminal. Returns what
    `subprocess.run` would."""
    from tests.cli.user import run_in_process

    def run(*args: str, stdin: str = "", **settings: str) -> subprocess.CompletedProcess[str]:
        return run_in_process(dict(os.environ), *args, stdin=stdin, **settings)

    return run


@pytest.fixture
def adopt(cli: Callable[..., Result], local_server: Recorder) -> Callable[..., dict[str, Any]]:
    """`adopt("Mittens", personality="playful")`: adopt a cat with `purrr cats adopt`."""
    import json

    def make(name: str, personality: str = "playful") -> dict[str, Any]:
        done = cli("cats", "adopt", name, "--personality", personality, "--json")
        assert done.code == 0, done.err
        return dict(json.loads(done.out))

    return make
