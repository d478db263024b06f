"""Sync between real server processes on loopback: the hosted remote and the local game as
`python -m purrr_server` processes, the `purrr` CLI, a proxy that loses responses, kill -9."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sync.harness import APPLIED_SQL, OUTCOMES_SQL, accounting
from tests.sync.servers import Api, LosingProxy, ServerProcess, hosted_remote, purrr, register

QUEUED = 200
#: Real processes: starting them takes a while on a loaded two-core CI machine.
pytestmark = pytest.mark.timeout(300)
NO_BACKGROUND = {"PURRR_SYNC_BACKGROUND": "0"}


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[ServerProcess]:
    yield from hosted_remote(tmp_path)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path / "local", hosted=False).start(**NO_BACKGROUND)
    try:
        yield server
    finally:
        server.stop()


def local_api(server: ServerProcess) -> Api:
    token = (server.data_dir / "local-token").read_text().strip()
    return Api(server.url, {"Authorization": f"Bearer {token}"})


def remote_db(server: ServerProcess, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    with sqlite3.connect(f"file:{server.data_dir / 'purrr.db'}?mode=ro", uri=True) as db:
        return db.execute(sql, params).fetchall()


def exactly_once(remote: ServerProcess, client_id: str, queued: int) -> list[str]:
    outcomes = [(row[0], row[1]) for row in remote_db(remote, OUTCOMES_SQL, (client_id,))]
    applied = [row[0] for row in remote_db(remote, APPLIED_SQL, (client_id,))]
    return accounting(outcomes, applied, queued)


def cats(api: Api) -> list[tuple[int, str, int]]:
    return sorted((c["id"], c["name"], c["version"]) for c in api.ok("GET", "cats?limit=1000"))


def link(api: Api, url: str, key: str, interval: int = 300) -> dict[str, Any]:
    return dict(
        api.ok(
            "POST",
            "sync/link",
            {"url": url, "interval_seconds": interval},
            headers={"X-Remote-Api-Key": key},
        )
    )


def queue(api: Api, count: int) -> None:
    """`count` offline actions: a new cat (provisional id) and care for it."""
    cat = api.adopt("Queued")["id"]
    for _ in range(count - 1):
        api.ok("POST", f"cats/{cat}/pet", {})


def sync_run(api: Api, key: str) -> httpx.Response:
    return api.call("POST", "sync/run", headers={"X-Remote-Api-Key": key})


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_cli_plays_offline_and_syncs_when_the_remote_is_back(
    tmp_path: Path, remote: ServerProcess
) -> None:
    key = register(remote.url)
    env = {"config_dir": tmp_path / "config", "data_dir": tmp_path / "game"}
    linked = purrr("remote", "link", remote.url, "--api-key", "-", "--yes", stdin=key, **env)
    assert linked.returncode == 0, linked.stderr
    remote.stop()
    for name in ("Tram", "Train"):
        adopted = purrr("cats", "adopt", name, "--personality", "lazy", **env)
        assert adopted.returncode == 0, adopted.stderr
    assert purrr("cats", "feed", "Train", "--food", "salmon", **env).returncode == 0
    offline = purrr("sync", **env)
    assert offline.returncode == 7, offline.stderr
    assert "cannot reach the remote" in offline.stderr and "nothing is lost" in offline.stderr
    status = purrr(
        "sync", "status", "--json", "pending,last_push,last_pull,remote,rejections", **env
    )
    assert status.returncode == 0 and '"pending": 3' in status.stdout
    remote.start()
    online = purrr("sync", **env)
    assert online.returncode == 0, online.stderr
    assert "3 pushed, 3 confirmed, 0 rejected" in online.stderr
    api = Api(remote.url, {"X-API-Key": key})
    assert sorted(c["name"] for c in api.ok("GET", "cats")) == ["Train", "Tram"]
    again = purrr("sync", **env)
    assert "0 pushed" in again.stderr
    assert sorted(c["name"] for c in api.ok("GET", "cats")) == ["Train", "Tram"]


def test_lost_responses_through_a_proxy_are_not_applied_twice(
    remote: ServerProcess, local: ServerProcess
) -> None:
    key = register(remote.url)
    proxy = LosingProxy(remote.port)
    api = local_api(local)
    try:
        client_id = link(api, proxy.url, key)["remote"]["client_id"]
        queue(api, 20)
        proxy.lose = 1  # the push: applied by the remote, its answer dropped
        lost = sync_run(api, key)
        assert lost.status_code == 503 and lost.json()["error"]["code"] == "REMOTE_UNREACHABLE"
        assert len(remote_db(remote, OUTCOMES_SQL, (client_id,))) == 20
        proxy.lose = 1  # the replayed push (stored outcomes returned): lost again
        assert sync_run(api, key).status_code == 503
        assert sync_run(api, key).status_code == 200
        assert proxy.lost == 2
        assert exactly_once(remote, client_id, 20) == []
        assert cats(api) == cats(Api(remote.url, {"X-API-Key": key}))
    finally:
        proxy.close()


def test_remote_killed_and_restarted_mid_push(remote: ServerProcess, local: ServerProcess) -> None:
    key = register(remote.url)
    api = local_api(local)
    client_id = link(api, remote.url, key)["remote"]["client_id"]
    queue(api, QUEUED)
    answer: list[httpx.Response] = []
    pushing = threading.Thread(target=lambda: answer.append(sync_run(api, key)), daemon=True)
    pushing.start()
    wait_for(lambda: len(remote_db(remote, OUTCOMES_SQL, (client_id,))) > 10)
    remote.kill()
    pushing.join(30)
    assert not pushing.is_alive(), "the push did not end 30 s after the remote died"
    assert answer and answer[0].status_code == 503
    done = len(remote_db(remote, OUTCOMES_SQL, (client_id,)))
    assert 10 < done < QUEUED
    assert api.ok("GET", "sync/status")["pending"] == QUEUED  # nothing lost locally
    remote.start()
    assert sync_run(api, key).status_code == 200
    assert exactly_once(remote, client_id, QUEUED) == []
    assert cats(api) == cats(Api(remote.url, {"X-API-Key": key}))


def test_local_killed_mid_sync_then_restarted(remote: ServerProcess, local: ServerProcess) -> None:
    key = register(remote.url)
    api = local_api(local)
    client_id = link(api, remote.url, key)["remote"]["client_id"]
    queue(api, QUEUED)
    syncing = threading.Thread(target=lambda: _swallow(lambda: sync_run(api, key)), daemon=True)
    syncing.start()
    wait_for(lambda: len(remote_db(remote, OUTCOMES_SQL, (client_id,))) > 10)
    local.kill()
    syncing.join(30)
    local.start(**NO_BACKGROUND)
    api = local_api(local)
    status = api.ok("GET", "sync/status")
    assert status["pending"] == QUEUED or status["pending"] == 0
    assert sync_run(api, key).status_code == 200
    assert api.ok("GET", "sync/status")["pending"] == 0
    assert exactly_once(remote, client_id, QUEUED) == []
    assert cats(api) == cats(Api(remote.url, {"X-API-Key": key}))


def test_the_daemon_syncs_in_the_background_with_backoff(
    tmp_path: Path, remote: ServerProcess
) -> None:
    key = register(remote.url)
    daemon = ServerProcess(tmp_path / "daemon", hosted=False).start()
    remote_api = Api(remote.url, {"X-API-Key": key})
    try:
        api = local_api(daemon)
        link(api, remote.url, key, interval=3600)
        api.adopt("Background")
        wait_for(lambda: [c["name"] for c in remote_api.ok("GET", "cats")] == ["Background"])
        remote.stop()
        api.adopt("WhileDown")
        wait_for(lambda: api.ok("GET", "sync/status")["failures"] >= 1)
        assert "cannot reach the remote" in api.ok("GET", "sync/status")["last_error"]
        remote.start()
        wait_for(lambda: api.ok("GET", "sync/status")["pending"] == 0, timeout=30)
        assert sorted(c["name"] for c in remote_api.ok("GET", "cats")) == [
            "Background",
            "WhileDown",
        ]
    finally:
        daemon.stop()


def _swallow(call: Any) -> None:
    try:
        call()
    except httpx.TransportError:
        pass  # the server was killed under the request
