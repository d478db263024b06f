"""Every error path answers with the SPEC §7 envelope, naming the field and value at fault."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.server.conftest import adopt, idem


def assert_error(r: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["success"] is False
    assert set(body) == {"success", "error", "meta"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert set(body["meta"]) == {"request_id", "timestamp"}
    assert "Traceback" not in r.text
    return dict(body["error"])


async def test_malformed_json_is_a_bad_request(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/feed",
        content=b'{"food_item": ',
        headers={"Content-Type": "application/json", **idem()},
    )
    assert "malformed JSON" in str(assert_error(r, 400, "BAD_REQUEST")["message"])


async def test_validation_names_field_and_value(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/cats",
        json={"name": "Tom", "personality_type": "playful", "sex": "robot"},
        headers=idem(),
    )
    error = assert_error(r, 422, "VALIDATION_ERROR")
    assert error["details"]["field"] == "sex" and error["details"]["value"] == "robot"
    assert "sex" in str(error["message"]) and "robot" in str(error["message"])


async def test_missing_field_is_named(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/cats", json={"name": "Tom"}, headers=idem())
    error = assert_error(r, 422, "VALIDATION_ERROR")
    assert error["details"]["field"] == "personality_type"
    assert error["message"] == "personality_type is required"


async def test_unknown_field_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/cats",
        json={"name": "Tom", "personality_type": "playful", "colour": "red"},
        headers=idem(),
    )
    assert assert_error(r, 422, "VALIDATION_ERROR")["details"]["field"] == "colour"


async def test_unknown_personality_names_choices(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/cats", json={"name": "Tom", "personality_type": "grumpy"}, headers=idem()
    )
    assert "grumpy" in str(assert_error(r, 422, "VALIDATION_ERROR")["message"])


async def test_unknown_food_names_rocks(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post(
        f"/api/v1/cats/{cat['id']}/feed", json={"food_item": "rocks"}, headers=idem()
    )
    error = assert_error(r, 422, "VALIDATION_ERROR")
    assert "'rocks'" in str(error["message"]) and error["details"]["value"] == "rocks"


async def test_out_of_range_quantity(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post(f"/api/v1/cats/{cat['id']}/feed", json={"quantity": 99}, headers=idem())
    error = assert_error(r, 422, "VALIDATION_ERROR")
    assert error["details"]["field"] == "quantity" and error["details"]["value"] == 99


async def test_body_must_be_an_object(client: httpx.AsyncClient) -> None:
    cat = await adopt(client)
    r = await client.post(f"/api/v1/cats/{cat['id']}/feed", json=[1, 2], headers=idem())
    assert_error(r, 422, "VALIDATION_ERROR")


async def test_missing_cat_and_bad_ids(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/cats/999"), 404, "NOT_FOUND")
    assert_error(await client.post("/api/v1/cats/999/feed", headers=idem()), 404, "NOT_FOUND")
    assert_error(await client.get("/api/v1/cats/999/history"), 404, "NOT_FOUND")
    error = assert_error(await client.get("/api/v1/cats/abc"), 422, "VALIDATION_ERROR")
    assert error["details"]["field"] == "cat_id" and error["details"]["value"] == "abc"
    assert_error(await client.get("/api/v1/cats", params={"limit": 0}), 422, "VALIDATION_ERROR")


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/v1/nothing"), 404, "NOT_FOUND")
    assert_error(await client.patch("/api/v1/cats", headers=idem()), 405, "BAD_REQUEST")


async def test_unauthenticated(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as anon:
        assert_error(await anon.get("/api/v1/cats"), 401, "UNAUTHORIZED")
        bad = await anon.get("/api/v1/cats", headers={"Authorization": "Bearer nope"})
        assert_error(bad, 401, "UNAUTHORIZED")
    await app.state.runtime.close()


async def test_internal_errors_leak_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret database password in a stack trace")

    r = await client.get("/boom", headers={"X-Request-Id": "trace-me-1"})
    error = assert_error(r, 500, "INTERNAL_SERVER_ERROR")
    assert "secret" not in r.text and "RuntimeError" not in r.text
    assert r.headers["X-Request-Id"] == "trace-me-1" == r.json()["meta"]["request_id"]
    assert error["details"] == {}
