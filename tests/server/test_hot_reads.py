"""The hot reads (`purrr_server.hot.HotPaths`) answer exactly as the FastAPI routes they shadow.

Each request is sent twice: once as usual (the ASGI layer answers it) and once with an ASGI
`root_path`, which the layer leaves to FastAPI's router, dependencies and error handlers. Status,
headers (but the request id and the rate-limit count, which move on) and body (but its `meta`)
must be the same, for answers and for errors, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.hot import _cat_id, _paging
from tests.server.conftest import GENOTYPE, adopt, idem, register_and_login

#: Headers that differ between any two requests.
MOVING = {"x-request-id", "x-ratelimit-remaining"}


@pytest.fixture
async def both(hosted_app: FastAPI) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two clients of one hosted app: through the hot layer, and past it (a root path)."""
    hot = httpx.ASGITransport(app=hosted_app, raise_app_exceptions=False)
    routed = httpx.ASGITransport(app=hosted_app, raise_app_exceptions=False, root_path="/r")
    async with hosted_app.router.lifespan_context(hosted_app):
        async with (
            httpx.AsyncClient(transport=hot, base_url="http://purrr.test") as a,
            httpx.AsyncClient(transport=routed, base_url="http://purrr.test") as b,
        ):
            yield a, b


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Status, headers and body, with the body's bytes compared as well (the layer writes the
    envelope from pre-encoded parts: byte for byte what `envelope.dumps` writes)."""
    rid = response.headers["x-request-id"]
    body = response.json()
    assert body["meta"]["request_id"] == rid
    del body["meta"]
    headers = {k: v for k, v in response.headers.items() if k not in MOVING}
    headers["body"] = response.content.decode().replace(rid, "RID")
    return response.status_code, headers, body


async def _same(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], path: str, **headers: str
) -> tuple[int, dict[str, str], dict[str, Any]]:
    hot, routed = clients
    first = _answer(await hot.get(path, headers=headers))
    assert first == _answer(await routed.get(path, headers=headers))
    return first


async def test_reads_and_their_errors_match_the_routes(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    hot, _ = both
    token = await register_and_login(hot, "hotreader")
    auth = {"Authorization": f"Bearer {token}"}
    hot.headers.update(auth)
    cats = [await adopt(hot, f"Hot {n}") for n in range(3)]
    hot.headers.pop("Authorization")
    other = await register_and_login(hot, "someoneelse")

    status, headers, body = await _same(both, f"/api/v1/cats/{cats[1]['id']}", **auth)
    assert status == 200 and body["data"]["name"] == "Hot 1"
    assert headers["etag"] == f'"{cats[1]["version"]}"'
    assert headers["x-content-type-options"] == "nosniff" and "x-ratelimit-limit" in headers
    status, headers, body = await _same(both, "/api/v1/cats?limit=2&offset=1", **auth)
    assert [c["name"] for c in body["data"]] == ["Hot 1", "Hot 2"]
    assert headers["x-total-count"] == "3"
    assert (await _same(both, "/api/v1/cats", **auth))[2]["data"][0]["care"]["care_score"] >= 0
    assert (await _same(both, "/api/v1/cats?offset=7", **auth))[2]["data"] == []
    # CORS wraps the layer too (the hosted settings allow https://purrr.love)
    cors = await _same(both, "/api/v1/cats", Origin="https://purrr.love", **auth)
    assert cors[1]["access-control-allow-origin"] == "https://purrr.love"

    # errors: no credential, a wrong one, another player's cat, a missing one
    assert (await _same(both, "/api/v1/cats"))[0] == 401
    assert (await _same(both, "/api/v1/cats/1", **{"X-API-Key": "pk_nope"}))[0] == 401
    status, _, body = await _same(
        both, f"/api/v1/cats/{cats[0]['id']}", Authorization=f"Bearer {other}"
    )
    assert status == 404 and body["error"]["code"] == "NOT_FOUND"
    assert (await _same(both, "/api/v1/cats/987654", **auth))[0] == 404


async def test_a_key_without_the_read_scope_is_refused_the_same_way(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    hot, _ = both
    token = await register_and_login(hot, "scoped")
    r = await hot.post(
        "/api/v1/keys",
        json={"name": "writer", "scopes": ["write"]},
        headers={"Authorization": f"Bearer {token}", **idem()},
    )
    assert r.status_code == 201, r.text
    key = {"X-API-Key": r.json()["data"]["key"]}
    status, _, body = await _same(both, "/api/v1/cats", **key)
    assert status == 403 and "'read' scope" in body["error"]["message"]


async def test_unusual_requests_go_to_the_routes(
    both: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    hot, _ = both
    auth = {"Authorization": f"Bearer {await register_and_login(hot, 'unusual')}"}
    for path in (
        "/api/v1/cats?limit=0",
        "/api/v1/cats?limit=abc",
        "/api/v1/cats?limit=1001",
        "/api/v1/cats?limit=2&limit=3",
        "/api/v1/cats?color=red",
        "/api/v1/cats/0",
        "/api/v1/cats/abc",
        "/api/v1/cats/99999999999999999999",
    ):
        await _same(both, path, **auth)


def test_what_the_layer_takes() -> None:
    assert _cat_id("/api/v1/cats/12") == 12
    assert _cat_id("/api/v1/cats/0") is None and _cat_id("/api/v1/cats/-1") is None
    assert _cat_id("/api/v1/cats/1x") is None and _cat_id("/api/v1/cats/") is None
    assert _cat_id("/api/v1/cats/٣") is None  # a digit, but not ASCII
    assert _cat_id(f"/api/v1/cats/{2**63}") is None
    assert _paging(b"") == (50, 0) and _paging(b"limit=5&offset=10") == (5, 10)
    assert _paging(b"offset=3") == (50, 3)
    for query in (b"limit=0", b"limit=1001", b"limit=1&limit=2", b"x=1", b"limit", b"limit=-1"):
        assert _paging(query) is None, query


def test_fastapi_telemetry_is_on_only_when_the_environment_sets_it_up() -> None:
    from purrr_server.app import NO_TELEMETRY, telemetry_config

    assert telemetry_config({"PATH": "/usr/bin"}) == NO_TELEMETRY
    assert telemetry_config({"OTEL_SERVICE_NAME": "purrr"}) is None
    assert telemetry_config({"FASTAPI_OTEL_AUTO_CONFIGURE": "true"}) is None


def test_a_cat_encoded_from_its_parts_is_the_envelope_encoding() -> None:
    from purrr_core import adopt
    from purrr_server.envelope import dumps
    from purrr_server.presenters import cat_json, cat_json_bytes

    rng = random.Random(3)
    born = datetime(2026, 3, 1, 12, tzinfo=UTC)
    spotted = adopt("Spotted", "playful", now=born, rng=rng, genotype=GENOTYPE)
    plain = spotted.model_copy(update={"name": "Plain", "genotype": None})
    for cat in (plain, spotted):
        for hours in (0, 1, 30, 24 * 9):  # no tick, a few, enough for every need to be due
            now = born + timedelta(hours=hours, seconds=17)
            assert cat_json_bytes(cat, now) == dumps(cat_json(cat, now)), (cat.name, hours)
    # what orjson refuses (a lone surrogate) is left to `envelope.dumps`' fallbacks
    assert cat_json_bytes(plain.model_copy(update={"name": "Bad \ud800"}), born) is None
