"""What the executor stores for an applied action (`ActionRepository.log`), the same on both
databases: on PostgreSQL it is one statement with data-modifying CTEs, on SQLite three."""

from __future__ import annotations

import sqlite3

import pytest

from purrr_server.store import Store
from purrr_server.store.actions import ActionRecord, KeyRecord


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
        key = KeyRecord(5, "key-1", "f" * 64, 200, '{"success":true}')
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
    assert response is not None and response.body == '{"success":true}'
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
