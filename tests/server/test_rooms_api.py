"""Multiplayer rooms through the API (in-process hosted app): joining by type, caps, rounds that
pay every player, quests that add up everyone's rounds, and the local game's refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_core.rooms import room_type, rules
from purrr_server.routers.rooms import RoomDetail, RoomEventsPage
from purrr_server.services.rooms import RoomOut, RoundOut
from purrr_server.settings import Settings
from tests.server.conftest import _serve, adopt, idem, make_settings, register_and_login
from tests.server.test_nightwatch_api import EVENING

API = "/api/v1/rooms"


@pytest.fixture
def room_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "rooms", hosted=True, pinned_now=EVENING)


@pytest.fixture
async def players(
    room_settings: Settings, make_app: Callable[..., FastAPI]
) -> AsyncIterator[Callable[[str], Any]]:
    """`await player(name)`: a registered player's client on one hosted app."""
    app = make_app(room_settings)
    opened: list[Any] = []

    async def player(name: str) -> httpx.AsyncClient:
        serving = _serve(app, {})
        client = await serving.__anext__()
        opened.append(serving)
        token = await register_and_login(client, name)
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    try:
        yield player
    finally:
        for serving in opened:
            await serving.aclose()


def data(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()["data"]


def error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code, err
    return dict(err)


async def fed_cat(client: httpx.AsyncClient, name: str, personality: str) -> dict[str, Any]:
    cat = await adopt(client, name, personality_type=personality)
    r = await client.post(f"/api/v1/cats/{cat['id']}/feed", json={"quantity": 3}, headers=idem())
    assert r.status_code == 200, r.text
    return cat


async def join(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post(API, json=body, headers=idem())


async def coins(client: httpx.AsyncClient) -> int:
    return int(data(await client.get("/api/v1/economy/balance"))["coins"])


async def test_two_players_meet_in_a_contest_and_both_are_paid(
    players: Callable[[str], Any], room_settings: Settings
) -> None:
    alice, bob = await players("alice"), await players("bob")
    tom = await fed_cat(alice, "Tom", "territorial")
    sky = await fed_cat(bob, "Sky", "social_butterfly")

    room = data(await join(alice, type="contest", cat_id=tom["id"]))
    RoomOut.model_validate(room)
    assert room["type"] == "contest" and room["status"] == "open"
    assert [m["player"] for m in room["members"]] == ["alice"]
    same = data(await join(bob, type="contest", cat_id=sky["id"]))
    assert same["id"] == room["id"]
    assert [(m["player"], m["cat_name"]) for m in same["members"]] == [
        ("alice", "Tom"),
        ("bob", "Sky"),
    ]
    listed = data(await bob.get(API, params={"type": "contest"}))
    assert [r["id"] for r in listed] == [room["id"]]

    before = {"alice": await coins(alice), "bob": await coins(bob)}
    sky_before = data(await bob.get(f"/api/v1/cats/{sky['id']}"))
    played = data(await alice.post(f"{API}/{room['id']}/play", headers=idem()), 201)
    RoundOut.model_validate(played)
    assert played["round"] == 1 and played["activity"] == "contest"
    assert {p["player"] for p in played["placings"]} == {"alice", "bob"}
    assert sorted(p["place"] for p in played["placings"]) == [1, 2]
    paid = {p["player"]: p["coins"] for p in played["placings"]}
    assert sorted(paid.values()) == [rules().contest.participation_coins, rules().contest.prizes[0]]
    assert await coins(alice) == before["alice"] + paid["alice"]
    assert await coins(bob) == before["bob"] + paid["bob"]

    # Bob's cat changed by Alice's action, and Bob was told on his own event stream.
    sky_after = data(await bob.get(f"/api/v1/cats/{sky['id']}"))
    bob_placing = next(p for p in played["placings"] if p["player"] == "bob")
    assert sky_after["experience"] == sky_before["experience"] + bob_placing["xp_gained"]
    assert sky_after["version"] == sky_before["version"] + 1
    events = data(await bob.get("/api/v1/events/poll"))["events"]
    assert any(e["type"] == "room.round" and e["payload"]["room_id"] == room["id"] for e in events)

    # The room's channel holds the whole story; the details show the results.
    page = data(await bob.get(f"{API}/{room['id']}/events/poll"))
    RoomEventsPage.model_validate(page)
    assert [e["type"] for e in page["events"]] == [
        "room.created",
        "room.joined",
        "room.joined",
        "room.round",
    ]
    detail = data(await alice.get(f"{API}/{room['id']}"))
    RoomDetail.model_validate(detail)
    assert detail["recent_rounds"][0]["placings"] == played["placings"]

    # A round at a time: the next waits out the cooldown.
    err = error(await bob.post(f"{API}/{room['id']}/play", headers=idem()), 409, "CONFLICT")
    assert "next can start" in err["message"]
    room_settings.pinned_now = EVENING + timedelta(seconds=room_type("contest").cooldown_seconds)
    data(await bob.post(f"{API}/{room['id']}/play", headers=idem()), 201)

    # Community quests add up every player's rounds; each player has played 2.
    quests = {q["id"]: q for q in data(await alice.get("/api/v1/quests"))}
    assert quests["community_rooms"]["community_total"] == "4"

    # Leaving: the last one out closes the room.
    left = data(await bob.post(f"{API}/{room['id']}/leave", headers=idem()))
    assert [m["player"] for m in left["members"]] == ["alice"]
    closed = data(await alice.post(f"{API}/{room['id']}/leave", headers=idem()))
    assert closed["status"] == "closed" and closed["members"] == []
    assert data(await alice.get(API)) == []
    error(await alice.post(f"{API}/{room['id']}/leave", headers=idem()), 404, "NOT_FOUND")


async def test_a_playground_round_and_a_joint_patrol(players: Callable[[str], Any]) -> None:
    a, b, c = await players("ann"), await players("ben"), await players("cai")
    cats = [
        await fed_cat(a, "Ash", "aloof"),
        await fed_cat(b, "Bee", "social_butterfly"),
        await fed_cat(c, "Cid", "territorial"),
    ]
    room = data(await join(a, type="playground", cat_id=cats[0]["id"]))
    data(await join(b, room_id=room["id"], cat_id=cats[1]["id"]))
    romp = data(await b.post(f"{API}/{room['id']}/play", headers=idem()), 201)
    gained = {p["personality_type"]: p["happiness_gained"] for p in romp["placings"]}
    assert gained["social_butterfly"] > gained["aloof"]

    patrol = data(await join(c, type="patrol", cat_id=cats[2]["id"]))
    error(await c.post(f"{API}/{patrol['id']}/play", headers=idem()), 409, "CONFLICT")  # alone
    # Ann's cat is in the playground already; one room at a time per cat.
    err = error(await join(a, type="patrol", cat_id=cats[0]["id"]), 409, "CONFLICT")
    assert f"room #{room['id']}" in err["message"]
    data(await join(a, type="patrol", cat_id=(await fed_cat(a, "Ava", "aloof"))["id"]))
    night = data(await a.post(f"{API}/{patrol['id']}/play", headers=idem()), 201)
    assert night["activity"] == "patrol" and night["summary"]["counted"]
    assert sum(p["coins"] for p in night["placings"]) == night["summary"]["coins_earned"]


async def test_busy_cats_caps_and_bad_requests_are_refused(
    players: Callable[[str], Any], room_settings: Settings
) -> None:
    alice = await players("alice")
    cats = [await fed_cat(alice, f"Cat{i}", "playful") for i in range(5)]

    # A cat out on Night Watch patrol cannot join (purrr_core.duty's rule).
    r = await alice.post(
        "/api/v1/night-watch/deploy", json={"cat_ids": [cats[0]["id"]]}, headers=idem()
    )
    assert r.status_code in (200, 201), r.text
    err = error(await join(alice, type="contest", cat_id=cats[0]["id"]), 409, "CONFLICT")
    assert err["details"]["reason"] == "on_patrol"

    # Per-player cap: at most max_rooms_per_player rooms at once.
    limit = room_settings.max_rooms_per_player
    for cat, kind in zip(cats[1 : limit + 1], ["contest", "playground", "patrol"], strict=False):
        data(await join(alice, type=kind, cat_id=cat["id"]))
    err = error(await join(alice, type="contest", cat_id=cats[limit + 1]["id"]), 409, "CONFLICT")
    assert err["details"]["limit"] == limit

    error(await join(alice, type="arena", cat_id=cats[1]["id"]), 422, "VALIDATION_ERROR")
    err = error(
        await join(alice, type="contest", room_id=1, cat_id=cats[-1]["id"]), 422, "VALIDATION_ERROR"
    )
    assert "either type" in err["message"]
    error(await join(alice, type="contest", cat_id=9999), 404, "NOT_FOUND")
    error(await alice.get(f"{API}/9999"), 404, "NOT_FOUND")
    error(await alice.get(API, params={"type": "arena"}), 422, "VALIDATION_ERROR")


async def test_a_room_is_full_at_max_players(players: Callable[[str], Any]) -> None:
    kind = room_type("patrol")
    first = None
    for i in range(kind.max_players + 1):
        p = await players(f"player{i}")
        cat = await fed_cat(p, f"C{i}", "lazy")
        room = data(await join(p, type="patrol", cat_id=cat["id"]))
        first = first or room["id"]
        if i < kind.max_players:
            assert room["id"] == first
        else:  # the room is full: a new one opens
            assert room["id"] != first
            err = error(await join(p, room_id=first, cat_id=cat["id"]), 409, "CONFLICT")
            assert "already in room" in err["message"]


async def test_the_local_game_says_rooms_need_a_hosted_server(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    for r in (
        await client.get(API),
        await client.post(API, json={"type": "contest", "cat_id": cat["id"]}, headers=idem()),
        await client.post(f"{API}/1/leave", headers=idem()),
        await client.get(f"{API}/1/events/poll"),
    ):
        err = error(r, 409, "HOSTED_ONLY")
        assert "hosted server" in err["message"] and "--server" in err["message"]
    history = await client.get(f"/api/v1/cats/{cat['id']}/history")
    assert all(h["name"] != "rooms.join" for h in history.json()["data"])
