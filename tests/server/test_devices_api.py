"""Health devices over the in-process API (SPEC §9): registration, readings posted with the
device's own key, alerts at the original thresholds, the sandbox's simulated device."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_core.devices import alerts_for, metrics, simulate_reading
from purrr_server.services.devices import MAX_DEVICES_PER_CAT
from purrr_server.settings import Settings
from tests.server.conftest import adopt, idem, register_and_login

Headers = Callable[[str], dict[str, str]]


async def add_device(
    client: httpx.AsyncClient, cat_id: int, device_type: str = "collar_sensor", **extra: Any
) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/cats/{cat_id}/devices",
        json={"device_type": device_type, **extra},
        headers=idem(),
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


async def post_reading(
    app: FastAPI, device: dict[str, Any], key: str | None, **metrics: Any
) -> httpx.Response:
    """Post as the device does: a client holding no player credentials at all."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"X-Device-Key": key} if key is not None else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://device") as bare:
        return await bare.post(
            f"/api/v1/cats/{device['cat_id']}/devices/{device['id']}/readings",
            json=metrics,
            headers={**headers, **idem()},
        )


async def alert_events(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/events/poll", params={"since": 0})
    assert r.status_code == 200, r.text
    return [e["payload"] for e in r.json()["data"]["events"] if e["type"] == "device.alert"]


async def test_registration_shows_the_key_once_and_stores_only_its_hash(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    cat = await adopt(client)
    headers = idem()
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/devices",
        json={"device_type": "weight_scale", "name": "kitchen scale"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    device = r.json()["data"]
    key = device["device_key"]
    assert re.fullmatch(r"pd_[0-9a-f]{64}", key)
    assert device["key_prefix"] == key[:11]
    assert (device["device_type"], device["name"]) == ("weight_scale", "kitchen scale")

    listed = (await client.get(f"/api/v1/cats/{cat['id']}/devices")).json()["data"]
    assert [d["id"] for d in listed] == [device["id"]]
    assert "device_key" not in listed[0]

    replay = await client.post(
        f"/api/v1/cats/{cat['id']}/devices",
        json={"device_type": "weight_scale", "name": "kitchen scale"},
        headers=headers,
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["data"]["id"] == device["id"]
    assert key not in replay.text

    database = (settings.data_dir / "purrr.db").read_bytes()
    assert key.encode() not in database
    assert len((await client.get(f"/api/v1/cats/{cat['id']}/devices")).json()["data"]) == 1


async def test_a_device_posts_readings_with_its_own_key(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    cat = await adopt(client)
    device = await add_device(client, cat["id"])
    r = await post_reading(
        app, device, device["device_key"], heart_rate_bpm=180, temperature_f=101.5
    )
    assert r.status_code == 201, r.text
    reading = r.json()["data"]
    assert reading["metrics"] == {"heart_rate_bpm": 180, "temperature_f": 101.5}
    assert (reading["source"], reading["alerts"]) == ("device", [])

    r = await client.get(f"/api/v1/cats/{cat['id']}/devices/{device['id']}/readings")
    assert [x["id"] for x in r.json()["data"]] == [reading["id"]]
    listed = (await client.get(f"/api/v1/cats/{cat['id']}/devices")).json()["data"]
    assert listed[0]["last_reading_at"] == reading["measured_at"]


async def test_wrong_missing_or_revoked_device_keys_are_401(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    cat = await adopt(client)
    collar = await add_device(client, cat["id"])
    other = await add_device(client, cat["id"])
    reading = {"heart_rate_bpm": 180, "temperature_f": 101.5}

    missing = await post_reading(app, collar, None, **reading)
    assert missing.status_code == 401
    assert "X-Device-Key" in missing.json()["error"]["message"]
    wrong = await post_reading(app, collar, "pd_" + "0" * 64, **reading)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "UNAUTHORIZED"
    # Another device's key does not open this one.
    assert (await post_reading(app, collar, other["device_key"], **reading)).status_code == 401

    r = await client.delete(f"/api/v1/cats/{cat['id']}/devices/{collar['id']}", headers=idem())
    assert r.status_code == 200, r.text
    assert (await post_reading(app, collar, collar["device_key"], **reading)).status_code == 401
    survivor = await post_reading(app, other, other["device_key"], **reading)
    assert survivor.status_code == 201, survivor.text
    gone = await client.get(f"/api/v1/cats/{cat['id']}/devices/{collar['id']}/readings")
    assert gone.status_code == 404


async def test_a_released_cat_takes_its_devices_with_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    cat = await adopt(client)
    device = await add_device(client, cat["id"])
    r = await client.delete(f"/api/v1/cats/{cat['id']}", headers=idem())
    assert r.status_code == 200, r.text
    r = await post_reading(app, device, device["device_key"], heart_rate_bpm=180, temperature_f=101)
    assert r.status_code == 401
    assert (await client.get(f"/api/v1/cats/{cat['id']}/devices")).status_code == 404


async def test_another_players_cat_is_not_found(
    anon: httpx.AsyncClient, hosted_app: FastAPI, bearer: Headers
) -> None:
    alice = bearer(await register_and_login(anon, "alice"))
    bob = bearer(await register_and_login(anon, "bobby"))
    anon.headers.update(alice)
    cat = await adopt(anon)
    device = await add_device(anon, cat["id"])
    base = f"/api/v1/cats/{cat['id']}/devices"
    for method, path, body in [
        ("GET", base, None),
        ("POST", base, {"device_type": "collar_sensor"}),
        ("DELETE", f"{base}/{device['id']}", None),
        ("GET", f"{base}/{device['id']}/readings", None),
        ("POST", f"{base}/{device['id']}/simulate", None),
        ("GET", f"{base}/alerts", None),
    ]:
        r = await anon.request(method, path, json=body, headers={**bob, **idem()})
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] == "NOT_FOUND"
    assert len((await anon.get(base, headers=alice)).json()["data"]) == 1


@pytest.mark.parametrize(
    ("heart_rate", "temperature", "expected"),
    [
        (140, 100.5, []),
        (220, 102.5, []),
        (139, 101.0, [("heart_rate_bpm", "low", 140)]),
        (221, 101.0, [("heart_rate_bpm", "high", 220)]),
        (180, 100.4, [("temperature_f", "low", 100.5)]),
        (180, 102.6, [("temperature_f", "high", 102.5)]),
        (250, 104.0, [("heart_rate_bpm", "high", 220), ("temperature_f", "high", 102.5)]),
    ],
)
async def test_collar_alerts_at_the_original_thresholds(
    client: httpx.AsyncClient,
    app: FastAPI,
    heart_rate: int,
    temperature: float,
    expected: list[tuple[str, str, float]],
) -> None:
    cat = await adopt(client)
    device = await add_device(client, cat["id"])
    r = await post_reading(
        app, device, device["device_key"], heart_rate_bpm=heart_rate, temperature_f=temperature
    )
    assert r.status_code == 201, r.text
    raised = [(a["metric"], a["kind"], a["threshold"]) for a in r.json()["data"]["alerts"]]
    assert raised == expected
    events = await alert_events(client)
    assert [(e["metric"], e["kind"], e["threshold"]) for e in events] == expected
    assert all(e["cat_id"] == cat["id"] and e["device_id"] == device["id"] for e in events)
    listed = (await client.get(f"/api/v1/cats/{cat['id']}/devices/alerts")).json()["data"]
    assert sorted((a["metric"], a["kind"]) for a in listed) == sorted(
        (m, k) for m, k, _ in expected
    )


async def test_weight_and_activity_alerts(client: httpx.AsyncClient, app: FastAPI) -> None:
    cat = await adopt(client)
    scale = await add_device(client, cat["id"], "weight_scale")
    tracker = await add_device(client, cat["id"], "activity_tracker")
    key = scale["device_key"]
    assert (await post_reading(app, scale, key, weight_kg=4.0)).json()["data"]["alerts"] == []
    # Exactly 10% is still fine; more than 10% since the previous reading is an alert.
    assert (await post_reading(app, scale, key, weight_kg=4.4)).json()["data"]["alerts"] == []
    dropped = (await post_reading(app, scale, key, weight_kg=3.9)).json()["data"]["alerts"]
    assert [(a["kind"], a["previous"], a["change_pct"]) for a in dropped] == [
        ("change", 4.4, -11.4)
    ]
    tk = tracker["device_key"]
    assert (await post_reading(app, tracker, tk, active_minutes=30, steps=900)).json()["data"][
        "alerts"
    ] == []
    low = (await post_reading(app, tracker, tk, active_minutes=29, steps=870)).json()["data"]
    assert [(a["metric"], a["kind"]) for a in low["alerts"]] == [("active_minutes", "low")]
    alerts = (await client.get(f"/api/v1/cats/{cat['id']}/devices/alerts")).json()["data"]
    assert [a["metric"] for a in alerts] == ["active_minutes", "weight_kg"]


@pytest.mark.parametrize(
    ("device_type", "body", "field"),
    [
        ("collar_sensor", {"heart_rate_bpm": 1000, "temperature_f": 101}, "heart_rate_bpm"),
        ("collar_sensor", {"heart_rate_bpm": 180}, "temperature_f"),
        ("collar_sensor", {"heart_rate_bpm": "fast", "temperature_f": 101}, "heart_rate_bpm"),
        ("collar_sensor", {"heart_rate_bpm": 180.5, "temperature_f": 101}, "heart_rate_bpm"),
        ("collar_sensor", {"heart_rate_bpm": True, "temperature_f": 101}, "heart_rate_bpm"),
        ("collar_sensor", {"heart_rate_bpm": 180, "temperature_f": 60}, "temperature_f"),
        ("weight_scale", {"weight_kg": 4, "heart_rate_bpm": 180}, "heart_rate_bpm"),
        ("weight_scale", {"weight_kg": -1}, "weight_kg"),
        ("activity_tracker", {"active_minutes": 2000, "steps": 1}, "active_minutes"),
        ("weight_scale", {"weight_kg": 4, "measured_at": "2099-01-01T00:00:00Z"}, "measured_at"),
        ("weight_scale", {"weight_kg": 4, "measured_at": "yesterday"}, "measured_at"),
        ("weight_scale", {"weight_kg": 4, "measured_at": "2026-01-01T12:00:00"}, "measured_at"),
        ("weight_scale", {"weight_kg": 4, "measured_at": "2020-01-01T12:00:00Z"}, "measured_at"),
    ],
)
async def test_impossible_readings_are_refused_naming_the_field(
    client: httpx.AsyncClient, app: FastAPI, device_type: str, body: dict[str, Any], field: str
) -> None:
    cat = await adopt(client)
    device = await add_device(client, cat["id"], device_type)
    r = await post_reading(app, device, device["device_key"], **body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["message"] or error["details"].get("field", "").endswith(field), error
    readings = await client.get(f"/api/v1/cats/{cat['id']}/devices/{device['id']}/readings")
    assert readings.json()["data"] == []


async def test_registration_refusals(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/devices", json={"device_type": "toaster"}, headers=idem()
    )
    assert r.status_code == 422
    assert "collar_sensor, weight_scale, activity_tracker" in r.json()["error"]["message"]
    r = await client.post("/api/v1/cats/999/devices", json={"device_type": "weight_scale"})
    assert r.status_code == 404
    for _ in range(MAX_DEVICES_PER_CAT):
        await add_device(client, cat["id"], "weight_scale")
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/devices", json={"device_type": "weight_scale"}, headers=idem()
    )
    assert r.status_code == 409
    assert "remove one first" in r.json()["error"]["message"]


async def make_sick(app: FastAPI, cat_id: int) -> None:
    """Write a starving, ill cat straight into the store (what weeks of neglect would do)."""
    runtime = app.state.runtime
    user = await runtime.store.read.users.local()
    async with runtime.store.write(user.id) as uow:
        cat = await uow.cats.get(user.id, cat_id)
        sick = cat.model_copy(
            update={"health": 5, "hunger": 0, "energy": 10, "decayed_at": runtime.settings.now()}
        )
        await uow.cats.save(user.id, sick)


async def test_the_simulated_device_reads_the_cats_state(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    healthy = await adopt(client, "Healthy")
    r = await client.post(f"/api/v1/cats/{healthy['id']}/feed", json={}, headers=idem())
    assert r.status_code == 200, r.text
    sick = await adopt(client, "Sick")
    await make_sick(app, sick["id"])
    collars = {c["id"]: await add_device(client, c["id"]) for c in (healthy, sick)}
    trackers = {
        c["id"]: await add_device(client, c["id"], "activity_tracker") for c in (healthy, sick)
    }

    readings: dict[int, list[dict[str, Any]]] = {}
    for cat_id in (healthy["id"], sick["id"]):
        for device in (collars[cat_id], trackers[cat_id]):
            r = await client.post(
                f"/api/v1/cats/{cat_id}/devices/{device['id']}/simulate", headers=idem()
            )
            assert r.status_code == 201, r.text
            assert r.json()["data"]["source"] == "simulated"
            readings.setdefault(cat_id, []).append(r.json()["data"])
    sick_collar, sick_tracker = readings[sick["id"]]
    healthy_collar, healthy_tracker = readings[healthy["id"]]
    assert sick_collar["metrics"]["heart_rate_bpm"] > healthy_collar["metrics"]["heart_rate_bpm"]
    assert sick_tracker["metrics"]["active_minutes"] < healthy_tracker["metrics"]["active_minutes"]
    assert {a["metric"] for a in sick_collar["alerts"] + sick_tracker["alerts"]} >= {
        "heart_rate_bpm",
        "active_minutes",
    }
    assert {a["metric"] for a in await alert_events(client)} >= {"heart_rate_bpm", "active_minutes"}


def test_the_simulated_device_is_deterministic(settings: Settings) -> None:
    from purrr_core import adopt as adopt_cat

    now = settings.now()
    cat = adopt_cat("Mittens", "curious", now=now, rng=random.Random(7))
    later = now + timedelta(hours=30)
    for device_type in ("collar_sensor", "weight_scale", "activity_tracker"):
        first = simulate_reading(cat, device_type, later, random.Random(42))
        assert first == simulate_reading(cat, device_type, later, random.Random(42))
        assert all(isinstance(v, int) == metrics()[k].integer for k, v in first.items())
    seeds = {
        tuple(simulate_reading(cat, "collar_sensor", later, random.Random(s)).values())
        for s in range(20)
    }
    assert len(seeds) > 1  # the seed matters
    # A cat that starved for days reads worse than one just fed.
    fed = cat.model_copy(update={"hunger": 100})
    starved = cat.model_copy(update={"hunger": 0, "health": 20})
    hr = [
        simulate_reading(c, "collar_sensor", now, random.Random(1))["heart_rate_bpm"]
        for c in (fed, starved)
    ]
    weight = [
        simulate_reading(c, "weight_scale", now, random.Random(1))["weight_kg"]
        for c in (fed, starved)
    ]
    assert hr[1] > hr[0] and weight[1] < weight[0]
    assert alerts_for({"weight_kg": weight[1]}, {"weight_kg": weight[0]})[0].kind == "change"


async def test_devices_are_in_the_export_without_their_key_digest(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    cat = await adopt(client)
    device = await add_device(client, cat["id"], "weight_scale")
    assert (await post_reading(app, device, device["device_key"], weight_kg=4.2)).status_code == 201
    r = await client.get("/api/v1/account/export")
    assert r.status_code == 200, r.text
    exported = r.json()["data"]["tables"]
    text = r.text
    devices = exported["cat_devices"]
    assert [d["id"] for d in devices] == [device["id"]]
    assert "key_hash" not in devices[0] and device["device_key"] not in text
    assert [r["metrics"] for r in exported["cat_device_readings"]] == [{"weight_kg": 4.2}]
