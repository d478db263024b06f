"""How many SQL statements the hot paths run (docs/architecture.md, "Performance").

Every statement is CPU on the one event loop and, on PostgreSQL, a round trip; the throughput of
an action is mostly how many it takes. These counts guard the gains: a change that adds a
statement to every write (a check that could ride along an existing query, an event inserted
row by row) fails here and has to say why in this file.

Counted with SQLite's trace callback on both of the store's connections (the reader and the
writer), so BEGIN and COMMIT count too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.runtime import Runtime
from tests.postgres import count_round_trips
from tests.server.conftest import _serve, adopt, idem, make_settings, register_and_login
from tests.server.test_breeding_api import breed, pair


class Traced:
    """The statements the store's connections ran since the last `take()`."""

    def __init__(self, runtime: Runtime) -> None:
        self.statements: list[str] = []
        driver = runtime.store.driver
        for conn in (driver._reader, driver._writer):  # type: ignore[attr-defined]
            conn.raw._conn.set_trace_callback(self.statements.append)

    def take(self) -> list[str]:
        return [" ".join(sql.split()[:4]) for sql in self.take_whole()]

    def take_whole(self) -> list[str]:
        taken, self.statements[:] = list(self.statements), []
        return taken


@pytest.fixture
async def traced(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> AsyncIterator[tuple[httpx.AsyncClient, Traced]]:
    """A hosted player's client (as server_load measures: SQLite, no rate limit, the
    credential cached for the whole test) and the tracer."""
    settings = make_settings(
        tmp_path / "hosted", hosted=True, rate_limit=False, auth_cache_seconds=3600
    )
    app = make_app(settings)
    async for anon in _serve(app, {}):
        token = await register_and_login(anon, "counted")
        anon.headers["Authorization"] = f"Bearer {token}"
        await anon.get("/api/v1/cats")  # caches the credential
        yield anon, Traced(app.state.runtime)


async def test_an_action_on_a_cat_is_nine_statements(
    traced: tuple[httpx.AsyncClient, Traced],
) -> None:
    client, tracer = traced
    cat = await adopt(client)
    await client.put(f"/api/v1/cats/{cat['id']}", json={"description": "warm-up"}, headers=idem())
    tracer.take()

    r = await client.put(
        f"/api/v1/cats/{cat['id']}", json={"description": "sleepy"}, headers=idem()
    )

    assert r.status_code == 200, r.text
    assert tracer.take() == [
        "BEGIN IMMEDIATE",
        # the player's version (their lock on PostgreSQL)
        "INSERT INTO player_versions (user_id,",
        # the new version and the Idempotency-Key, on the writer under the player's lock: a
        # stored response is replayed (its body rebuilt from the action-log row it names) and
        # the transaction rolled back
        "SELECT v.version, k.fingerprint, k.status_code,",
        # the cat with the player's pending breedings and patrols: no patrol to check the cat
        # against and no due breeding to complete, so neither is asked again
        "SELECT (SELECT data FROM",
        "UPDATE cats SET name",
        "INSERT INTO actions (user_id,",
        # action.applied and cat.updated in one statement
        "INSERT INTO events (user_id,",
        "INSERT INTO idempotency_keys (user_id,",
        "COMMIT",
    ]


async def test_a_write_asks_for_nothing_back(traced: tuple[httpx.AsyncClient, Traced]) -> None:
    """The version is read with the key, the log row's and events' ids come from the
    cursor: `RETURNING` costs SQLite a temporary table per statement."""
    client, tracer = traced
    cat = await adopt(client)
    tracer.take()

    r = await client.put(f"/api/v1/cats/{cat['id']}", json={"name": "Tom"}, headers=idem())

    assert r.status_code == 200, r.text
    statements = tracer.take_whole()
    assert len(statements) == 9
    assert [sql for sql in statements if "RETURNING" in sql.upper()] == []


async def test_pending_work_is_still_checked_when_there_is_some(
    traced: tuple[httpx.AsyncClient, Traced],
) -> None:
    """With a breeding under way the after-action check asks for it (it may be due)."""
    client, tracer = traced
    sire, dam = await pair(client)
    assert (await breed(client, sire, dam)).status_code == 201
    tracer.take()

    r = await client.put(f"/api/v1/cats/{sire}", json={"description": "proud"})

    assert r.status_code == 200, r.text
    assert "SELECT id, sire_id, dam_id," in tracer.take()


async def test_reading_a_cat_is_one_statement(traced: tuple[httpx.AsyncClient, Traced]) -> None:
    client, tracer = traced
    cat = await adopt(client)
    tracer.take()

    r = await client.get(f"/api/v1/cats/{cat['id']}")

    assert r.status_code == 200, r.text
    assert tracer.take() == ["SELECT (SELECT data FROM"]


async def test_listing_cats_is_one_statement(traced: tuple[httpx.AsyncClient, Traced]) -> None:
    client, tracer = traced
    for name in ("One", "Two"):
        await adopt(client, name)
    tracer.take()

    r = await client.get("/api/v1/cats")

    assert r.status_code == 200, r.text
    assert r.headers["X-Total-Count"] == "2" and len(r.json()["data"]) == 2
    # the page, its total (a window) and the player's pending work, together
    assert tracer.take() == ["SELECT data, (SELECT COUNT(*)"]
    # past the end: the count and the pending work come from one more statement
    r = await client.get("/api/v1/cats", params={"offset": 5})
    assert r.json()["data"] == [] and r.headers["X-Total-Count"] == "2"
    assert tracer.take() == ["SELECT data, (SELECT COUNT(*)", "SELECT (SELECT COUNT(*) FROM"]


async def test_a_keyed_write_on_postgresql_is_four_round_trips(
    tmp_path: Path,
    make_app: Callable[..., FastAPI],
    postgres_cluster: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL every statement is a round trip, and the player's version row stays locked
    from the first to the last: BEGIN with the version bump and the key lookup, the cat, its
    UPDATE, then the log row with its events and the key's response, which carries the COMMIT
    (no sync hook writes after it on a hosted server)."""
    url = postgres_cluster.new_database()
    try:
        settings = make_settings(
            tmp_path / "pg",
            hosted=True,
            rate_limit=False,
            auth_cache_seconds=3600,
            database_url=url,
        )
        app = make_app(settings)
        waits = count_round_trips(monkeypatch)
        async for client in _serve(app, {}):
            token = await register_and_login(client, "counted")
            client.headers["Authorization"] = f"Bearer {token}"
            cat = await adopt(client)
            for description in ("warm-up", "sleepy"):  # the second on prepared statements
                waits.clear()
                r = await client.put(
                    f"/api/v1/cats/{cat['id']}", json={"description": description}, headers=idem()
                )
                assert r.status_code == 200, r.text
            # pipelines: BEGIN + bump and key; the log statement + COMMIT
            assert waits == [True, False, False, True]
            got = await client.get(f"/api/v1/cats/{cat['id']}")
            assert got.json()["data"]["description"] == "sleepy"  # committed
    finally:
        postgres_cluster.drop(url)
