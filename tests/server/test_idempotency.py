"""Idempotency-Key: replays, mismatches, concurrent duplicates, never applied twice."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from tests.server.conftest import adopt, idem


async def action_count(app: FastAPI, name: str) -> int:
    rows = await app.state.runtime.store.read.actions.fetchall(
        "SELECT COUNT(*) FROM actions WHERE name = ?", (name,)
    )
    return int(rows[0][0])


async def test_replay_returns_the_stored_response(client: httpx.AsyncClient, app: FastAPI) -> None:
    cat = await adopt(client)
    key = {"Idempotency-Key": "feed-once"}
    first = await client.post(
        f"/api/v1/cats/{cat['id']}/feed", json={"food_item": "milk"}, headers=key
    )
    second = await client.post(
        f"/api/v1/cats/{cat['id']}/feed", json={"food_item": "milk"}, headers=key
    )
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await action_count(app, "cats.feed") == 1
    cat_now = (await client.get(f"/api/v1/cats/{cat['id']}")).json()["data"]
    assert cat_now["hunger"] == cat["hunger"] + 20


async def test_replay_of_a_create_keeps_201(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = {"name": "Once", "personality_type": "curious"}
    first = await client.post("/api/v1/cats", json=body, headers={"Idempotency-Key": "adopt-1"})
    again = await client.post("/api/v1/cats", json=body, headers={"Idempotency-Key": "adopt-1"})
    assert first.status_code == again.status_code == 201 and first.content == again.content
    assert len((await client.get("/api/v1/cats")).json()["data"]) == 1


async def test_same_key_different_body_is_422(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    key = {"Idempotency-Key": "k-mismatch"}
    await client.post(f"/api/v1/cats/{cat['id']}/feed", json={"food_item": "milk"}, headers=key)
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/feed", json={"food_item": "salmon"}, headers=key
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"]["field"] == "Idempotency-Key"


async def test_ten_concurrent_identical_requests_apply_once(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    cat = await adopt(client)
    key = {"Idempotency-Key": "burst"}
    responses = await asyncio.gather(
        *[
            client.post(
                f"/api/v1/cats/{cat['id']}/feed", json={"food_item": "tuna_fish"}, headers=key
            )
            for _ in range(10)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409} and 200 in statuses
    conflicts = [r for r in responses if r.status_code == 409]
    assert all(r.json()["error"]["code"] == "CONFLICT" for r in conflicts)
    bodies = {r.content for r in responses if r.status_code == 200}
    assert len(bodies) == 1
    assert await action_count(app, "cats.feed") == 1
    after = (await client.get(f"/api/v1/cats/{cat['id']}")).json()["data"]
    assert after["hunger"] == cat["hunger"] + 30 and after["version"] == 2


async def test_a_failed_request_is_not_stored(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    key = {"Idempotency-Key": "after-rest"}
    url = f"/api/v1/cats/{cat['id']}/rest"
    assert (await client.post(url, headers=key)).status_code == 409  # not tired yet
    await client.post(
        f"/api/v1/cats/{cat['id']}/play",
        json={"game": "mouse_hunt", "duration": 30},
        headers=idem(),
    )
    assert (await client.post(url, headers=key)).status_code == 200


async def test_keys_are_per_user(anon: httpx.AsyncClient) -> None:
    from tests.server.conftest import register_and_login

    a = await register_and_login(anon, "keya")
    b = await register_and_login(anon, "keyb")
    body = {"name": "Shared", "personality_type": "playful"}
    for token in (a, b):
        r = await anon.post(
            "/api/v1/cats",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"},
        )
        assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers


async def test_invalid_key_is_rejected(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/cats",
        json={"name": "X", "personality_type": "lazy"},
        headers={"Idempotency-Key": "bad key with spaces"},
    )
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "Idempotency-Key"


async def test_a_replay_on_either_database_writes_nothing(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    """The key is looked up inside the write transaction (on PostgreSQL in the statement that
    takes the player's lock): a replay rolls it back, so the player's version stays put."""
    from tests.server.conftest import register_and_login

    anon.headers["Authorization"] = f"Bearer {await register_and_login(anon, 'replayer')}"
    cat = await adopt(anon)
    key = {"Idempotency-Key": "edit-once"}
    first = await anon.put(f"/api/v1/cats/{cat['id']}", json={"description": "a"}, headers=key)
    store = hosted_app.state.runtime.store
    user_id = (await store.read.users.credentials("replayer"))[0].id
    version = await store.player_version(user_id)
    again = await anon.put(f"/api/v1/cats/{cat['id']}", json={"description": "a"}, headers=key)
    other = await anon.put(f"/api/v1/cats/{cat['id']}", json={"description": "b"}, headers=key)

    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json()["error"]["details"]["field"] == (
        "Idempotency-Key"
    )
    assert await store.player_version(user_id) == version
    assert await action_count(hosted_app, "cats.update") == 1


async def test_a_key_stored_while_waiting_for_the_lock_is_replayed_not_refused(
    anon: httpx.AsyncClient, hosted_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the key lookup shares a statement with the player's lock, and its snapshot
    is taken before the wait: a same-key request of another worker that committed meanwhile is
    not seen, and the action runs on the changed rows. Modelled here on both databases by a
    lookup that misses: the retry's `If-Match` no longer matches, and the answer must still be
    the stored response, not a version conflict."""
    from purrr_server.store.database import UnitOfWork
    from tests.server.conftest import register_and_login

    anon.headers["Authorization"] = f"Bearer {await register_and_login(anon, 'racer')}"
    cat = await adopt(anon)
    headers = {"Idempotency-Key": "edit-race", "If-Match": f'"{cat["version"]}"'}
    first = await anon.put(f"/api/v1/cats/{cat['id']}", json={"description": "a"}, headers=headers)
    assert first.status_code == 200

    async def missed(self: UnitOfWork, user_id: int, key: str) -> None:
        await self.act_as(user_id)  # the lock, and a lookup that saw nothing

    monkeypatch.setattr(UnitOfWork, "act_as_keyed", missed)
    again = await anon.put(f"/api/v1/cats/{cat['id']}", json={"description": "a"}, headers=headers)

    assert again.status_code == 200 and again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await action_count(hosted_app, "cats.update") == 1
