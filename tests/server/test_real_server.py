"""Against a real `python -m purrr_server` process: HTTP, restarts, kill -9, the daemon API."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from purrr_server.daemon import daemon_status, log_path, start_daemon, stop_daemon
from purrr_server.settings import Settings
from tests.server.conftest import GENOTYPE

#: Real processes: starting them takes a while on a loaded two-core CI machine.
pytestmark = pytest.mark.timeout(300)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One `python -m purrr_server` subprocess on a free loopback port (its log in a file next
    to the data dir: a pipe nobody reads would fill up and stall the server)."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.data_dir, self.extra = data_dir, extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"{data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "purrr_server",
                    "--data-dir",
                    str(self.data_dir),
                    "--port",
                    str(self.port),
                    *self.extra,
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited on start:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/health/live", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.stop(signal.SIGKILL)
        raise AssertionError(f"the server did not answer within 30 s:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError(f"the server ignored {signal.Signals(sig).name}") from None

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def token(self) -> str:
        return (self.data_dir / "local-token").read_text().strip()


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    """`servers(data_dir, *args)`: a started server, stopped (killed if need be) after the test."""
    started: list[Server] = []

    def start(data_dir: Path, *extra: str) -> Server:
        started.append(Server(data_dir, *extra))
        return started[-1].start()

    try:
        yield start
    finally:
        for server in started:
            if server.process is not None and server.process.poll() is None:
                server.process.kill()
                server.process.wait(timeout=10)


@pytest.fixture
def hosted_server(tmp_path: Path, servers: Callable[..., Server]) -> Server:
    return servers(tmp_path / "hosted", "--hosted")


def _idem(n: object) -> dict[str, str]:
    return {"Idempotency-Key": f"real-{n}"}


async def test_hosted_flow_over_real_http(hosted_server: Server) -> None:
    async with httpx.AsyncClient(base_url=hosted_server.url, timeout=10) as c:
        r = await c.post(
            "/api/v1/auth/register",
            headers=_idem(1),
            json={"username": "real", "email": "real@example.com", "password": "really secret"},
        )
        assert r.status_code == 201
        token = (
            await c.post(
                "/api/v1/auth/login",
                headers=_idem(2),
                json={"username": "real", "password": "really secret"},
            )
        ).json()["data"]["access_token"]
        c.headers["Authorization"] = f"Bearer {token}"
        cat = (
            await c.post(
                "/api/v1/cats",
                headers=_idem(3),
                json={"name": "Real", "personality_type": "social_butterfly", "genotype": GENOTYPE},
            )
        ).json()["data"]
        fed = await c.post(
            f"/api/v1/cats/{cat['id']}/feed", headers=_idem(4), json={"food_item": "salmon"}
        )
        assert fed.status_code == 200 and fed.headers["X-RateLimit-Limit"] == "100"
        assert fed.headers["X-Content-Type-Options"] == "nosniff"
        bad = await c.post(
            f"/api/v1/cats/{cat['id']}/feed",
            headers={"Content-Type": "application/json", **_idem(5)},
            content=b"{nope",
        )
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "BAD_REQUEST"
        async with c.stream("GET", "/api/v1/events", params={"timeout": 5}) as stream:
            types = []
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    types.append(line[7:])
                if "cat.cared" in types:
                    break
        assert types[-1] == "cat.cared"


async def test_restart_keeps_everything(tmp_path: Path, servers: Callable[..., Server]) -> None:
    server = servers(tmp_path / "restart")
    auth = {"Authorization": f"Bearer {server.token()}"}
    async with httpx.AsyncClient(base_url=server.url, headers=auth, timeout=10) as c:
        cat = (
            await c.post(
                "/api/v1/cats",
                headers=_idem("a"),
                json={"name": "Stays", "personality_type": "aloof", "genotype": GENOTYPE},
            )
        ).json()["data"]
        await c.post(f"/api/v1/cats/{cat['id']}/pet", headers=_idem("b"))
        before = (await c.get(f"/api/v1/cats/{cat['id']}")).json()["data"]
    server.stop()
    server.start()
    async with httpx.AsyncClient(base_url=server.url, headers=auth, timeout=10) as c:
        after = (await c.get(f"/api/v1/cats/{cat['id']}")).json()["data"]
        history = (await c.get(f"/api/v1/cats/{cat['id']}/history")).json()["data"]
        replay = await c.post(f"/api/v1/cats/{cat['id']}/pet", headers=_idem("b"))
    server.stop()
    assert after["version"] == before["version"] == 2 and after["name"] == "Stays"
    assert [h["name"] for h in history] == ["cats.pet", "cats.adopt"]
    assert replay.headers["Idempotent-Replayed"] == "true"


async def _burst(
    url: str, auth: dict[str, str], cat_ids: list[int], acknowledged: list[str], stop: asyncio.Event
) -> None:
    async with httpx.AsyncClient(base_url=url, headers=auth, timeout=5) as c:
        counter = iter(range(10**6))

        async def worker(w: int) -> None:
            while not stop.is_set():
                key = f"burst-{w}-{next(counter)}"
                try:
                    r = await c.post(
                        f"/api/v1/cats/{cat_ids[w % len(cat_ids)]}/pet",
                        headers={"Idempotency-Key": key},
                    )
                except httpx.TransportError:
                    return
                if r.status_code == 200:
                    acknowledged.append(key)

        await asyncio.gather(*(worker(w) for w in range(16)))


async def test_kill_9_during_a_write_burst_loses_nothing_acknowledged(
    tmp_path: Path, servers: Callable[..., Server]
) -> None:
    server = servers(tmp_path / "crash")
    auth = {"Authorization": f"Bearer {server.token()}"}
    async with httpx.AsyncClient(base_url=server.url, headers=auth, timeout=10) as c:
        cat_ids = [
            (
                await c.post(
                    "/api/v1/cats",
                    headers=_idem(f"c{n}"),
                    json={"name": f"Crash{n}", "personality_type": "playful", "genotype": GENOTYPE},
                )
            ).json()["data"]["id"]
            for n in range(4)
        ]
    acknowledged: list[str] = []
    stop = asyncio.Event()
    burst = asyncio.create_task(_burst(server.url, auth, cat_ids, acknowledged, stop))
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 60 and not burst.done():
            assert time.monotonic() < deadline, f"only {len(acknowledged)} writes in 60 s"
            await asyncio.sleep(0.01)
        assert not burst.done(), "the write burst ended before the kill"
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(burst, timeout=30)
    db = sqlite3.connect(tmp_path / "crash" / "purrr.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {
            r[0]
            for r in db.execute(
                "SELECT k.key FROM idempotency_keys k JOIN actions a ON a.id = k.action_id"
            )
        }
        assert set(acknowledged) <= stored
        pets = db.execute("SELECT COUNT(*) FROM actions WHERE name = 'cats.pet'").fetchone()[0]
        versions = sum(json.loads(r[0])["version"] - 1 for r in db.execute("SELECT data FROM cats"))
        assert pets == versions >= len(acknowledged)
    finally:
        db.close()
    server.start()
    r = httpx.get(f"{server.url}/api/v1/cats/{cat_ids[0]}", headers=auth, timeout=10)
    assert r.status_code == 200
    server.stop()


def test_daemon_start_status_stop(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    port = free_port()
    info = start_daemon(Settings(data_dir=data_dir, port=port))
    try:
        assert info["running"] and info["responding"] and info["port"] == port
        assert (data_dir / "purrr.sock").stat().st_mode & 0o777 == 0o600
        token = (data_dir / "local-token").read_text().strip()
        transport = httpx.HTTPTransport(uds=str(data_dir / "purrr.sock"))
        with httpx.Client(transport=transport, base_url="http://purrr") as c:
            r = c.get("/api/v1/cats", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200
        with pytest.raises(RuntimeError, match="already running"):
            start_daemon(Settings(data_dir=data_dir, port=None))
    finally:
        stopped = stop_daemon(data_dir)
    assert stopped["stopped"] and stopped["pid"] == info["pid"]
    status = daemon_status(data_dir)
    assert not status["running"] and not (data_dir / "purrr.sock").exists()
    assert log_path(data_dir).exists()
    assert stop_daemon(data_dir)["stopped"] is False


def test_stale_pid_and_socket_are_cleaned(tmp_path: Path) -> None:
    data_dir = tmp_path / "stale"
    data_dir.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    (data_dir / "purrr.pid").write_text(f"{dead.pid}\n")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(data_dir / "purrr.sock"))
    stale.close()
    status = daemon_status(data_dir)
    assert status["stale_cleaned"] and not status["running"]
    assert not (data_dir / "purrr.pid").exists() and not (data_dir / "purrr.sock").exists()
    info = start_daemon(Settings(data_dir=data_dir, port=None))
    try:
        assert info["running"] and info["port"] is None
    finally:
        stop_daemon(data_dir)
