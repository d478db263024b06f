"""The player's clock (issue 16): by default the server's zone; in hosted mode each player may set
their own (`PUT /account/timezone`, shown by `/auth/profile`), and the Night Watch window, the
hour of their interactions and their daily quest resets all follow it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.settings import Settings
from tests.server.conftest import _serve, adopt, idem, register_and_login

#: 22:30 in Berlin (summer time), 16:30 in New York, 20:30 on the server's UTC clock.
SUMMER_EVENING = datetime(2026, 7, 15, 20, 30, tzinfo=UTC)


@pytest.fixture
async def players(
    hosted_settings: Settings, make_app: Callable[..., FastAPI]
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    hosted_settings.pinned_now = SUMMER_EVENING
    app = make_app(hosted_settings)
    async for anon in _serve(app, {}):
        tokens = {name: await register_and_login(anon, name) for name in ("berta", "nora")}
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        clients = {
            name: httpx.AsyncClient(
                transport=transport,
                base_url="http://purrr.test",
                headers={"Authorization": f"Bearer {token}"},
            )
            for name, token in tokens.items()
        }
        yield clients
        for client in clients.values():
            await client.aclose()


async def set_zone(client: httpx.AsyncClient, zone: Any) -> httpx.Response:
    return await client.put("/api/v1/account/timezone", json={"timezone": zone}, headers=idem())


async def window(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/api/v1/night-watch/status")
    assert r.status_code == 200, r.text
    return dict(r.json()["data"]["window"])


async def test_each_player_reads_their_own_clock(players: dict[str, httpx.AsyncClient]) -> None:
    berta, nora = players["berta"], players["nora"]
    # the server's zone (UTC here) until a player sets one
    assert (await window(berta))["local_time"] == "20:30"
    profile = (await berta.get("/api/v1/auth/profile")).json()["data"]
    assert profile["timezone"] is None and profile["effective_timezone"] == "UTC"

    r = await set_zone(berta, "Europe/Berlin")
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {
        "timezone": "Europe/Berlin",
        "effective_timezone": "Europe/Berlin",
        "server_timezone": "UTC",
        "local_time": "2026-07-15T22:30:00+02:00",
    }
    assert (await set_zone(nora, "America/New_York")).status_code == 200
    profile = (await berta.get("/api/v1/auth/profile")).json()["data"]
    assert (
        profile["timezone"] == "Europe/Berlin" and profile["effective_timezone"] == "Europe/Berlin"
    )
    assert (await berta.get("/api/v1/account/timezone")).json()["data"][
        "timezone"
    ] == "Europe/Berlin"

    # the same instant: 22:30 in Berlin is inside the window, 16:30 in New York is not
    assert await window(berta) == {**await window(berta), "open": True, "local_time": "22:30"}
    assert (await window(berta))["timezone"] == "Europe/Berlin"
    shut = await window(nora)
    assert shut["open"] is False and shut["local_time"] == "16:30"
    for client, deployed in ((berta, 201), (nora, 409)):
        cat = await adopt(client, "Scout", personality_type="curious")
        await client.post(f"/api/v1/cats/{cat['id']}/feed", json={"quantity": 3}, headers=idem())
        r = await client.post(
            "/api/v1/night-watch/deploy", json={"cat_ids": [cat["id"]]}, headers=idem()
        )
        assert r.status_code == deployed, r.text
        if deployed == 201:
            patrol = r.json()["data"]
            assert patrol["timezone"] == "Europe/Berlin" and patrol["utc_offset_minutes"] == 120
            assert patrol["ends_at"].startswith("2026-07-16T04:00")  # 06:00 in Berlin
        else:
            assert "(it is 16:30)" in r.json()["error"]["message"]

    # daily quests reset at each player's midnight
    for client, midnight in (
        (berta, "2026-07-15T22:00:00+00:00"),
        (nora, "2026-07-16T04:00:00+00:00"),
    ):
        quests = (await client.get("/api/v1/quests")).json()["data"]
        assert {q["resets_at"] for q in quests if q.get("type") == "daily"} == {midnight}

    # back to the server's clock
    assert (await set_zone(berta, None)).json()["data"]["effective_timezone"] == "UTC"


async def test_unknown_zones_are_refused_naming_the_field(
    players: dict[str, httpx.AsyncClient],
) -> None:
    for bad in ("Mars/Base", "../etc/passwd", "UTC+99:00", "Europe/Atlantis"):
        r = await set_zone(players["berta"], bad)
        assert r.status_code == 422, (bad, r.text)
        error = r.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["details"]["field"] == "timezone"
        assert "IANA" in error["message"]
