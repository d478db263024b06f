"""A player with a valid account on a hosted server, attacking issue 17's surfaces: another
player's room, device, withdrawal or OAuth2 client; ids beyond 64 bits; oversized or non-finite
input. Every refusal is a clear 4xx, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.settings import Settings
from tests.server.conftest import adopt, idem, make_settings
from tests.server.test_devices_api import add_device, post_reading
from tests.server.test_oauth import FORM, add_client, tokens_for
from tests.server.test_rooms_api import data, error, fed_cat, join
from tests.server.test_rooms_api import players as players  # noqa: PLC0414 - the fixture
from tests.server.test_rooms_api import room_settings as room_settings  # noqa: PLC0414

API = "/api/v1"


@pytest.fixture
def hosted_settings(tmp_path: Path, database: str | None) -> Settings:
    """Hosted, on both databases, with the sandbox's deposits (to fund a withdrawal)."""
    return make_settings(
        tmp_path / "hosted", hosted=True, allow_sandbox_payments=True, database_url=database
    )


#: Ids no row can have: beyond 64 bits, beyond SQLite's 63, zero, negative.
BAD_IDS = [2**64, 2**63, 0, -1]
#: The same ids as JSON values, plus values of the wrong type.
BAD_ID_VALUES: list[Any] = [*BAD_IDS, "1", True, 1.5, None]


async def test_another_players_room_is_out_of_reach(players: Callable[[str], Any]) -> None:
    alice, bob = await players("alice"), await players("bob")
    tom = await fed_cat(alice, "Tom", "territorial")
    sky = await fed_cat(bob, "Sky", "social_butterfly")
    room = data(await join(bob, type="contest", cat_id=sky["id"]))

    # Alice cannot bring Bob's cat, leave for Bob, or start Bob's room's round.
    error(await join(alice, type="contest", cat_id=sky["id"]), 404, "NOT_FOUND")
    error(await join(alice, room_id=room["id"], cat_id=sky["id"]), 404, "NOT_FOUND")
    error(await alice.post(f"{API}/rooms/{room['id']}/leave", headers=idem()), 404, "NOT_FOUND")
    error(await alice.post(f"{API}/rooms/{room['id']}/play", headers=idem()), 409, "CONFLICT")
    shown = data(await bob.get(f"{API}/rooms/{room['id']}"))
    assert [m["player"] for m in shown["members"]] == ["bob"] and shown["rounds"] == 0

    # Ids no room can have are a validation error in the path and in the body.
    for bad in BAD_IDS:
        for path in (f"{API}/rooms/{bad}", f"{API}/rooms/{bad}/events/poll"):
            error(await alice.get(path), 422, "VALIDATION_ERROR")
        for verb in ("leave", "play"):
            r = await alice.post(f"{API}/rooms/{bad}/{verb}", headers=idem())
            error(r, 422, "VALIDATION_ERROR")
    for bad in BAD_ID_VALUES:
        error(await join(alice, room_id=bad, cat_id=tom["id"]), 422, "VALIDATION_ERROR")
        error(await join(alice, type="contest", cat_id=bad), 422, "VALIDATION_ERROR")
    err = error(await join(alice, type="x" * 100_000, cat_id=tom["id"]), 422, "VALIDATION_ERROR")
    assert len(err["message"]) < 1000
    # Nothing moved: Bob alone in his room, Alice in none.
    assert data(await alice.get(f"{API}/rooms", params={"mine": "true"})) == []
    shown = data(await bob.get(f"{API}/rooms/{room['id']}"))
    assert [m["player"] for m in shown["members"]] == ["bob"]


async def _hosted_player(anon: httpx.AsyncClient, name: str) -> dict[str, str]:
    from tests.server.conftest import register_and_login

    return {"Authorization": f"Bearer {await register_and_login(anon, name)}"}


async def test_another_players_device_and_its_key_are_out_of_reach(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    alice = await _hosted_player(anon, "alice")
    bob = await _hosted_player(anon, "bobby")
    anon.headers.update(alice)
    alices_cat = await adopt(anon, "Tom")
    alices = await add_device(anon, alices_cat["id"])
    anon.headers.update(bob)
    bobs_cat = await adopt(anon, "Sky")
    bobs = await add_device(anon, bobs_cat["id"])
    del anon.headers["Authorization"]

    # Bob's device key posts to Bob's device only, and is no bearer credential anywhere.
    r = await post_reading(hosted_app, alices, bobs["device_key"], heart_rate_bpm=180)
    error(r, 401, "UNAUTHORIZED")
    for header in (
        {"Authorization": f"Bearer {bobs['device_key']}"},
        {"X-API-Key": bobs["device_key"]},
    ):
        error(await anon.get(f"{API}/cats", headers=header), 401, "UNAUTHORIZED")
        r = await anon.get(f"{API}/cats/{bobs_cat['id']}/devices", headers=header)
        error(r, 401, "UNAUTHORIZED")

    # Non-finite, out-of-range, oversized and wrongly typed metrics: refused, briefly.
    url = f"{API}/cats/{bobs_cat['id']}/devices/{bobs['id']}/readings"
    key = {"X-Device-Key": bobs["device_key"], "Content-Type": "application/json"}
    for value in ["NaN", "Infinity", "-Infinity", "1e400", str(10**30), '"180"', "true"]:
        raw = f'{{"heart_rate_bpm": {value}, "temperature_f": 101.0}}'
        r = await anon.post(url, content=raw, headers={**key, **idem()})
        err = error(r, 422, "VALIDATION_ERROR")
        assert "heart_rate_bpm" in err["message"], err
    huge = {"k" * 200_000: 1}
    r = await post_reading(hosted_app, bobs, bobs["device_key"], **huge)
    err = error(r, 422, "VALIDATION_ERROR")
    assert len(r.text) < 5000, r.text[:300]
    r = await post_reading(
        hosted_app, bobs, bobs["device_key"], heart_rate_bpm=list(range(50_000)), temperature_f=101
    )
    error(r, 422, "VALIDATION_ERROR")
    assert len(r.text) < 5000, r.text[:300]

    # Device and cat ids beyond 64 bits.
    for bad in BAD_IDS:
        for path in (
            f"{API}/cats/{bad}/devices",
            f"{API}/cats/{bobs_cat['id']}/devices/{bad}/readings",
        ):
            error(await anon.get(path, headers=bob), 422, "VALIDATION_ERROR")
        r = await anon.post(
            f"{API}/cats/{bobs_cat['id']}/devices/{bad}/readings",
            headers={"X-Device-Key": bobs["device_key"], **idem()},
            json={"heart_rate_bpm": 180, "temperature_f": 101.0},
        )
        error(r, 422, "VALIDATION_ERROR")
    # Nothing was recorded for either device.
    for who, cat, device in ((alice, alices_cat, alices), (bob, bobs_cat, bobs)):
        r = await anon.get(f"{API}/cats/{cat['id']}/devices/{device['id']}/readings", headers=who)
        assert r.status_code == 200 and r.json()["data"] == [], r.text


async def test_another_players_withdrawal_is_out_of_reach(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    from tests.server.test_withdrawals import GOOD, _hosted_withdrawal

    alice_headers, wid = await _hosted_withdrawal(anon, "saver", GOOD)
    bob = await _hosted_player(anon, "thief")
    r = await anon.post(f"{API}/economy/withdrawals/{wid}/cancel", headers={**bob, **idem()})
    error(r, 404, "NOT_FOUND")
    for bad in BAD_IDS:
        r = await anon.post(f"{API}/economy/withdrawals/{bad}/cancel", headers={**bob, **idem()})
        error(r, 422, "VALIDATION_ERROR")
    rows = (await anon.get(f"{API}/economy/withdrawals", headers=alice_headers)).json()["data"]
    assert [w["status"] for w in rows if w["id"] == wid] == ["pending"]
    balance = (await anon.get(f"{API}/economy/balance", headers=alice_headers)).json()["data"]
    assert balance["locked"]["USDC"] == "5.00000000"


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "authorization_code", "client_id": "pci_" + "a" * 10_000, "code": "x"},
        {"grant_type": "g" * 10_000},
        {"grant_type": "refresh_token", "refresh_token": "por_" + "b" * 100_000},
        {"grant_type": "client_credentials", "scope": "read " * 10_000},
    ],
    ids=["client_id", "grant_type", "refresh_token", "scope"],
)
async def test_oversized_token_requests_are_refused_briefly(
    anon: httpx.AsyncClient, hosted_app: FastAPI, form: dict[str, str]
) -> None:
    r = await anon.post(f"{API}/oauth/token", headers=FORM, data=form)
    assert 400 <= r.status_code < 500, r.text[:300]
    assert len(r.text) < 2000, r.text[:300]


async def test_another_clients_tokens_and_another_players_grants_are_out_of_reach(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    mine = await add_client(hosted_app)
    theirs = await add_client(hosted_app, name="Theirs")
    alice = await _hosted_player(anon, "alice")
    session = alice["Authorization"].removeprefix("Bearer ")
    tokens = await tokens_for(anon, session, mine)
    their_auth = {"client_id": theirs["client_id"], "client_secret": theirs["client_secret"]}
    # Another client refreshing this client's grant: refused, and the grant lives on.
    r = await anon.post(
        f"{API}/oauth/token",
        headers=FORM,
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            **their_auth,
        },
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert (
        await anon.get(f"{API}/cats", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    ).status_code == 200
    # A player (not an administrator) can neither register nor retire clients.
    bob = await _hosted_player(anon, "bobby")
    r = await anon.post(
        f"{API}/oauth/clients",
        headers={**bob, **idem()},
        json={"name": "Mine now", "redirect_uris": ["https://evil.example/cb"]},
    )
    error(r, 403, "FORBIDDEN")
    r = await anon.delete(f"{API}/oauth/clients/{mine['client_id']}", headers={**bob, **idem()})
    error(r, 403, "FORBIDDEN")
    assert (
        await anon.get(f"{API}/cats", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    ).status_code == 200


async def test_room_cursors_beyond_64_bits_are_refused_or_ignored(
    players: Callable[[str], Any],
) -> None:
    alice = await players("alice")
    tom = await fed_cat(alice, "Tom", "territorial")
    room = data(await join(alice, type="contest", cat_id=tom["id"]))
    base = f"{API}/rooms/{room['id']}/events"
    for since in (2**64, 2**63):
        error(await alice.get(f"{base}/poll", params={"since": since}), 422, "VALIDATION_ERROR")
        error(await alice.get(base, params={"since": since}), 422, "VALIDATION_ERROR")
        mine = await alice.get(f"{API}/events", params={"since": since})  # the player's own
        error(mine, 422, "VALIDATION_ERROR")
    # A Last-Event-ID that is no version this server could have given is ignored.
    for last in (str(2**64), "²", "٣", "-1", "1e3", "x" * 10_000):
        async with alice.stream(
            "GET", base, params={"timeout": 0.2}, headers={"Last-Event-ID": last.encode()}
        ) as stream:
            assert stream.status_code == 200, (last, await stream.aread())
            body = (await stream.aread()).decode()
        assert "room.joined" in body, (last, body)
    device = await add_device(alice, tom["id"])
    for offset in (2**63, 2**64):
        r = await alice.get(
            f"{API}/cats/{tom['id']}/devices/{device['id']}/readings", params={"offset": offset}
        )
        error(r, 422, "VALIDATION_ERROR")


async def test_unknown_names_are_echoed_briefly(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    """An unknown device type or room type of any length is named in a few dozen characters."""
    anon.headers.update(await _hosted_player(anon, "alice"))
    cat = await adopt(anon, "Tom")
    r = await anon.post(
        f"{API}/cats/{cat['id']}/devices",
        headers=idem(),
        json={"device_type": "collar" * 100_000},
    )
    err = error(r, 422, "VALIDATION_ERROR")
    assert "collar_sensor" in err["message"] and len(r.text) < 2000, r.text[:300]
    r = await anon.get(f"{API}/rooms", params={"type": "arena" * 2_000})
    err = error(r, 422, "VALIDATION_ERROR")
    assert "contest" in err["message"] and len(r.text) < 2000, r.text[:300]
    assert (await anon.get(f"{API}/cats/{cat['id']}/devices")).json()["data"] == []
