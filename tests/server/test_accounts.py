"""Hosted accounts: register, login, logout, profile, throttling, isolation, API keys, GDPR."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.app import close_app
from purrr_server.settings import Settings
from tests.server.conftest import NOW, adopt, idem, make_settings, register_and_login

Bearer = Callable[[str], dict[str, str]]


async def security_events(app: FastAPI) -> list[str]:
    return [e["type"] for e in await app.state.runtime.store.read.security.recent()]


async def test_register_login_profile_logout(anon: httpx.AsyncClient, bearer: Bearer) -> None:
    r = await anon.post(
        "/api/v1/auth/register",
        headers=idem(),
        json={"username": "alice", "email": "alice@example.com", "password": "correct horse 9"},
    )
    assert r.status_code == 201
    assert r.json()["data"]["username"] == "alice" and "password" not in r.text
    r = await anon.post(
        "/api/v1/auth/login",
        headers=idem(),
        json={"username": "ALICE", "password": "correct horse 9"},
    )
    data = r.json()["data"]
    assert data["token_type"] == "bearer" and data["expires_in"] == 86400
    token = data["access_token"]
    profile = await anon.get("/api/v1/auth/profile", headers=bearer(token))
    assert profile.json()["data"]["username"] == "alice"
    assert profile.json()["data"]["tier"] == "free"
    out = await anon.post("/api/v1/auth/logout", headers={**bearer(token), **idem()})
    assert out.status_code == 200 and out.json()["data"]["logged_out"] is True
    after = await anon.get("/api/v1/auth/profile", headers=bearer(token))
    assert after.status_code == 401


async def test_password_is_stored_as_argon2id(anon: httpx.AsyncClient, hosted_app: FastAPI) -> None:
    await register_and_login(anon, "bob")
    store = hosted_app.state.runtime.store
    found = await store.read.users.credentials("bob")
    assert found is not None and found[1].startswith("$argon2id$")
    log = await store.read.actions.fetchall("SELECT args, result FROM actions")
    assert all("correct horse" not in row["args"] for row in log)
    assert all("ps_" not in row["result"] for row in log)  # session tokens never logged


async def test_duplicate_username_and_bad_input(anon: httpx.AsyncClient) -> None:
    await register_and_login(anon, "carol")
    again = await anon.post(
        "/api/v1/auth/register",
        headers=idem(),
        json={"username": "Carol", "email": "other@example.com", "password": "longenough1"},
    )
    assert again.status_code == 409 and again.json()["error"]["details"]["field"] == "username"
    short = await anon.post(
        "/api/v1/auth/register",
        headers=idem(),
        json={"username": "dave", "email": "dave@example.com", "password": "short"},
    )
    assert short.status_code == 422 and short.json()["error"]["details"]["field"] == "password"
    email = await anon.post(
        "/api/v1/auth/register",
        headers=idem(),
        json={"username": "dave", "email": "not-an-email", "password": "longenough1"},
    )
    assert email.json()["error"]["details"]["field"] == "email"


async def test_failed_logins_are_logged_and_throttled(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    await register_and_login(anon, "erin")
    for _ in range(5):
        r = await anon.post(
            "/api/v1/auth/login",
            headers=idem(),
            json={"username": "erin", "password": "wrong password"},
        )
        assert r.status_code == 401
    locked = await anon.post(
        "/api/v1/auth/login",
        headers=idem(),
        json={"username": "erin", "password": "correct horse 9"},
    )
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    events = await security_events(hosted_app)
    assert events.count("login_failed") == 5 and "login_locked" in events
    unknown = await anon.post(
        "/api/v1/auth/login", headers=idem(), json={"username": "nobody", "password": "whatever1"}
    )
    assert unknown.status_code == 401


async def test_users_never_see_each_others_cats(anon: httpx.AsyncClient, bearer: Bearer) -> None:
    alice = bearer(await register_and_login(anon, "alice"))
    mallory = bearer(await register_and_login(anon, "mallory"))
    anon.headers.update(alice)
    cat = await adopt(anon)
    anon.headers.pop("Authorization")
    url = f"/api/v1/cats/{cat['id']}"
    assert (await anon.get(url, headers=mallory)).status_code == 404
    assert (await anon.get(f"{url}/history", headers=mallory)).status_code == 404
    assert (await anon.post(f"{url}/feed", headers={**mallory, **idem()})).status_code == 404
    assert (
        await anon.put(url, json={"name": "Mine"}, headers={**mallory, **idem()})
    ).status_code == 404
    assert (await anon.delete(url, headers={**mallory, **idem()})).status_code == 404
    assert (await anon.get("/api/v1/cats", headers=mallory)).json()["data"] == []
    assert (await anon.get(url, headers=alice)).json()["data"]["name"] == "Whiskers"


async def test_local_mode_has_no_registration(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/register",
        headers=idem(),
        json={"username": "zed", "email": "zed@example.com", "password": "longenough1"},
    )
    assert r.status_code == 403
    profile = (await client.get("/api/v1/auth/profile")).json()["data"]
    assert profile["is_local"] is True and profile["username"] == "local"


async def test_local_token_file_is_private_and_stable(
    settings: Settings, app: FastAPI, make_app: Callable[..., FastAPI]
) -> None:
    path = settings.token_path
    assert path.stat().st_mode & 0o777 == 0o600
    token = path.read_text().strip()
    make_app(settings)  # a second start keeps the same token
    assert path.read_text().strip() == token


# --- API keys --------------------------------------------------------------------------------


async def _key(anon: httpx.AsyncClient, headers: dict[str, str], **body: object) -> dict[str, str]:
    r = await anon.post("/api/v1/keys", json=body, headers={**headers, **idem()})
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


async def test_api_key_is_shown_once_and_works(anon: httpx.AsyncClient, bearer: Bearer) -> None:
    owner = bearer(await register_and_login(anon, "keyowner"))
    created = await _key(anon, owner, name="script")
    assert re.fullmatch(r"pk_[0-9a-f]{64}", created["key"])
    listed = (await anon.get("/api/v1/keys", headers=owner)).json()["data"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    assert created["key"] not in str(listed)
    with_key = {"X-API-Key": created["key"]}
    r = await anon.post(
        "/api/v1/cats",
        json={"name": "Keyed", "personality_type": "aloof"},
        headers={**with_key, **idem()},
    )
    assert r.status_code == 201
    gone = await anon.delete(f"/api/v1/keys/{created['id']}", headers={**owner, **idem()})
    assert gone.status_code == 200
    assert (await anon.get("/api/v1/cats", headers=with_key)).status_code == 401


async def test_scopes_are_enforced(
    anon: httpx.AsyncClient, bearer: Bearer, hosted_app: FastAPI
) -> None:
    owner = bearer(await register_and_login(anon, "scoped"))
    read_only = {"X-API-Key": (await _key(anon, owner, scopes=["read"]))["key"]}
    assert (await anon.get("/api/v1/cats", headers=read_only)).status_code == 200
    r = await anon.post(
        "/api/v1/cats",
        json={"name": "No", "personality_type": "lazy"},
        headers={**read_only, **idem()},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    assert "forbidden" in await security_events(hosted_app)
    writer = {"X-API-Key": (await _key(anon, owner, scopes=["read", "write"]))["key"]}
    assert (await anon.get("/api/v1/keys", headers=writer)).status_code == 403
    admin = {"X-API-Key": (await _key(anon, owner, scopes=["admin"]))["key"]}
    assert (await anon.get("/api/v1/keys", headers=admin)).status_code == 200


async def test_ip_allow_list(anon: httpx.AsyncClient, bearer: Bearer) -> None:
    owner = bearer(await register_and_login(anon, "ipuser"))
    elsewhere = await _key(anon, owner, allowed_ips=["10.0.0.0/8"])
    here = await _key(anon, owner, allowed_ips=["127.0.0.1"])
    assert (
        await anon.get("/api/v1/cats", headers={"X-API-Key": elsewhere["key"]})
    ).status_code == 403
    assert (await anon.get("/api/v1/cats", headers={"X-API-Key": here["key"]})).status_code == 200
    bad = await anon.post(
        "/api/v1/keys", json={"allowed_ips": ["not an ip"]}, headers={**owner, **idem()}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "allowed_ips"


async def test_expired_key_is_refused(tmp_path: Path, make_app: Callable[..., FastAPI]) -> None:
    hosted = make_settings(tmp_path / "d", hosted=True)
    app = make_app(hosted)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        token = await register_and_login(c, "expiring")
        key = await _key(c, {"Authorization": f"Bearer {token}"}, expires_in_days=1)
        assert (await c.get("/api/v1/cats", headers={"X-API-Key": key["key"]})).status_code == 200
    await close_app(app)
    later = make_app(make_settings(tmp_path / "d", hosted=True, pinned_now=NOW.replace(day=25)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=later), base_url="http://t"
    ) as c:
        assert (await c.get("/api/v1/cats", headers={"X-API-Key": key["key"]})).status_code == 401


# --- GDPR ------------------------------------------------------------------------------------


async def test_export_and_delete_account(
    anon: httpx.AsyncClient, bearer: Bearer, hosted_app: FastAPI
) -> None:
    me = bearer(await register_and_login(anon, "leaving"))
    other = bearer(await register_and_login(anon, "staying"))
    anon.headers.update(me)
    cat = await adopt(anon)
    await anon.post(f"/api/v1/cats/{cat['id']}/pet", headers=idem())
    anon.headers.pop("Authorization")
    kept = await anon.post(
        "/api/v1/cats",
        json={"name": "Kept", "personality_type": "lazy"},
        headers={**other, **idem()},
    )
    assert kept.status_code == 201
    export = (await anon.get("/api/v1/account/export", headers=me)).json()["data"]["tables"]
    assert [u["username"] for u in export["users"]] == ["leaving"]
    assert [c["name"] for c in export["cats"]] == ["Whiskers"]
    assert export["cats"][0]["data"]["id"] == cat["id"]
    assert {a["name"] for a in export["actions"]} >= {"cats.adopt", "cats.pet"}
    assert "password_hash" not in str(export) and "token_hash" not in str(export)
    deleted = await anon.delete("/api/v1/account", headers={**me, **idem()})
    assert deleted.status_code == 200 and deleted.json()["data"]["deleted"] is True
    assert (await anon.get("/api/v1/cats", headers=me)).status_code == 401
    store = hosted_app.state.runtime.store
    assert await store.read.users.credentials("leaving") is None
    rows = await store.read.cats.fetchall("SELECT name FROM cats")
    assert [r["name"] for r in rows] == ["Kept"]  # the other player's cat only
    assert len((await anon.get("/api/v1/cats", headers=other)).json()["data"]) == 1


@pytest.mark.parametrize("path", ["/api/v1/account/export", "/api/v1/keys"])
async def test_account_routes_need_auth(anon: httpx.AsyncClient, path: str) -> None:
    assert (await anon.get(path)).status_code == 401
