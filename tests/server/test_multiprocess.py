"""Several real server processes on one database (docs/hosting.md): accounts, idempotency,
revocation, rate limits, live events and kill -9, over real HTTP.

Each test starts two `python -m purrr_server --hosted` processes on one data dir (SQLite file)
and sends requests to both.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from purrr_server.store import migrate
from tests.server.conftest import GENOTYPE
from tests.server.test_real_server import Server, free_port

pytestmark = pytest.mark.timeout(300)

#: The free tier's hourly limit on these servers (the rate-limit test uses it up).
LIMIT = 40
PASSWORD = "correct horse 9"


@pytest.fixture
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The servers (children inherit the environment) hash passwords cheaply."""
    monkeypatch.setenv("PURRR_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("PURRR_ARGON2_MEMORY_KIB", "256")
    monkeypatch.setenv("PURRR_TIER_LIMITS", json.dumps({"free": LIMIT, "premium": 1000}))


class Started(Server):
    """A `Server` started without waiting, so that two start at once (`up` waits)."""

    def launch(self) -> Started:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "purrr_server", "--data-dir", str(self.data_dir)]
            + ["--port", str(self.port), *self.extra],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        return self

    def up(self, deadline: float) -> None:
        assert self.process is not None
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"the server did not come up:\n{self.log_tail()}")


@pytest.fixture
def pair(
    tmp_path: Path, cheap_hashes: None, database: str | None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., tuple[Server, Server]]]:
    """`pair(*args)`: two hosted servers on one database (the SQLite file of one data dir, or
    one PostgreSQL database), migrated first, killed after the test."""
    started: list[Started] = []

    def start(*extra: str) -> tuple[Server, Server]:
        data_dir = tmp_path / "shared"
        if database is None:
            migrate(data_dir / "purrr.db")
        else:
            monkeypatch.setenv("PURRR_DATABASE_URL", database)
        for n in (1, 2):
            started.append(Started(data_dir, "--hosted", *extra))
            started[-1].log = tmp_path / f"server-{n}.log"
            started[-1].launch()
        deadline = time.monotonic() + 60
        for server in started:
            server.up(deadline)
        return started[0], started[1]

    try:
        yield start
    finally:
        for server in started:
            if server.process is not None and server.process.poll() is None:
                server.process.kill()
                server.process.wait(timeout=10)


def _idem(key: object) -> dict[str, str]:
    return {"Idempotency-Key": f"mp-{key}"}


async def _account(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post(
        "/api/v1/auth/register",
        headers=_idem(f"register-{username}"),
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    return await _login(client, username)


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post(
        "/api/v1/auth/login",
        headers=_idem(f"login-{username}-{time.monotonic()}"),
        json={"username": username, "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['data']['access_token']}"}


def _cat(name: str) -> dict[str, Any]:
    return {"name": name, "personality_type": "playful", "genotype": GENOTYPE}


@pytest.fixture
async def clients() -> AsyncIterator[Callable[[Server], httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []

    def client(server: Server) -> httpx.AsyncClient:
        opened.append(httpx.AsyncClient(base_url=server.url, timeout=20))
        return opened[-1]

    yield client
    for c in opened:
        await c.aclose()


async def test_one_account_idempotency_and_revocation_across_processes(
    pair: Callable[..., tuple[Server, Server]],
    clients: Callable[[Server], httpx.AsyncClient],
) -> None:
    a, b = (clients(s) for s in pair())
    # The account registered on one process logs in and plays on the other.
    on_a = await _account(a, "shared")
    on_b = await _login(b, "shared")
    cat = (await a.post("/api/v1/cats", headers={**on_b, **_idem("adopt")}, json=_cat("Mo"))).json()
    listed = (await b.get("/api/v1/cats", headers=on_a)).json()["data"]
    assert [c["id"] for c in listed] == [cat["data"]["id"]]

    # 20 concurrent requests with one Idempotency-Key, split across both: applied once; the
    # others get the stored response or a 409 that says to retry.
    body = _cat("Once")
    responses = await asyncio.gather(
        *(
            (a if i % 2 else b).post("/api/v1/cats", headers={**on_a, **_idem("once")}, json=body)
            for i in range(20)
        )
    )
    statuses = sorted({r.status_code for r in responses})
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    created = {r.json()["data"]["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    for r in responses:
        if r.status_code == 409:
            assert "retry" in r.json()["error"]["message"]
    retried = await b.post("/api/v1/cats", headers={**on_a, **_idem("once")}, json=body)
    assert retried.status_code == 201 and retried.json()["data"]["id"] in created
    names = [c["name"] for c in (await a.get("/api/v1/cats", headers=on_a)).json()["data"]]
    assert names.count("Once") == 1

    # A key revoked on one process is refused by the other within a second.
    r = await a.post(
        "/api/v1/keys",
        headers={**on_a, **_idem("key")},
        json={"name": "script", "scopes": ["read"]},
    )
    key = r.json()["data"]
    with_key = {"X-API-Key": key["key"]}
    assert (await b.get("/api/v1/cats", headers=with_key)).status_code == 200  # cached on b now
    r = await a.delete(f"/api/v1/keys/{key['id']}", headers={**on_a, **_idem("revoke")})
    assert r.status_code == 200, r.text
    await _refused_within_a_second(b, "/api/v1/cats", with_key)

    # A deleted account's session is refused by the other process within a second too.
    r = await a.delete("/api/v1/account", headers={**on_a, **_idem("gone")})
    assert r.status_code == 200, r.text
    await _refused_within_a_second(b, "/api/v1/auth/profile", on_b)


async def _refused_within_a_second(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    """Every request sent a second (the credential cache's lifetime) after the change is
    refused; the time a request takes on a loaded machine does not count against it."""
    changed = time.monotonic()
    while time.monotonic() - changed < 1.0:
        await client.get(path, headers=headers)
        await asyncio.sleep(0.02)
    for _ in range(3):
        assert (await client.get(path, headers=headers)).status_code == 401


async def test_rate_limit_and_login_lockout_are_shared(
    pair: Callable[..., tuple[Server, Server]],
    clients: Callable[[Server], httpx.AsyncClient],
) -> None:
    a, b = (clients(s) for s in pair())
    auth = await _account(a, "limited")
    used = 0  # the login above is not counted (anonymous); requests below are
    while (await a.get("/api/v1/cats", headers=auth)).status_code == 200:
        used += 1
        assert used <= LIMIT
    assert used == LIMIT  # one process alone is exact
    await asyncio.sleep(1.3)  # a merges its counts (at most once a second)
    # b learns the total the first time it merges this player's counts, within a second: the
    # bound of docs/hosting.md is what b admits meanwhile, not another LIMIT.
    started, admitted = time.monotonic(), 0
    while (r := await b.get("/api/v1/cats", headers=auth)).status_code == 200:
        admitted += 1
        # b merges within a second of counting; 5 s leave room for a loaded machine
        assert time.monotonic() - started < 5, "b never learned a's count"
        await asyncio.sleep(0.05)
    assert r.status_code == 429 and r.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert admitted < LIMIT, admitted  # alone, b would have granted a whole new limit

    # Failed logins on one process lock the account out on the other.
    for attempt in range(5):
        r = await (a if attempt % 2 else b).post(
            "/api/v1/auth/login",
            headers=_idem(f"bad-{attempt}"),
            json={"username": "limited", "password": "wrong password"},
        )
        assert r.status_code == 401, r.text
    for server in (a, b):
        r = await server.post(
            "/api/v1/auth/login",
            headers=_idem(f"good-{server.base_url}"),
            json={"username": "limited", "password": PASSWORD},
        )
        assert r.status_code == 429 and "too many failed logins" in r.text


async def test_live_event_written_by_one_process_reaches_a_stream_on_the_other(
    pair: Callable[..., tuple[Server, Server]],
    clients: Callable[[Server], httpx.AsyncClient],
) -> None:
    a, b = (clients(s) for s in pair())
    auth = await _account(a, "watcher")
    await asyncio.sleep(0.5)
    async with b.stream("GET", "/api/v1/events", params={"timeout": 6}, headers=auth) as stream:
        assert stream.status_code == 200
        lines = stream.aiter_lines()
        assert await anext(lines) == ": connected"
        delays = []
        for n in range(3):
            await asyncio.sleep(0.3)  # the stream is idle, waiting
            done = await a.post("/api/v1/cats", headers={**auth, **_idem(f"w{n}")}, json=_cat("E"))
            sent = time.monotonic()
            assert done.status_code == 201
            cat_id = done.json()["data"]["id"]
            async for line in lines:
                if line.startswith("data: ") and '"cat.adopted"' in line:
                    assert json.loads(line[6:])["payload"]["cat_id"] == cat_id
                    delays.append(time.monotonic() - sent)
                    break
    # about 0.1-0.3 s on an idle machine; the median must stay under a second even on a loaded
    # one, and no event may be held back until the stream's 15 s heartbeat
    assert sorted(delays)[1] < 1.0 and max(delays) < 3.0, delays


async def test_kill_9_during_a_burst_loses_no_acknowledged_action_and_duplicates_none(
    tmp_path: Path,
    database: str | None,
    pair: Callable[..., tuple[Server, Server]],
    clients: Callable[[Server], httpx.AsyncClient],
) -> None:
    servers = pair("--no-rate-limit")
    a, b = (clients(s) for s in servers)
    auth = await _account(a, "burst")
    acknowledged: dict[str, int] = {}

    async def adopt(key: str, first: httpx.AsyncClient) -> None:
        for client in (first, b):  # retried on b with the same key when a dies mid-request
            try:
                r = await client.post(
                    "/api/v1/cats", headers={**auth, **_idem(key)}, json=_cat(key)
                )
            except httpx.TransportError:
                continue
            if r.status_code == 409:  # the same key still running elsewhere: retry
                await asyncio.sleep(0.2)
                r = await b.post("/api/v1/cats", headers={**auth, **_idem(key)}, json=_cat(key))
            assert r.status_code == 201, r.text
            acknowledged[key] = r.json()["data"]["id"]
            return

    async def killer() -> None:
        await asyncio.sleep(0.4)
        assert servers[0].process is not None
        servers[0].process.send_signal(signal.SIGKILL)

    keys = [f"k{n}" for n in range(60)]
    await asyncio.gather(killer(), *(adopt(k, a if n % 2 else b) for n, k in enumerate(keys)))
    assert servers[0].process is not None and servers[0].process.wait(5) == -signal.SIGKILL
    assert set(acknowledged) == set(keys)
    cats = (await b.get("/api/v1/cats", headers=auth, params={"limit": 500})).json()["data"]
    by_name: dict[str, list[int]] = {}
    for cat in cats:
        by_name.setdefault(cat["name"], []).append(cat["id"])
    for key, cat_id in acknowledged.items():
        assert by_name.get(key) == [cat_id], f"{key}: {by_name.get(key)} (acknowledged {cat_id})"
    if database is None:
        db = sqlite3.connect(tmp_path / "shared" / "purrr.db")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()


async def test_workers_serve_one_database(
    tmp_path: Path, cheap_hashes: None, database: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database is not None:
        monkeypatch.setenv("PURRR_DATABASE_URL", database)
    kind = "sqlite" if database is None else "postgresql"
    port = free_port()
    log = tmp_path / "workers.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "purrr_server", "--data-dir", str(tmp_path / "d")]
            + ["--port", str(port), "--hosted", "--workers", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        async with httpx.AsyncClient(base_url=url, timeout=20) as c:
            auth = await _account(c, "workers")
            rs = await asyncio.gather(
                *(
                    c.post("/api/v1/cats", headers={**auth, **_idem(n)}, json=_cat(f"W{n}"))
                    for n in range(10)
                )
            )
            assert all(r.status_code == 201 for r in rs)
            ready = (await c.get("/health/ready")).json()["data"]
            assert ready["database"] == {"kind": kind, "reachable": True}
        while log.read_text().count("Started server process") < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, log.read_text()[-2000:]


def test_workers_need_a_hosted_server(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "purrr_server", "--data-dir", str(tmp_path), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "--workers 2 needs --hosted" in r.stderr and "Traceback" not in r.stderr


def test_backup_db_copies_a_database_that_is_being_written(tmp_path: Path) -> None:
    from purrr_server.daemon import backup_database
    from purrr_server.settings import Settings

    settings = Settings(data_dir=tmp_path / "live")
    migrate(settings.db_path)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        db = sqlite3.connect(settings.db_path, timeout=10)
        while not stop.is_set():
            with db:
                db.execute(
                    "INSERT INTO security_events (type, details, created_at) VALUES (?, ?, ?)",
                    ("test", "{}", "2026-01-01T00:00:00+00:00"),
                )
            written[0] += 1
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        result = backup_database(settings, tmp_path / "copy.db")
    finally:
        stop.set()
        thread.join()
    assert result["integrity"] == "ok"
    copy = sqlite3.connect(tmp_path / "copy.db")
    rows = copy.execute("SELECT count(*) FROM security_events").fetchone()[0]
    copy.close()
    assert 0 < rows <= written[0]
    assert (tmp_path / "copy.db").stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        backup_database(settings, tmp_path / "copy.db")


def test_hosting_doc_lists_every_setting() -> None:
    from purrr_server.settings import Settings

    doc = (Path(__file__).parents[2] / "docs" / "hosting.md").read_text()
    missing = [name for name in Settings.model_fields if f"| `{name}` (" not in doc]
    assert not missing, f"docs/hosting.md 'Every setting' lacks {missing}"


async def test_postgresql_stream_loses_nothing_when_its_listen_connection_drops(
    pair: Callable[..., tuple[Server, Server]],
    clients: Callable[[Server], httpx.AsyncClient],
    database: str | None,
) -> None:
    if database is None:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite polls (the test above)")
    import psycopg

    a, b = (clients(s) for s in pair())
    auth = await _account(a, "resume")
    seen: list[int] = []
    async with b.stream("GET", "/api/v1/events", params={"timeout": 8}, headers=auth) as stream:
        lines = stream.aiter_lines()
        assert await anext(lines) == ": connected"
        with psycopg.connect(database, autocommit=True) as admin:
            deadline = time.monotonic() + 5
            while not admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
            ).fetchall():
                assert time.monotonic() < deadline, "b never listened"
                await asyncio.sleep(0.05)
            # Cut b's LISTEN connection, then write while it reconnects (about a second).
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
            )
        for n in range(4):
            r = await a.post("/api/v1/cats", headers={**auth, **_idem(f"r{n}")}, json=_cat("R"))
            assert r.status_code == 201
            await asyncio.sleep(0.2)
        async for line in lines:
            if line.startswith("data: ") and '"cat.adopted"' in line:
                seen.append(json.loads(line[6:])["payload"]["cat_id"])
                if len(seen) == 4:
                    break
    cats = (await a.get("/api/v1/cats", headers=auth)).json()["data"]
    assert seen == sorted(c["id"] for c in cats)


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "purrr_server", "--hosted"],
        ["-m", "purrr_cli", "server", "run", "--hosted"],
    ],
    ids=["python -m purrr_server", "purrr server run"],
)
def test_postgresql_without_its_driver_says_what_to_install(
    tmp_path: Path, command: list[str]
) -> None:
    """A fresh `pip install purrr` has no PostgreSQL driver: hosting on PostgreSQL says how to
    get it (exit 2), before anything starts, instead of an import error."""
    hide = "import sys; sys.modules['psycopg'] = sys.modules['psycopg_pool'] = None; "
    run = "import runpy; runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)"
    argv = [sys.executable, "-c", hide + run, *command[1:], "--data-dir", str(tmp_path)]
    env = {**os.environ, "HOME": str(tmp_path), "PURRR_DATABASE_URL": "postgresql://purrr@/purrr"}
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2, r.stderr
    assert "pip install 'purrr[postgresql]'" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "purrr_server", "--hosted", "--workers", "2"],
        [sys.executable, "-m", "purrr_cli", "server", "run", "--hosted"],
    ],
    ids=["python -m purrr_server", "purrr server run"],
)
def test_an_unreachable_database_is_one_line_without_the_password(
    tmp_path: Path, command: list[str]
) -> None:
    pytest.importorskip("psycopg")
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "PURRR_DATABASE_URL": "postgresql://purrr:hunter2@127.0.0.1:1/purrr",
    }
    argv = [*command, "--data-dir", str(tmp_path / "data"), "--port", str(free_port())]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2, r.stderr
    assert "cannot open the PostgreSQL database" in r.stderr and "Connection refused" in r.stderr
    assert "hunter2" not in r.stderr and "Traceback" not in r.stderr
