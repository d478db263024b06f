"""The hot writes (`PUT` and `DELETE /api/v1/cats/{id}`, `POST /api/v1/cats/{id}/feed|play|…`;
`purrr_server.hot.HotPaths`) answer exactly as the FastAPI routes they shadow.

A write changes what the next request sees, so the two ways are two hosted apps on two
databases with the same history (the same requests, the same pinned clock, the actions' seeds
pinned): every request goes to both, to the first as usual (the layer answers what it takes)
and to the second under an ASGI `root_path` (the layer leaves it to FastAPI's router,
dependencies and error handlers). Status, every header but the request id (the rate-limit
count included: the layer charges as the route does) and the body byte for byte (but the
request ids in it) must be the same, for answers and errors, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI

from purrr_server.hot import Recorded, parse_edit
from purrr_server.settings import Settings
from tests.server.conftest import adopt, make_settings, register_and_login

_REQUEST_ID = re.compile(rb'"request_id":"[^"]*"')
LIMIT = 262_144


def _settings(data_dir: Any, url: str | None) -> Settings:
    return make_settings(
        data_dir,
        hosted=True,
        cors_origins=["https://purrr.love"],
        database_url=url,
        max_body_bytes=LIMIT,
    )


@pytest.fixture
def second_database(database: str | None, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A second database of the kind `database` is (SQLite: the second app's data dir)."""
    if database is None:
        yield None
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.new_database()
    try:
        yield url
    finally:
        cluster.drop(url)


class Twins:
    """The two apps' clients, and each app's credentials by the name the test gives them."""

    def __init__(self, hot: httpx.AsyncClient, routed: httpx.AsyncClient) -> None:
        self.clients = (hot, routed)
        self.auth: dict[str, tuple[dict[str, str], dict[str, str]]] = {}

    async def register(self, name: str) -> None:
        first, second = [await register_and_login(client, name) for client in self.clients]
        self.auth[name] = (
            {"Authorization": f"Bearer {first}"},
            {"Authorization": f"Bearer {second}"},
        )

    async def key(self, owner: str, name: str, scopes: list[str]) -> None:
        """An API key of `owner` with `scopes`, known as `name`."""
        keys = []
        for client, auth in zip(self.clients, self.auth[owner], strict=True):
            r = await client.post(
                "/api/v1/keys",
                json={"name": name, "scopes": scopes},
                headers={**auth, "Idempotency-Key": f"key-{name}"},
            )
            assert r.status_code == 201, r.text
            keys.append({"X-API-Key": r.json()["data"]["key"]})
        self.auth[name] = (keys[0], keys[1])

    async def adopt(self, owner: str, name: str) -> dict[str, Any]:
        cats = []
        for client, auth in zip(self.clients, self.auth[owner], strict=True):
            client.headers.update(auth)
            try:
                cats.append(await adopt(client, name))
            finally:
                client.headers.pop("Authorization")
        assert cats[0] == cats[1]
        return cats[0]

    async def same(
        self, method: str, path: str, who: str | None = None, **options: Any
    ) -> tuple[int, dict[str, str], Any]:
        """Send the request to both apps (as `who`); the answers must be the same. The hot
        app's status, headers and JSON body."""
        answers = []
        extra = options.pop("headers", {})
        for n, client in enumerate(self.clients):
            headers = {**(self.auth[who][n] if who else {}), **extra}
            sent = dict(options, headers=headers)
            if callable(sent.get("content")):  # a streamed body is used up by one request
                sent["content"] = sent["content"]()
            response = await client.request(method, path, **sent)
            answers.append(_answer(response))
        assert answers[0] == answers[1], (method, path, answers[0][0], answers[1][0])
        status, headers, body = answers[0]
        return status, headers, _json(body)


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    return response.status_code, headers, _REQUEST_ID.sub(b'"request_id":"RID"', response.content)


def _json(body: bytes) -> Any:
    import json

    return json.loads(body) if body else None


@pytest.fixture
async def twins(
    tmp_path: Any,
    database: str | None,
    second_database: str | None,
    make_app: Callable[..., FastAPI],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Twins]:
    # Each action's seed is pinned, so the two apps' cats come out the same.
    monkeypatch.setattr(secrets, "randbits", lambda bits: 12345)
    first = make_app(_settings(tmp_path / "first", database))
    second = make_app(_settings(tmp_path / "second", second_database))
    hot = httpx.ASGITransport(app=first, raise_app_exceptions=False)
    routed = httpx.ASGITransport(app=second, raise_app_exceptions=False, root_path="/r")
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        async with (
            httpx.AsyncClient(transport=hot, base_url="http://purrr.test") as a,
            httpx.AsyncClient(transport=routed, base_url="http://purrr.test") as b,
        ):
            twins = Twins(a, b)
            await twins.register("owner")
            await twins.register("other")
            yield twins


def _key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": name}


async def test_an_edit_and_its_replay_match_the_route(twins: Twins) -> None:
    cat = await twins.adopt("owner", "Tabby")
    path = f"/api/v1/cats/{cat['id']}"

    status, headers, body = await twins.same(
        "PUT", path, "owner", json={"name": "Renamed", "is_public": True}, headers=_key("e1")
    )
    assert status == 200 and body["data"]["name"] == "Renamed" and body["data"]["is_public"]
    assert headers["x-ratelimit-remaining"] and headers["content-type"] == "application/json"
    assert "idempotent-replayed" not in headers
    version = body["data"]["version"]
    # the same key and body: the stored answer, marked as a replay; the cat is unchanged
    status, headers, replayed = await twins.same(
        "PUT", path, "owner", json={"name": "Renamed", "is_public": True}, headers=_key("e1")
    )
    assert status == 200 and headers["idempotent-replayed"] == "true"
    assert replayed["data"] == body["data"]
    # the same key, another body
    status, _, body = await twins.same(
        "PUT", path, "owner", json={"name": "Other"}, headers=_key("e1")
    )
    assert status == 422 and body["error"]["code"] == "VALIDATION_ERROR"
    # versions: If-Match (plain, weak, "*"), the body's, and a stale one
    status, _, body = await twins.same(
        "PUT", path, "owner", json={"description": "x"}, headers={"If-Match": f'W/"{version}"'}
    )
    assert status == 200 and body["data"]["version"] > version
    version = body["data"]["version"]
    assert (await twins.same("PUT", path, "owner", json={"version": version}))[0] == 200
    status, _, body = await twins.same(
        "PUT", path, "owner", json={"name": "Late"}, headers={"If-Match": f'"{version}"'}
    )
    assert status == 409 and body["error"]["code"] == "CONFLICT"
    assert (await twins.same("PUT", path, "owner", json={}, headers={"If-Match": "*"}))[0] == 200
    status, _, body = await twins.same(
        "PUT", path, "owner", json={"name": "X"}, headers={"If-Match": "three"}
    )
    assert status == 400 and body["error"]["details"]["field"] == "If-Match"
    # an Idempotency-Key that is not one
    status, _, body = await twins.same(
        "PUT", path, "owner", json={"name": "X"}, headers=_key("has space")
    )
    assert status == 400 and body["error"]["details"]["field"] == "Idempotency-Key"
    # the media type with a parameter is still JSON; CORS wraps the layer
    status, headers, _ = await twins.same(
        "PUT",
        path,
        "owner",
        content=b'{"name":"Charset"}',
        headers={"Content-Type": "Application/JSON; charset=utf-8", "Origin": "https://purrr.love"},
    )
    assert status == 200 and headers["access-control-allow-origin"] == "https://purrr.love"
    # both apps' cats are the same afterwards
    assert (await twins.same("GET", path, "owner"))[2]["data"]["name"] == "Charset"


async def test_who_may_edit_matches_the_route(twins: Twins) -> None:
    cat = await twins.adopt("owner", "Mine")
    path = f"/api/v1/cats/{cat['id']}"
    edit = {"name": "Taken"}
    status, headers, body = await twins.same("PUT", path, json=edit)
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    bad = {"X-API-Key": "pk_" + "0" * 64}
    assert (await twins.same("PUT", path, json=edit, headers=bad))[0] == 401
    status, _, body = await twins.same("PUT", path, "other", json=edit)
    assert status == 404 and body["error"]["code"] == "NOT_FOUND"
    assert (await twins.same("PUT", "/api/v1/cats/987654", "owner", json=edit))[0] == 404
    await twins.key("owner", "reader", ["read"])
    status, _, body = await twins.same("PUT", path, "reader", json=edit)
    assert status == 403 and "'write' scope" in body["error"]["message"]
    await twins.key("owner", "writer", ["write"])
    assert (await twins.same("PUT", path, "writer", json=edit))[0] == 200


#: Bodies the layer leaves to the route (it answers them with its own validation errors).
REFUSED: list[dict[str, Any]] = [
    {"json": {"name": "N" * 200}},
    {"json": {"name": 5}},
    {"json": {"is_public": "maybe"}},
    {"json": {"version": 0}},
    {"json": {"colour": "red"}},
    {"json": ["name"]},
    {"json": None},
    {"content": b'{"name": "x",}', "headers": {"Content-Type": "application/json"}},
    {"content": b'{"name": "\xff"}', "headers": {"Content-Type": "application/json"}},
    {"content": b'\xef\xbb\xbf{"name": "Bom"}', "headers": {"Content-Type": "application/json"}},
    {"content": b"", "headers": {"Content-Type": "application/json"}},
    {"content": b'{"name": "Plain"}', "headers": {"Content-Type": "text/plain"}},
    {"content": b'{"name": "Untyped"}'},
    {"content": b'{"name": "Ld"}', "headers": {"Content-Type": "application/ld+json"}},
    {"json": {"name": "Big", "description": "d" * (LIMIT + 10)}},
    {"content": b"[" * 2000 + b"]" * 2000, "headers": {"Content-Type": "application/json"}},
]


@pytest.mark.parametrize("body", range(len(REFUSED)))
async def test_bodies_the_route_answers_match(twins: Twins, body: int) -> None:
    cat = await twins.adopt("owner", "Picky")
    options = dict(REFUSED[body])
    options["headers"] = {**options.get("headers", {}), **_key(f"refused-{body}")}
    await twins.same("PUT", f"/api/v1/cats/{cat['id']}", "owner", **options)


async def test_a_streamed_body_over_the_limit_is_refused_as_by_the_route(twins: Twins) -> None:
    cat = await twins.adopt("owner", "Streamed")

    async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    over = [b'{"description": "', *[b"d" * 512] * (LIMIT // 512 + 1), b'"}']

    status, _, body = await twins.same(
        "PUT",
        f"/api/v1/cats/{cat['id']}",
        "owner",
        content=lambda: chunks(*over),
        headers={"Content-Type": "application/json"},
    )
    assert status == 413 and body["error"]["details"]["limit_bytes"] == LIMIT
    # a streamed body under the limit is served
    status, _, body = await twins.same(
        "PUT",
        f"/api/v1/cats/{cat['id']}",
        "owner",
        content=lambda: chunks(b'{"name":', b' "Streamed 2"}'),
        headers={"Content-Type": "application/json"},
    )
    assert status == 200 and body["data"]["name"] == "Streamed 2"


async def test_a_delete_matches_the_route(twins: Twins) -> None:
    cats = [await twins.adopt("owner", f"Gone {n}") for n in range(2)]
    path = f"/api/v1/cats/{cats[0]['id']}"
    assert (await twins.same("DELETE", path, "other", headers=_key("d0")))[0] == 404
    status, _, body = await twins.same("DELETE", path, "owner", headers={"If-Match": '"999"'})
    assert status == 409
    status, _, body = await twins.same("DELETE", path, "owner", headers=_key("d1"))
    assert status == 200 and body["data"] == {"id": cats[0]["id"], "deleted": True}
    status, headers, _ = await twins.same("DELETE", path, "owner", headers=_key("d1"))
    assert status == 200 and headers["idempotent-replayed"] == "true"
    assert (await twins.same("DELETE", path, "owner", headers=_key("d2")))[0] == 404
    # a body on a DELETE is ignored, as by the route
    status, _, _ = await twins.same(
        "DELETE", f"/api/v1/cats/{cats[1]['id']}", "owner", json={"anything": 1}
    )
    assert status == 200


async def test_unusual_writes_go_to_the_routes(twins: Twins) -> None:
    cat = await twins.adopt("owner", "Odd")
    for path in (
        f"/api/v1/cats/{cat['id']}?x=1",
        "/api/v1/cats/0",
        "/api/v1/cats/abc",
        f"/api/v1/cats/{2**63}",
        f"/api/v1/cats/{cat['id']}/",
    ):
        await twins.same("PUT", path, "owner", json={"name": "Odd 2"})
        await twins.same("DELETE", path, "owner")
    await twins.same("PATCH", f"/api/v1/cats/{cat['id']}", "owner", json={"name": "Odd 3"})


async def test_the_layer_answers_writes_without_fastapi(
    twins: Twins, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI's dependency solver runs for every request a route answers: the writes the
    layer takes never reach it; one it leaves does."""
    cat = await twins.adopt("owner", "Fast")
    solved: list[str] = []
    solve = fastapi.routing.solve_dependencies

    async def counted(*args: Any, **kwargs: Any) -> Any:
        solved.append(kwargs["request"].url.path)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    hot = twins.clients[0]
    auth = twins.auth["owner"][0]
    path = f"/api/v1/cats/{cat['id']}"
    r = await hot.put(path, json={"name": "Faster"}, headers={**auth, **_key("f1")})
    assert r.status_code == 200 and r.json()["data"]["name"] == "Faster"
    r = await hot.put(path, json={"name": "Faster"}, headers={**auth, **_key("f1")})
    assert r.headers["idempotent-replayed"] == "true"
    assert (await hot.put(path, json={"name": "X"}, headers={**auth, **_key("f1")})).is_error
    assert (await hot.put(path, json={"name": "Y"})).status_code == 401
    assert solved == []
    assert (await hot.put(path, json={"name": 5}, headers=auth)).status_code == 422
    assert solved == [path]
    r = await hot.post(f"{path}/pet", headers=auth)
    assert r.status_code == 200 and r.json()["data"]["action"] == "pet"
    assert (await hot.delete(path, headers=auth)).status_code == 200
    assert solved == [path]


async def test_a_body_left_to_the_route_reaches_it_as_it_came() -> None:
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"c", "more_body": False},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    recorded = Recorded(receive)
    assert await recorded.body() == b"abc"
    assert [await recorded.replay() for _ in range(3)] == [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"c", "more_body": False},
        {"type": "http.disconnect"},
    ]

    class Refused(Exception):
        pass

    async def refusing() -> dict[str, Any]:
        raise Refused

    recorded = Recorded(refusing)
    assert await recorded.body() is None
    with pytest.raises(Refused):
        await recorded.replay()


def test_what_the_layer_parses_is_what_the_route_reads() -> None:
    """A body pydantic's JSON parser accepts as a `CatEdit` is one the route's `json.loads`
    reads as the same values (what the parser refuses goes to the route, whatever it is)."""
    import json

    from purrr_server.services.cats import CatEdit

    for raw in (
        b'{"name":"a","name":"b"}',
        b' {"name":"\\ud83d\\ude00 caf\xc3\xa9"}\n',
        b'{"name":"  padded  ","version":"3"}',
        b'{"version":3.0,"is_public":1}',
        b'{"version":1E2,"description":null}',
        b'{"name":"\\/"}',
        b"{}",
    ):
        assert parse_edit(raw, b"application/json") == CatEdit.model_validate(json.loads(raw))


async def test_care_actions_match_the_routes(twins: Twins) -> None:
    cat = await twins.adopt("owner", "Cared")
    path = f"/api/v1/cats/{cat['id']}"
    feed = {"food_item": "salmon", "quantity": 1, "portion": "normal"}
    status, headers, body = await twins.same("POST", f"{path}/feed", "owner", json=feed)
    assert status == 200 and body["data"]["action"] == "feed"
    assert headers["x-ratelimit-remaining"]
    # legacy field names, an Idempotency-Key and its replay
    legacy = {"game_type": "yarn_chase", "duration": 10}
    status, _, body = await twins.same(
        "POST", f"{path}/play", "owner", json=legacy, headers=_key("p1")
    )
    assert status == 200 and body["data"]["action"] == "play"
    status, headers, _ = await twins.same(
        "POST", f"{path}/play", "owner", json=legacy, headers=_key("p1")
    )
    assert status == 200 and headers["idempotent-replayed"] == "true"
    # no body, an empty one, JSON null
    assert (await twins.same("POST", f"{path}/pet", "owner"))[0] == 200
    json_type = {"Content-Type": "application/json"}
    for empty in (b"", b"null", b" null "):
        status, _, body = await twins.same(
            "POST", f"{path}/pet", "owner", content=empty, headers=json_type
        )
        assert status == 200 and body["data"]["action"] == "pet"
    # refusals: by the action's model, by the route (bodies the layer leaves), by auth
    for options in (
        {"json": {"kind": "no such treat"}},
        {"json": {"unknown": 1}},
        {"json": ["kind"]},
        {"json": "catnip"},
        {"content": b'{"kind": ', "headers": json_type},
        {"content": b'{"kind": "catnip"}', "headers": {"Content-Type": "text/plain"}},
        {"content": b'{"kind": "catnip"}'},
        {"content": b'{"kind": NaN}', "headers": json_type},
        {"content": b"[" * 100_000 + b"]" * 100_000, "headers": json_type},  # too deep
    ):
        status, _, body = await twins.same("POST", f"{path}/treat", "owner", **options)
        assert status >= 400, options
    # a +json media type is JSON to the route (the layer leaves it to it)
    plus_json = {"Content-Type": "application/x+json"}
    options = {"content": b'{"kind": "catnip"}', "headers": plus_json}
    assert (await twins.same("POST", f"{path}/treat", "owner", **options))[0] == 200
    assert (await twins.same("POST", f"{path}/groom", "other", json={}))[0] == 404
    assert (await twins.same("POST", f"{path}/groom", json={}))[0] == 401
    await twins.key("owner", "care-reader", ["read"])
    assert (await twins.same("POST", f"{path}/groom", "care-reader", json={}))[0] == 403
    # paths and methods that are not care actions
    for method, action in (("POST", "nap"), ("POST", ""), ("GET", "feed"), ("PUT", "feed")):
        await twins.same(method, f"{path}/{action}", "owner", json={})
    await twins.same("POST", f"{path}/feed?x=1", "owner", json=feed)


def test_the_table_has_every_care_action() -> None:
    from purrr_core import ACTIONS
    from purrr_server.hot import WRITES

    assert {suffix for method, suffix in WRITES if method == "POST"} == {
        f"/{name}" for name in ACTIONS
    }
    assert {WRITES["POST", f"/{name}"].action for name in ACTIONS} == {
        f"cats.{name}" for name in ACTIONS
    }
