"""Typed actions and their policy (issue 13): the registry and docs agree, secrets stay secret,
a TOTP code works once, the sandbox needs an opt-in, and sync pushes are capped and counted."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from purrr_server import services
from purrr_server.actions import ACTIONS, ActionArgs, fingerprint
from purrr_server.app import create_app
from purrr_server.settings import Settings
from tests.server.conftest import NOW, _serve, adopt, idem, make_settings, register_and_login

DOCS = Path(__file__).parents[2] / "docs" / "api.md"
#: Actions that must never arrive through sync: accounts, credentials, money in and out.
NEVER_SYNC = {
    "auth.register",
    "auth.login",
    "auth.logout",
    "keys.create",
    "keys.delete",
    "account.delete",
    "account.timezone",  # an account setting of the server it was set on
    "economy.deposit",
    "economy.confirm",
    "economy.withdraw",
    "economy.withdraw_cancel",
    "economy.totp_enroll",
    "economy.withdrawals_catch_up",  # payouts are decided by the server that sends them
    "economy.withdrawal_approve",
    "economy.withdrawal_reject",
    "game.restore",  # a backup states every balance; a link uploads it explicitly
    "devices.register",  # a device key belongs to the server that issued it
    "devices.remove",
    "devices.record",
    "devices.simulate",
    "rooms.join",  # rooms live on the hosted server that holds them
    "rooms.leave",
    "rooms.play",
    # OAuth2 clients, codes and tokens are credentials of the issuing server
    "oauth.client_register",
    "oauth.client_revoke",
    "oauth.authorize",
    "oauth.token",
    "oauth.revoke",
}


def registered() -> dict[str, Any]:
    services.load_all()
    return {name: spec for name, spec in ACTIONS.items() if not name.startswith("test.")}


def test_every_action_declares_its_models_and_policy() -> None:
    actions = registered()
    assert len(actions) >= 34
    for name, spec in actions.items():
        assert issubclass(spec.args, ActionArgs), name
        assert spec.args.model_config.get("extra") == "forbid", name
        assert issubclass(spec.result, BaseModel), name
        assert spec.scope in ("read", "write", "admin"), name
        assert spec.cost >= 1, name
        assert not (spec.anonymous and spec.syncs), name
    assert {name for name, spec in actions.items() if not spec.syncs} == NEVER_SYNC


def test_the_policy_table_in_the_docs_matches_the_registry() -> None:
    rows = re.findall(
        r"^\| (`[^|]+`) \| [^|]+ \| (\w+) \| (yes|no) \| (\d+) \| ([^|]*)\|", DOCS.read_text(), re.M
    )
    documented: dict[str, tuple[str, str, str, str]] = {}
    for names, scope, syncs, cost, secrets in rows:
        first = names.split("`")[1]
        prefix = first.rsplit(".", 1)[0]
        for part in re.findall(r"`([^`]+)`", names):
            full = part if part.startswith(prefix) else prefix + part
            documented[full] = (scope, syncs, cost, secrets.strip())
    for name, spec in registered().items():
        scope = "anonymous" if spec.anonymous else spec.scope
        expected = (
            scope,
            "yes" if spec.syncs else "no",
            str(spec.cost),
            ", ".join(spec.secret_args),
        )
        assert documented.get(name) == expected, name


@pytest.fixture
def opted_in(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "opted", hosted=True, allow_sandbox_payments=True)


@pytest.fixture
async def hosted(opted_in: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(opted_in)
    async for client in _serve(app, {}):
        yield app, client


async def _login(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await register_and_login(client, name)}"}


async def _post(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, body: Any = None
) -> httpx.Response:
    return await client.post(path, headers={**headers, **idem()}, json=body)


async def test_fingerprints_and_logs_leave_the_password_out(
    hosted: tuple[FastAPI, httpx.AsyncClient], opted_in: Settings
) -> None:
    _, client = hosted
    await _login(client, "secretive")
    with sqlite3.connect(opted_in.db_path) as conn:
        args, stored = conn.execute(
            "SELECT args, fingerprint FROM actions WHERE name = 'auth.register'"
        ).fetchone()
    assert "correct horse 9" not in args
    plain = {
        "username": "secretive",
        "email": "secretive@example.com",
        "password": "correct horse 9",
    }
    assert stored != fingerprint("auth.register", plain)  # the old, guessable digest
    without = {k: v for k, v in plain.items() if k != "password"}
    assert stored == fingerprint("auth.register", without)
    guess = hashlib.sha256(json.dumps(["auth.register", plain]).encode()).hexdigest()
    assert stored != guess


async def test_totp_secret_is_never_exported_and_each_code_works_once(
    hosted: tuple[FastAPI, httpx.AsyncClient], opted_in: Settings
) -> None:
    _, client = hosted
    me = await _login(client, "withdrawer")
    enrolled = (await _post(client, me, "/api/v1/economy/2fa")).json()["data"]
    secret = enrolled["secret"]
    exported = await client.get("/api/v1/account/export", headers=me)
    assert exported.status_code == 200 and secret not in exported.text
    assert exported.json()["data"]["tables"]["totp_secrets"][0].keys() == {
        "user_id",
        "created_at",
        "row_version",
    }
    charge = (
        await _post(
            client, me, "/api/v1/economy/deposit", {"crypto_type": "USDC", "amount_usd": "50.00"}
        )
    ).json()["data"]
    confirmed = await _post(client, me, f"/api/v1/economy/confirm/{charge['charge_id']}")
    assert confirmed.status_code == 200, confirmed.text
    body = {"crypto_type": "USDC", "amount": "1", "address": "0x" + "a" * 40}
    code = pyotp.TOTP(secret).at(NOW)
    first = await _post(client, me, "/api/v1/economy/withdraw", {**body, "totp_code": code})
    assert first.status_code == 201, first.text
    actions = registered()  # results have the shape their action declares
    actions["economy.totp_enroll"].result.model_validate(enrolled)
    actions["economy.deposit"].result.model_validate(charge)
    actions["economy.confirm"].result.model_validate(confirmed.json()["data"])
    actions["economy.withdraw"].result.model_validate(first.json()["data"])
    key = (await _post(client, me, "/api/v1/keys", {"name": "checked"})).json()["data"]
    actions["keys.create"].result.model_validate(key)
    gone = (await client.delete(f"/api/v1/keys/{key['id']}", headers={**me, **idem()})).json()
    actions["keys.delete"].result.model_validate(gone["data"])
    again = await _post(client, me, "/api/v1/economy/withdraw", {**body, "totp_code": code})
    assert again.status_code == 403 and "already used" in again.json()["error"]["message"]
    # The next code, sent by nine requests at once: exactly one withdrawal.
    following = pyotp.TOTP(secret).at(NOW + timedelta(seconds=30))
    results = await asyncio.gather(
        *(
            _post(client, me, "/api/v1/economy/withdraw", {**body, "totp_code": following})
            for _ in range(9)
        )
    )
    assert sorted(r.status_code for r in results) == [201] + [403] * 8
    listed = (await client.get("/api/v1/economy/withdrawals", headers=me)).json()["data"]
    assert len(listed) == 2
    # An older code (the previous step) is refused too: steps only move forward.
    earlier = pyotp.TOTP(secret).at(NOW - timedelta(seconds=30))
    old = await _post(client, me, "/api/v1/economy/withdraw", {**body, "totp_code": earlier})
    assert old.status_code == 403


async def test_a_hosted_server_refuses_sandbox_deposits_without_the_opt_in(
    anon: httpx.AsyncClient,
) -> None:
    me = await _login(anon, "hopeful")
    r = await _post(anon, me, "/api/v1/economy/deposit", {"crypto_type": "BTC", "amount_usd": "10"})
    assert r.status_code == 403, r.text
    assert "no payment provider" in r.json()["error"]["message"]
    r = await _post(anon, me, "/api/v1/economy/confirm/ch_anything")
    assert r.status_code == 403
    balance = (await anon.get("/api/v1/economy/balance", headers=me)).json()["data"]
    assert all(balance[c] == "0.00000000" for c in ("BTC", "ETH", "USDC"))


async def test_write_only_keys_cannot_enroll_a_second_factor(
    hosted: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = hosted
    me = await _login(client, "keyholder")
    key = (await _post(client, me, "/api/v1/keys", {"scopes": ["read", "write"]})).json()["data"]
    r = await _post(client, {"X-API-Key": key["key"]}, "/api/v1/economy/2fa")
    assert r.status_code == 403


async def test_validation_errors_name_the_field_and_do_not_echo_large_values(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/api/v1/cats",
        headers=idem(),
        json={"name": "Ok", "personality_type": "lazy", "breed": "b" * 5000},
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and error["details"]["field"] == "breed"
    assert len(r.text) < 3000
    r = await client.post("/api/v1/cats/99999999999999999999999/feed", headers=idem())
    assert r.status_code in (404, 422)
    r = await client.post("/api/v1/cats/1/feed", headers=idem(), json=[1, 2])
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_ERROR"


def _push(client_id: str, first: int, count: int) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "mutations": [{"id": first + i, "name": "economy.open", "args": {}} for i in range(count)],
    }


async def test_push_batches_are_capped(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "capped", hosted=True, sync_push_max_batch=5)
    app = create_app(settings)
    async for client in _serve(app, {}):
        me = await _login(client, "batcher")
        r = await client.post("/api/v1/sync/push", headers=me, json=_push("c", 1, 6))
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"] == {"field": "mutations", "max": 5, "received": 6}
        r = await client.post("/api/v1/sync/push", headers=me, json=_push("c", 1, 5))
        assert r.status_code == 200 and r.json()["data"]["last_mutation_id"] == 5


async def test_each_pushed_mutation_counts_against_the_rate_limit(tmp_path: Path) -> None:
    limits = {"free": 12, "premium": 1000, "enterprise": 10000}
    settings = make_settings(tmp_path / "limited", hosted=True, tier_limits=limits)
    app = create_app(settings)
    async for client in _serve(app, {}):
        me = await _login(client, "flooder")  # the login request counts against the IP only
        r = await client.post("/api/v1/sync/push", headers=me, json=_push("c", 1, 20))
        assert r.status_code == 200, r.text
        pushed = r.json()["data"]
        # 1 for the request, then one per mutation: 11 applied, the 12th waits for a retry.
        assert pushed["last_mutation_id"] == 11
        assert pushed["retry"]["id"] == 12
        again = await client.post("/api/v1/sync/push", headers=me, json=_push("c", 12, 1))
        assert again.status_code == 429


async def test_openapi_describes_every_api_response(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    undocumented = []
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            content = operation["responses"][ok].get("content", {})
            if "text/event-stream" in content:
                continue
            schema = content.get("application/json", {}).get("schema", {})
            if "$ref" not in schema:
                undocumented.append(f"{method.upper()} {path}")
    assert undocumented == []
    envelope = spec["components"]["schemas"]["Envelope_CatOut_"]
    assert set(envelope["required"]) == {"data", "meta"}


def test_totp_codes_map_to_their_step_and_odd_input_is_just_wrong() -> None:
    from purrr_server.payments import totp_step

    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    assert totp_step(secret, totp.at(NOW), NOW) == totp.timecode(NOW)
    assert totp_step(secret, totp.at(NOW + timedelta(seconds=30)), NOW) == totp.timecode(NOW) + 1
    assert totp_step(secret, totp.at(NOW + timedelta(seconds=90)), NOW) is None
    for odd in ("", "abcdef", "１２３４５６", "\ud800", "0" * 1000):
        assert totp_step(secret, odd, NOW) is None


async def test_read_responses_match_their_declared_models(client: httpx.AsyncClient) -> None:
    from importlib import import_module

    from fastapi.routing import APIRoute

    from purrr_server.routers import API_PREFIX, MODULES

    cat = await adopt(client)
    await client.post(f"/api/v1/cats/{cat['id']}/feed", headers=idem(), json={})
    await client.post("/api/v1/store/purchase", headers=idem(), json={"item_id": "toy_mouse"})
    checked = 0
    for module in sorted(set(MODULES.values())):
        for route in import_module(module).router.routes:
            if not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            if route.response_model is None:
                continue
            path = API_PREFIX + route.path.replace("{cat_id}", str(cat["id"]))
            if "{" in path or path.endswith("/genetics/predict"):  # needs ids in the query
                continue
            if path.startswith(f"{API_PREFIX}/oauth/"):  # hosted only: tests/server/test_oauth.py
                continue
            r = await client.get(path)
            if r.status_code == 409 and r.json()["error"]["code"] == "HOSTED_ONLY":
                continue  # rooms: checked on a hosted server in tests/server/test_rooms_api.py
            assert r.status_code == 200, (path, r.text)
            route.response_model.model_validate(r.json())
            checked += 1
    assert checked >= 25
