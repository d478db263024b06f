"""Two players in one room on a real hosted `python -m purrr_server` over TCP: both watch the
room's live channel (Server-Sent Events), both see the other join and the contest's result, and
the contest pays both."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import GENOTYPE
from tests.server.test_real_server import Server

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "hosted", "--hosted").start()
    try:
        yield server
    finally:
        server.stop()


async def player(base_url: str, name: str, personality: str) -> tuple[httpx.AsyncClient, int]:
    """A registered, logged-in player's client and their fed cat's id."""
    c = httpx.AsyncClient(base_url=base_url, timeout=15)
    r = await c.post(
        "/api/v1/auth/register",
        headers={"Idempotency-Key": f"{name}-1"},
        json={"username": name, "email": f"{name}@example.com", "password": "really secret"},
    )
    assert r.status_code == 201, r.text
    r = await c.post(
        "/api/v1/auth/login",
        headers={"Idempotency-Key": f"{name}-2"},
        json={"username": name, "password": "really secret"},
    )
    c.headers["Authorization"] = f"Bearer {r.json()['data']['access_token']}"
    r = await c.post(
        "/api/v1/cats",
        headers={"Idempotency-Key": f"{name}-3"},
        json={"name": name.title(), "personality_type": personality, "genotype": GENOTYPE},
    )
    cat_id = int(r.json()["data"]["id"])
    r = await c.post(
        f"/api/v1/cats/{cat_id}/feed", headers={"Idempotency-Key": f"{name}-4"}, json={}
    )
    assert r.status_code == 200, r.text
    return c, cat_id


@contextlib.asynccontextmanager
async def watching(
    c: httpx.AsyncClient, room_id: int, since: int
) -> AsyncIterator[asyncio.Task[list[dict[str, Any]]]]:
    """Open the room's channel; yields (once connected) a task that collects events until a
    round's result arrives."""
    async with c.stream(
        "GET", f"/api/v1/rooms/{room_id}/events", params={"since": since, "timeout": 30}
    ) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert await anext(lines) == ": connected"

        async def collect() -> list[dict[str, Any]]:
            events: list[dict[str, Any]] = []
            async for line in lines:
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    if events[-1]["type"] == "room.round":
                        break
            return events

        task = asyncio.create_task(collect())
        try:
            yield task
        finally:
            task.cancel()


async def coins(c: httpx.AsyncClient) -> int:
    return int((await c.get("/api/v1/economy/balance")).json()["data"]["coins"])


async def test_two_players_watch_one_room_and_the_contest_pays_both(hosted: Server) -> None:
    alice, tom = await player(hosted.url, "alice", "territorial")
    bob, sky = await player(hosted.url, "bob", "social_butterfly")
    try:
        r = await alice.post(
            "/api/v1/rooms",
            headers={"Idempotency-Key": "alice-join"},
            json={"type": "contest", "cat_id": tom},
        )
        assert r.status_code == 200, r.text
        room = r.json()["data"]
        cursor = (await bob.get(f"/api/v1/rooms/{room['id']}/events/poll")).json()["data"]
        before = {"alice": await coins(alice), "bob": await coins(bob)}

        async with (
            watching(alice, room["id"], cursor["cursor"]) as alice_sees,
            watching(bob, room["id"], cursor["cursor"]) as bob_sees,
        ):
            r = await bob.post(
                "/api/v1/rooms",
                headers={"Idempotency-Key": "bob-join"},
                json={"type": "contest", "cat_id": sky},
            )
            assert r.json()["data"]["id"] == room["id"], r.text
            r = await alice.post(
                f"/api/v1/rooms/{room['id']}/play", headers={"Idempotency-Key": "alice-play"}
            )
            assert r.status_code == 201, r.text
            result = r.json()["data"]
            seen = await asyncio.wait_for(asyncio.gather(alice_sees, bob_sees), timeout=20)

        for events in seen:
            assert [e["type"] for e in events] == ["room.joined", "room.round"]
            assert events[0]["payload"]["player"] == "bob"
            assert events[0]["room_id"] == room["id"]
            assert events[1]["payload"]["placings"] == result["placings"]
        paid = {p["player"]: p["coins"] for p in result["placings"]}
        assert set(paid) == {"alice", "bob"} and all(v > 0 for v in paid.values())
        assert await coins(alice) == before["alice"] + paid["alice"]
        assert await coins(bob) == before["bob"] + paid["bob"]

        # Replaying Alice's request (same Idempotency-Key) plays no second round.
        again = await alice.post(
            f"/api/v1/rooms/{room['id']}/play", headers={"Idempotency-Key": "alice-play"}
        )
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert await coins(bob) == before["bob"] + paid["bob"]
    finally:
        await alice.aclose()
        await bob.aclose()
