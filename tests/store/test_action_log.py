"""What the executor stores for an applied action (`ActionRepository.log`), the same on both
databases: on PostgreSQL it is one statement with data-modifying CTEs, on SQLite three."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from purrr_server.envelope import success_body
from purrr_server.store import Store, migrate
from purrr_server.store.actions import ActionRecord, KeyRecord
from purrr_server.store.base import dumps
from purrr_server.store.idempotency import StoredResponse
from purrr_server.store.migrate import migration_files


def record(user_id: int | None, name: str = "cats.update", cat_id: int | None = 7) -> ActionRecord:
    return ActionRecord(
        user_id=user_id,
        cat_id=cat_id,
        client_id=None,
        mutation_id=None,
        name=name,
        args={"cat_id": cat_id, "description": "naps in the sün"},
        fingerprint="f" * 64,
        seed=42,
        result={"id": cat_id, "name": "Mo"},
        created_at="2026-01-01T12:00:00+00:00",
    )


async def test_the_log_row_events_and_key_are_stored_together(store: Store) -> None:
    events = [("cat.updated", {"cat_id": 7, "fields": ["description"]}), ("x.y", {"n": 1.5})]
    async with store.write(5) as uow:
        key = KeyRecord(5, "key-1", "f" * 64, 200, '{"success":true}', "rid-1")
        action_id = await uow.actions.log(record(5), events, key)
        inserted = list(uow.inserted)
        version = uow.version

    logged = await store.read.actions.get(action_id)
    assert logged is not None
    assert logged["args"]["description"] == "naps in the sün" and logged["version"] == version
    stored = await store.read.events.since(5, 0)
    assert [(e["type"], e["payload"], e["version"]) for e in stored] == [
        ("action.applied", {"action_id": action_id, "name": "cats.update", "cat_id": 7}, version),
        ("cat.updated", {"cat_id": 7, "fields": ["description"]}, version),
        ("x.y", {"n": 1.5}, version),
    ]
    raw = await store.read.events.fetchone(
        "SELECT payload FROM events WHERE id = ?", (stored[0]["id"],)
    )
    assert raw[0] == f'{{"action_id":{action_id},"name":"cats.update","cat_id":7}}'
    assert inserted == [("actions", action_id), *(("events", e["id"]) for e in stored)]
    response = await store.read.idempotency.get(5, "key-1")
    assert response is not None and response.body == b'{"success":true}'
    row = await store.read.events.fetchone(
        "SELECT action_id, created_at FROM idempotency_keys WHERE user_id = 5 AND key = 'key-1'"
    )
    assert (row[0], row[1]) == (action_id, "2026-01-01T12:00:00+00:00")


async def test_an_action_of_no_player_has_no_events_and_a_taken_key_rolls_back(
    store: Store,
) -> None:
    async with store.write(0) as uow:
        await uow.actions.log(record(None, "oauth.token", None), [], None)
    assert await store.read.events.since(0, 0) == []

    async with store.write(3) as uow:
        await uow.actions.log(record(3), [], KeyRecord(3, "k", "a", 201, "{}"))
    with pytest.raises(sqlite3.IntegrityError):
        async with store.write(3) as uow:
            await uow.actions.log(record(3), [], KeyRecord(3, "k", "b", 201, "{}"))
    assert len(await store.read.events.since(3, 0)) == 1  # the second action left nothing
    found = await store.read.idempotency.get(3, "k")
    assert found is not None and found.fingerprint == "a"
    count = await store.read.events.fetchone("SELECT COUNT(*) FROM actions WHERE user_id = 3")
    assert count[0] == 1


def _by_reference(user_id: int, key: str, request_id: str = "rid-7") -> KeyRecord:
    """A key whose body is rebuilt from its action-log row (what the executor stores)."""
    return KeyRecord(user_id, key, "f" * 64, 200, None, request_id)


def _sent(entry: ActionRecord, request_id: str = "rid-7") -> bytes:
    """The body the executor sent for `entry`'s action."""
    return success_body(entry.result, request_id, datetime.fromisoformat(entry.created_at))


async def test_a_key_rebuilds_the_exact_body_from_its_log_row(store: Store) -> None:
    """Migration 0020: the key keeps its request id, the log row the result and the instant;
    the replay is byte for byte the first response (non-ASCII text and floats included), found
    by the plain lookup and by the one that takes the player's lock."""
    entry = record(5)
    entry = ActionRecord(
        **{
            **{f: getattr(entry, f) for f in entry.__slots__},  # type: ignore[attr-defined]
            "result": {"id": 7, "name": "Mö 🐈‍⬛", "coi": 0.125, "care": {"due": ["feed"]}},
        }
    )
    async with store.write(5) as uow:
        await uow.actions.log(entry, [], _by_reference(5, "key-r"))

    found = await store.read.idempotency.get(5, "key-r")
    assert found is not None and found.body == _sent(entry)
    async with store.write() as uow:
        locked = await uow.act_as_keyed(5, "key-r")
    assert locked == found
    raw = await store.read.events.fetchone(
        "SELECT response, request_id FROM idempotency_keys WHERE user_id = 5 AND key = 'key-r'"
    )
    assert (raw[0], raw[1]) == (None, "rid-7")  # the body is not stored twice


async def test_a_key_keeps_its_body_when_its_log_row_is_rewritten_or_deleted(
    store: Store,
) -> None:
    """A sync renumbering rewrites log rows and a superseded provisional action or a replaced
    game deletes them: the keys pointing at them store the body first."""
    first, second = record(5), record(5, cat_id=8)
    async with store.write(5) as uow:
        first_id = await uow.actions.log(first, [], _by_reference(5, "gone"))
        await uow.actions.log(second, [], _by_reference(5, "forgotten", "rid-8"))
    async with store.write(5) as uow:
        await uow.sync_local.delete_action(first_id)
    async with store.write(5) as uow:
        assert await uow.idempotency.keep_bodies("a.user_id = ?", (5,)) == 1
        await uow.sync_local.forget_history(5)

    gone = await store.read.idempotency.get(5, "gone")
    forgotten = await store.read.idempotency.get(5, "forgotten")
    assert gone is not None and gone.body == _sent(first)
    assert forgotten is not None and forgotten.body == _sent(second, "rid-8")
    assert await store.read.actions.count_for_cat(5, 7) == 0


async def test_a_key_whose_body_is_lost_is_not_run_again(store: Store) -> None:
    """Only a hand-edited database loses a log row behind a key: the key has no body to give
    (the executor refuses it) rather than none at all (which would run the action twice)."""
    async with store.write(5) as uow:
        action_id = await uow.actions.log(record(5), [], _by_reference(5, "orphan"))
    async with store.write(5) as uow:
        await uow.actions.execute("DELETE FROM actions WHERE id = ?", (action_id,))
    found = await store.read.idempotency.get(5, "orphan")
    assert found is not None and found.body is None and found.fingerprint == "f" * 64


def test_keys_stored_before_0020_replay_their_body_after_it(tmp_path: Path) -> None:
    """0020 rebuilds the SQLite table (WITHOUT ROWID, `response` may be NULL): a key stored
    before it keeps its whole body and replays it unchanged."""
    old = tmp_path / "old-migrations"
    old.mkdir()
    for path in migration_files():
        if path.name < "0020":
            (old / path.name).write_bytes(path.read_bytes())
    db = tmp_path / "old.db"
    migrate(db, old)
    body = '{"success":true,"data":{"id":7,"name":"Mö"},"meta":{"request_id":"r","timestamp":"t"}}'
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO actions (user_id, name, args, fingerprint, seed, result, created_at,"
            " version) VALUES (5, 'cats.update', '{}', 'f', 1, ?, 't', 1)",
            (dumps({"id": 7, "name": "changed since"}),),
        )
        conn.execute(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, action_id, status_code,"
            " response, created_at) VALUES (5, 'old', 'f', 1, 201, ?, 't')",
            (body,),
        )
    assert migrate(db)[:1] == ["0020_idempotency_by_reference.sql"]

    async def replayed() -> StoredResponse | None:
        store = Store(db)
        try:
            await store.open()
            return await store.read.idempotency.get(5, "old")
        finally:
            await store.close()

    found = asyncio.run(replayed())
    assert found is not None and found.body == body.encode() and found.status_code == 201
    with sqlite3.connect(db) as conn:
        (sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'idempotency_keys'"
        ).fetchone()
    assert "WITHOUT ROWID" in sql
