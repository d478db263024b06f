"""The store and the executor: migrations, atomic actions, versions, seeds, concurrency."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_core import InvalidRequest
from purrr_core import adopt as adopt_cat
from purrr_server.actions import ACTIONS, ActionContext, NoArgs, execute
from purrr_server.store.migrate import MIGRATIONS_DIR, migrate
from tests.server.conftest import GENOTYPE, adopt, idem, make_settings


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    assert migrate(db)[0] == "0001_platform.sql"
    assert migrate(db) == []
    assert {"users", "cats", "actions", "events", "idempotency_keys", "player_versions"} <= tables(
        db
    )


def test_new_migration_on_an_existing_database_keeps_data(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_platform.sql", migrations)
    db = tmp_path / "old.db"
    migrate(db, migrations)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO users (username, created_at) VALUES ('old', 'then')")
    (migrations / "0002_extra.sql").write_text(
        "CREATE TABLE extra (id INTEGER PRIMARY KEY, user_id INTEGER, row_version INTEGER);"
    )
    (migrations / "notes.txt").write_text("ignored")
    assert migrate(db, migrations) == ["0002_extra.sql"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT username FROM users").fetchall() == [("old",)]
        applied = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    assert applied == ["0001_platform.sql", "0002_extra.sql"]


def test_a_failing_migration_leaves_nothing(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_platform.sql", migrations)
    (migrations / "0002_broken.sql").write_text("CREATE TABLE half (id INTEGER);\nTHIS IS NOT SQL;")
    db = tmp_path / "b.db"
    with pytest.raises(sqlite3.OperationalError):
        migrate(db, migrations)
    assert "half" not in tables(db) and "users" in tables(db)


async def test_app_starts_on_a_database_from_an_older_release(
    tmp_path: Path, make_app: Callable[..., FastAPI]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    migrations = tmp_path / "only-0001"
    migrations.mkdir()
    shutil.copy(MIGRATIONS_DIR / "0001_platform.sql", migrations)
    migrate(data / "purrr.db", migrations)
    app = make_app(make_settings(data))
    token = (data / "local-token").read_text().strip()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://t",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        cat = await adopt(c)
        assert (await c.get(f"/api/v1/cats/{cat['id']}")).status_code == 200


@pytest.fixture
def explode(temporary_action: Callable[..., Any]) -> str:
    """An action that writes, emits an event, then fails."""

    @temporary_action("test.explode", args=NoArgs)
    async def _explode(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
        cat = adopt_cat("Ghost", "lazy", now=ctx.now, rng=ctx.rng, genotype=GENOTYPE)
        await ctx.store.cats.add(ctx.user_id, cat)
        ctx.emit("test.ghost", {})
        raise RuntimeError("handler failed after writing")

    return "test.explode"


@pytest.fixture
def roll(temporary_action: Callable[..., Any]) -> str:
    """An action whose whole result comes from its seeded RNG."""

    @temporary_action("test.roll", args=NoArgs)
    async def _roll(ctx: ActionContext, args: NoArgs) -> dict[str, Any]:
        return {"roll": ctx.rng.random(), "seed": ctx.seed, "version": ctx.version}

    return "test.roll"


async def test_a_failing_action_rolls_everything_back(
    client: httpx.AsyncClient, app: FastAPI, explode: str
) -> None:
    runtime = app.state.runtime
    user = await runtime.store.read.users.local()
    before = await runtime.store.current_version()
    with pytest.raises(RuntimeError):
        await execute(runtime, user, explode, {}, idempotency_key="boom")
    assert await runtime.store.current_version() == before
    assert await runtime.store.read.cats.for_user(user.id) == []
    assert await runtime.store.read.events.since(user.id, 0) == []
    assert await runtime.store.read.idempotency.get(user.id, "boom") is None
    assert runtime.in_flight == set()


async def test_the_stored_seed_replays_the_same_outcome(
    client: httpx.AsyncClient, app: FastAPI, roll: str
) -> None:
    runtime = app.state.runtime
    user = await runtime.store.read.users.local()
    first = await execute(runtime, user, roll, {})
    logged = await runtime.store.read.actions.get(first.action_id)
    replay = await execute(runtime, user, roll, {}, seed=logged["seed"])
    assert replay.result["roll"] == first.result["roll"]
    assert replay.version == first.version + 1 == logged["version"] + 1


async def test_sync_mutations_are_applied_once(
    client: httpx.AsyncClient, app: FastAPI, roll: str
) -> None:
    runtime = app.state.runtime
    user = await runtime.store.read.users.local()
    first = await execute(runtime, user, roll, {}, client_id="laptop", mutation_id=1)
    again = await execute(runtime, user, roll, {}, client_id="laptop", mutation_id=1)
    assert again.replayed and again.result == first.result and again.action_id == first.action_id


async def test_unknown_action_names_the_choices(client: httpx.AsyncClient, app: FastAPI) -> None:
    with pytest.raises(InvalidRequest, match="cats.feed"):
        await execute(app.state.runtime, None, "cats.fly", {})
    assert "cats.feed" in ACTIONS


async def test_rows_carry_the_version_of_their_last_write(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    cat = await adopt(client)
    await client.post(f"/api/v1/cats/{cat['id']}/pet", headers=idem())
    read = app.state.runtime.store.read
    row = (await read.cats.fetchall("SELECT row_version FROM cats"))[0]
    last = (await read.actions.fetchall("SELECT MAX(version) FROM actions"))[0]
    assert row[0] == last[0] == await app.state.runtime.store.current_version()
    await client.delete(f"/api/v1/cats/{cat['id']}", headers=idem())
    stones = await read.cats.fetchall("SELECT table_name, row_id, row_version FROM tombstones")
    assert [tuple(s) for s in stones] == [("cats", cat["id"], last[0] + 1)]


async def test_concurrent_writes_all_land(client: httpx.AsyncClient, app: FastAPI) -> None:
    cats = [await adopt(client, f"C{n}") for n in range(5)]
    responses = await asyncio.gather(
        *[
            client.post(f"/api/v1/cats/{cat['id']}/pet", headers=idem())
            for cat in cats
            for _ in range(4)
        ]
    )
    assert all(r.status_code == 200 for r in responses)
    for cat in cats:
        after = (await client.get(f"/api/v1/cats/{cat['id']}")).json()["data"]
        assert after["version"] == 5
    versions = await app.state.runtime.store.read.actions.fetchall("SELECT version FROM actions")
    assert len({v[0] for v in versions}) == len(versions) == 25
