"""Envelope, correlation ids, headers, CORS, health, OpenAPI and live events."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI

from tests.server.conftest import NOW, adopt, idem, register_and_login


async def test_success_envelope(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/cats")).json()
    assert body == {"success": True, "data": [], "meta": body["meta"]}
    assert set(body["meta"]) == {"request_id", "timestamp"}
    assert body["meta"]["timestamp"] == NOW.isoformat()


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert echoed.headers["X-Request-Id"] == "abc-123"
    assert echoed.json()["meta"]["request_id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["X-Request-Id"]) == 32
    unsafe = await client.get("/health", headers={"X-Request-Id": "x" * 300})
    assert unsafe.headers["X-Request-Id"] != "x" * 300


async def test_security_headers_only_when_hosted(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    hosted = await anon.get("/health")
    assert hosted.headers["X-Content-Type-Options"] == "nosniff"
    assert hosted.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in hosted.headers
    assert "X-Frame-Options" not in (await client.get("/health")).headers


async def test_cors_allow_list(anon: httpx.AsyncClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = await anon.options(
        "/api/v1/cats", headers={"Origin": "https://purrr.love", **preflight}
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://purrr.love"
    denied = await anon.options(
        "/api/v1/cats", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "Access-Control-Allow-Origin" not in denied.headers


async def test_health_endpoints(client: httpx.AsyncClient) -> None:
    for path in ("/health", "/health/live", "/health/ready"):
        r = await client.get(path)
        assert r.status_code == 200 and r.json()["data"]["status"] == "ok"
    detailed = (await client.get("/health/detailed")).json()["data"]
    assert detailed["checks"]["database"]["migrations"][0] == "0001_platform.sql"
    assert detailed["checks"]["disk"]["free_bytes"] > 0
    assert detailed["checks"]["sync"]["status"] == "not_configured"


async def test_health_needs_no_auth(anon: httpx.AsyncClient) -> None:
    assert (await anon.get("/health/ready")).status_code == 200


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/cats/{cat_id}/feed" in spec["paths"]
    assert "/api/v1/keys" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_poll_events_since_a_version(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    first = (await client.get("/api/v1/events/poll")).json()["data"]
    types = [e["type"] for e in first["events"]]
    assert types == ["action.applied", "cat.adopted"]
    await client.post(f"/api/v1/cats/{cat['id']}/pet", headers=idem())
    later = (await client.get("/api/v1/events/poll", params={"since": first["cursor"]})).json()[
        "data"
    ]
    assert [e["type"] for e in later["events"]] == ["action.applied", "cat.cared"]
    assert later["events"][1]["payload"]["cat_id"] == cat["id"]
    assert later["cursor"] == later["version"] > first["cursor"]


async def test_sse_stream_sends_events(client: httpx.AsyncClient) -> None:
    await adopt(client)
    r = await client.get("/api/v1/events", params={"timeout": 0.2})
    assert r.headers["content-type"].startswith("text/event-stream")
    data = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in data] == ["action.applied", "cat.adopted"]
    resumed = await client.get(
        "/api/v1/events",
        params={"timeout": 0.1},
        headers={"Last-Event-ID": str(data[-1]["version"])},
    )
    assert "data: " not in resumed.text


async def test_events_are_private(anon: httpx.AsyncClient) -> None:
    a = {"Authorization": f"Bearer {await register_and_login(anon, 'evta')}"}
    b = {"Authorization": f"Bearer {await register_and_login(anon, 'evtb')}"}
    await anon.post(
        "/api/v1/cats", json={"name": "A", "personality_type": "lazy"}, headers={**a, **idem()}
    )

    async def adoptions(headers: dict[str, str]) -> list[dict[str, object]]:
        events = (await anon.get("/api/v1/events/poll", headers=headers)).json()["data"]["events"]
        return [e for e in events if e["type"] == "cat.adopted"]

    assert await adoptions(b) == []
    assert len(await adoptions(a)) == 1


async def test_close_without_lifespan(app: FastAPI) -> None:
    from purrr_server.app import close_app

    token = app.state.settings.token_path.read_text().strip()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/api/v1/cats", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    await close_app(app)
    assert not app.state.runtime.store.is_open


async def test_a_served_process_freezes_what_it_loaded_at_start(app: FastAPI) -> None:
    """The daemon and hosted workers move the objects loaded at start (modules, routes) out of
    the cyclic collector's sight, so its full collections do not stop the loop for long; an
    app used in-process (one-shot CLI commands, tests) leaves the collector alone."""
    import gc

    # The suite freezes what its collection built (tests/conftest.py): leave that in place.
    frozen = gc.get_freeze_count()
    try:
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() == frozen
        app.state.background_sync = True  # what purrr_server.daemon.serve sets
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > frozen + 1000
    finally:
        app.state.background_sync = False
        if not frozen:
            gc.unfreeze()
