"""OAuth2 for third-party clients (issue 17 part 3, docs/oauth.md): authorization code with PKCE,
refresh rotation with reuse detection, client credentials, revocation, scopes, hosted only."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from purrr_server.actions import execute
from purrr_server.settings import Settings
from tests.server.conftest import NOW, _serve, idem, register_and_login

API = "/api/v1"
REDIRECT = "https://tracker.example/callback"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def add_client(app: FastAPI, **fields: Any) -> dict[str, Any]:
    """Register a client as the operator does (the action `purrr server oauth-client add` runs)."""
    args = {"name": "Cat Tracker", "redirect_uris": [REDIRECT], **fields}
    outcome = await execute(
        app.state.runtime, None, "oauth.client_register", args, via="internal", scopes=None
    )
    return outcome.result


async def approve(
    anon: httpx.AsyncClient, session: str, client_id: str, challenge: str, **extra: Any
) -> httpx.Response:
    return await anon.post(
        f"{API}/oauth/authorize",
        headers={"Authorization": f"Bearer {session}", **idem()},
        json={
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": "xyz",
            **extra,
        },
    )


async def exchange(anon: httpx.AsyncClient, **form: str) -> httpx.Response:
    return await anon.post(f"{API}/oauth/token", headers=FORM, data=form)


async def code_for(
    anon: httpx.AsyncClient, session: str, client: dict[str, Any], **extra: Any
) -> tuple[str, str]:
    verifier, challenge = pkce()
    r = await approve(anon, session, client["client_id"], challenge, **extra)
    assert r.status_code == 200, r.text
    return r.json()["data"]["code"], verifier


async def tokens_for(
    anon: httpx.AsyncClient, session: str, client: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    code, verifier = await code_for(anon, session, client, **extra)
    r = await exchange(
        anon,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        client_id=client["client_id"],
        client_secret=client["client_secret"],
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_the_code_flow_issues_tokens_that_act_as_the_player_within_their_scopes(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    client = await add_client(hosted_app, scopes=["read", "write"])
    assert client["client_secret"].startswith("pcs_") and client["type"] == "confidential"
    session = await register_and_login(anon, "owner")
    verifier, challenge = pkce()
    consent = await anon.get(
        f"{API}/oauth/authorize",
        headers=bearer(session),
        params={"client_id": client["client_id"], "code_challenge": challenge, "scope": "read"},
    )
    assert consent.status_code == 200, consent.text
    assert consent.json()["data"] == {
        "client_id": client["client_id"],
        "name": "Cat Tracker",
        "redirect_uri": REDIRECT,
        "scopes": ["read"],
        "state": None,
    }
    r = await approve(anon, session, client["client_id"], challenge, scope="read")
    data = r.json()["data"]
    target = urlsplit(data["redirect_to"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT
    assert parse_qs(target.query) == {"code": [data["code"]], "state": ["xyz"]}
    assert r.headers["Cache-Control"] == "no-store"

    r = await exchange(
        anon,
        grant_type="authorization_code",
        code=data["code"],
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        client_id=client["client_id"],
        client_secret=client["client_secret"],
    )
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    token = r.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["scope"] == "read"
    assert token["access_token"].startswith("poa_") and token["refresh_token"].startswith("por_")

    profile = await anon.get(f"{API}/auth/profile", headers=bearer(token["access_token"]))
    assert profile.status_code == 200
    assert profile.json()["data"]["username"] == "owner"
    assert profile.json()["data"]["auth"] == "oauth"
    assert profile.json()["data"]["scopes"] == ["read"]
    # read only: writes, and account management, are refused
    write = await anon.post(
        f"{API}/cats",
        headers={**bearer(token["access_token"]), **idem()},
        json={"name": "Nope", "personality_type": "lazy"},
    )
    assert write.json()["error"]["message"] == "this OAuth2 token lacks the 'write' scope"
    logout = await anon.post(
        f"{API}/auth/logout", headers={**bearer(token["access_token"]), **idem()}
    )
    assert logout.status_code in (400, 403)
    keys = await anon.get(f"{API}/keys", headers=bearer(token["access_token"]))
    assert keys.status_code == 403 and "OAuth2 token" in keys.json()["error"]["message"]

    # stored hashed: no secret appears anywhere in the database
    db = hosted_app.state.settings.db_path
    dump = "\n".join(sqlite3.connect(db).iterdump())
    for secret in (
        token["access_token"],
        token["refresh_token"],
        data["code"],
        client["client_secret"],
        verifier,
    ):
        assert secret not in dump


async def test_a_wrong_verifier_a_reused_code_and_an_expired_code_are_refused(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    client = await add_client(hosted_app)
    session = await register_and_login(anon, "owner")
    common = {
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }
    code, verifier = await code_for(anon, session, client)
    wrong = await exchange(anon, **common, code=code, code_verifier=pkce()[0])
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier does not match the code_challenge",
    }
    missing = await exchange(anon, **common, code=code)
    assert missing.json()["error"] == "invalid_request"
    other_uri = await exchange(
        anon,
        **{**common, "redirect_uri": "https://evil.example/cb"},
        code=code,
        code_verifier=verifier,
    )
    assert other_uri.json()["error"] == "invalid_grant"

    first = await exchange(anon, **common, code=code, code_verifier=verifier)
    assert first.status_code == 200, first.text
    access = first.json()["access_token"]
    assert (await anon.get(f"{API}/cats", headers=bearer(access))).status_code == 200
    again = await exchange(anon, **common, code=code, code_verifier=verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "already used" in again.json()["error_description"]
    # the replay revoked what the code had issued (RFC 6749 §4.1.2)
    assert (await anon.get(f"{API}/cats", headers=bearer(access))).status_code == 401
    refreshed = await exchange(
        anon,
        grant_type="refresh_token",
        refresh_token=first.json()["refresh_token"],
        client_id=client["client_id"],
        client_secret=client["client_secret"],
    )
    assert refreshed.json()["error"] == "invalid_grant"

    code, verifier = await code_for(anon, session, client)
    settings: Settings = hosted_app.state.settings
    settings.pinned_now = NOW + timedelta(minutes=5, seconds=1)
    expired = await exchange(anon, **common, code=code, code_verifier=verifier)
    assert expired.json() == {
        "error": "invalid_grant",
        "error_description": "the authorization code has expired",
    }


async def test_plain_pkce_and_unregistered_redirects_are_refused(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    client = await add_client(hosted_app)
    session = await register_and_login(anon, "owner")
    verifier, _ = pkce()
    plain = await approve(
        anon, session, client["client_id"], verifier[:43], code_challenge_method="plain"
    )
    assert plain.status_code == 400 and "S256" in plain.json()["error"]["message"]
    elsewhere = await approve(
        anon, session, client["client_id"], pkce()[1], redirect_uri="https://evil.example/cb"
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["error"]["details"]["field"] == "redirect_uri"
    unknown = await approve(anon, session, "pci_nobody", pkce()[1])
    assert unknown.status_code == 404
    too_much = await approve(anon, session, client["client_id"], pkce()[1], scope="read admin")
    assert too_much.status_code == 422 and "'admin'" in too_much.json()["error"]["message"]
    denied = await approve(anon, session, client["client_id"], pkce()[1], decision="deny")
    assert parse_qs(urlsplit(denied.json()["data"]["redirect_to"]).query) == {
        "error": ["access_denied"],
        "state": ["xyz"],
    }
    # only the player's session approves: an API key cannot
    key = await anon.post(
        f"{API}/keys", headers={**bearer(session), **idem()}, json={"scopes": ["admin"]}
    )
    by_key = await anon.post(
        f"{API}/oauth/authorize",
        headers={"X-API-Key": key.json()["data"]["key"], **idem()},
        json={"client_id": client["client_id"], "code_challenge": pkce()[1]},
    )
    assert by_key.status_code == 403


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_grant(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    client = await add_client(hosted_app)
    session = await register_and_login(anon, "owner")
    first = await tokens_for(anon, session, client)
    auth = {"client_id": client["client_id"], "client_secret": client["client_secret"]}

    narrowed = await exchange(
        anon, grant_type="refresh_token", refresh_token=first["refresh_token"], scope="read", **auth
    )
    assert narrowed.status_code == 200, narrowed.text
    second = narrowed.json()
    assert second["scope"] == "read" and second["refresh_token"] != first["refresh_token"]
    # the rotated refresh token keeps the grant's scopes; asking for more is invalid_scope
    widened = await exchange(
        anon,
        grant_type="refresh_token",
        refresh_token=second["refresh_token"],
        scope="read admin",
        **auth,
    )
    assert widened.json()["error"] == "invalid_scope"
    third = await exchange(
        anon, grant_type="refresh_token", refresh_token=second["refresh_token"], **auth
    )
    assert third.json()["scope"] == "read write"
    live = third.json()["access_token"]
    assert (await anon.get(f"{API}/cats", headers=bearer(live))).status_code == 200

    # someone replays the first refresh token: the whole grant dies, including the newest tokens
    replay = await exchange(
        anon, grant_type="refresh_token", refresh_token=first["refresh_token"], **auth
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert (await anon.get(f"{API}/cats", headers=bearer(live))).status_code == 401
    newest = await exchange(
        anon, grant_type="refresh_token", refresh_token=third.json()["refresh_token"], **auth
    )
    assert newest.json()["error"] == "invalid_grant"
    events = await anon.get(f"{API}/events/poll", headers=bearer(session))
    assert "oauth.grant_revoked" in events.text

    # another client cannot use this client's refresh token, and a wrong secret is invalid_client
    other = await add_client(hosted_app, name="Other")
    fresh = await tokens_for(anon, session, client)
    stolen = await exchange(
        anon,
        grant_type="refresh_token",
        refresh_token=fresh["refresh_token"],
        client_id=other["client_id"],
        client_secret=other["client_secret"],
    )
    assert stolen.json()["error"] == "invalid_grant"
    bad_secret = await exchange(
        anon,
        grant_type="refresh_token",
        refresh_token=fresh["refresh_token"],
        client_id=client["client_id"],
        client_secret="pcs_" + "0" * 64,
    )
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"


async def test_client_credentials_act_as_the_owner_account(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    await register_and_login(anon, "robot")
    client = await add_client(hosted_app, redirect_uris=[], owner="robot", scopes=["read"])
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    r = await anon.post(
        f"{API}/oauth/token",
        headers={**FORM, "Authorization": f"Basic {basic}"},
        data={"grant_type": "client_credentials"},
    )
    assert r.status_code == 200, r.text
    token = r.json()
    assert "refresh_token" not in token and token["scope"] == "read"
    profile = await anon.get(f"{API}/auth/profile", headers=bearer(token["access_token"]))
    assert profile.json()["data"]["username"] == "robot"
    more = await exchange(
        anon,
        grant_type="client_credentials",
        scope="write",
        client_id=client["client_id"],
        client_secret=client["client_secret"],
    )
    assert more.json()["error"] == "invalid_scope"

    public = await add_client(hosted_app, name="Phone app", confidential=False)
    assert public["client_secret"] is None and public["type"] == "public"
    refused = await exchange(anon, grant_type="client_credentials", client_id=public["client_id"])
    assert refused.json()["error"] == "unauthorized_client"
    unsupported = await exchange(anon, grant_type="password", client_id=public["client_id"])
    assert unsupported.json()["error"] == "unsupported_grant_type"


async def test_a_public_client_uses_pkce_alone(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    client = await add_client(hosted_app, name="Phone app", confidential=False)
    session = await register_and_login(anon, "owner")
    code, verifier = await code_for(anon, session, client)
    r = await exchange(
        anon,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
        client_id=client["client_id"],
    )
    assert r.status_code == 200, r.text
    assert (await anon.get(f"{API}/cats", headers=bearer(r.json()["access_token"]))).is_success


async def test_revoked_tokens_and_retired_clients_are_refused(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    client = await add_client(hosted_app)
    session = await register_and_login(anon, "owner")
    auth = {"client_id": client["client_id"], "client_secret": client["client_secret"]}
    tokens = await tokens_for(anon, session, client)
    access = tokens["access_token"]
    assert (await anon.get(f"{API}/cats", headers=bearer(access))).status_code == 200
    r = await anon.post(f"{API}/oauth/revoke", headers=FORM, data={"token": access, **auth})
    assert r.status_code == 200 and r.json() == {}
    assert (await anon.get(f"{API}/cats", headers=bearer(access))).status_code == 401
    # the refresh token outlives its access token, until it is revoked itself (with its grant)
    again = await exchange(
        anon, grant_type="refresh_token", refresh_token=tokens["refresh_token"], **auth
    )
    assert again.status_code == 200
    r = await anon.post(
        f"{API}/oauth/revoke", headers=FORM, data={"token": tokens["refresh_token"], **auth}
    )
    assert r.status_code == 200
    newest = again.json()["access_token"]
    assert (await anon.get(f"{API}/cats", headers=bearer(newest))).status_code == 401
    # unknown tokens are not an error (RFC 7009 §2.2)
    r = await anon.post(f"{API}/oauth/revoke", headers=FORM, data={"token": "poa_x", **auth})
    assert r.status_code == 200

    tokens = await tokens_for(anon, session, client)
    retired = await execute(
        hosted_app.state.runtime,
        None,
        "oauth.client_revoke",
        {"client_id": client["client_id"]},
        via="internal",
        scopes=None,
    )
    assert retired.result["tokens_revoked"] == 2
    hosted_app.state.runtime.auth_cache.clear()  # another process did it: its cache expires
    r = await anon.get(f"{API}/cats", headers=bearer(tokens["access_token"]))
    assert r.status_code == 401
    r = await exchange(
        anon, grant_type="refresh_token", refresh_token=tokens["refresh_token"], **auth
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


async def test_clients_are_managed_by_administrators_only(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    session = await register_and_login(anon, "player")
    r = await anon.post(
        f"{API}/oauth/clients",
        headers={**bearer(session), **idem()},
        json={"name": "Mine", "redirect_uris": [REDIRECT]},
    )
    assert r.status_code == 403
    async with hosted_app.state.runtime.store.write(bump_version=False) as uow:
        await uow.users.execute("UPDATE users SET role = 'admin' WHERE username = 'player'")
    hosted_app.state.runtime.auth_cache.clear()
    r = await anon.post(
        f"{API}/oauth/clients",
        headers={**bearer(session), **idem()},
        json={"name": "Mine", "redirect_uris": ["http://evil.example/cb"]},
    )
    assert r.status_code == 422 and "loopback" in r.json()["error"]["message"]
    r = await anon.post(
        f"{API}/oauth/clients",
        headers={**bearer(session), **idem()},
        json={"name": "Mine", "redirect_uris": ["http://127.0.0.1:8765/cb"]},
    )
    assert r.status_code == 201, r.text
    client_id = r.json()["data"]["client_id"]
    listed = await anon.get(f"{API}/oauth/clients", headers=bearer(session))
    assert [c["client_id"] for c in listed.json()["data"]] == [client_id]
    assert "client_secret" not in listed.json()["data"][0]
    r = await anon.delete(f"{API}/oauth/clients/{client_id}", headers={**bearer(session), **idem()})
    assert r.json()["data"] == {"client_id": client_id, "revoked": True, "tokens_revoked": 0}


async def test_oauth_needs_a_hosted_server(
    settings: Settings, make_app: Callable[..., FastAPI]
) -> None:
    app = make_app(settings)
    token = settings.token_path.read_text().strip()
    async with asynccontextmanager(_serve)(app, {"Authorization": f"Bearer {token}"}) as local:
        for method, path in (
            ("GET", "/oauth/authorize?client_id=x&code_challenge=y"),
            ("POST", "/oauth/token"),
            ("POST", "/oauth/revoke"),
            ("GET", "/oauth/clients"),
        ):
            r = await local.request(method, API + path)
            assert r.status_code == 403, (path, r.text)
            assert "hosted server" in r.json()["error"]["message"]
    with pytest.raises(Exception, match="hosted server"):
        await add_client(app)


@pytest.mark.timeout(300)
async def test_a_third_party_client_runs_the_whole_flow_over_real_http(tmp_path: Path) -> None:
    """A real OAuth2 client library (authlib's) against `python -m purrr_server --hosted`, with
    the client registered by the operator command on the server's data directory."""
    # authlib 1.9 announces its move to httpx2. Its warnings module, on import, puts an "always"
    # filter in front of every other: imported first, it cannot override the "ignore" below.
    import authlib.deprecate  # noqa: F401

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    from tests.server.test_real_server import Server

    server = Server(tmp_path / "hosted", "--hosted").start()
    try:
        added = subprocess.run(
            [
                sys.executable,
                "-m",
                "purrr_cli",
                "server",
                "oauth-client",
                "add",
                "Cat Tracker",
                "--redirect-uri",
                REDIRECT,
                "--data-dir",
                str(server.data_dir),
                "--json",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert added.returncode == 0, added.stderr
        registered = json.loads(added.stdout)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as player:
            session = await register_and_login(player, "fan")
            tracker = AsyncOAuth2Client(
                client_id=registered["client_id"],
                client_secret=registered["client_secret"],
                redirect_uri=REDIRECT,
                scope="read write",
                code_challenge_method="S256",
                timeout=10,
            )
            async with tracker:
                verifier = secrets.token_urlsafe(64)
                url, state = tracker.create_authorization_url(
                    f"{server.url}{API}/oauth/authorize", code_verifier=verifier
                )
                query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
                assert query["code_challenge_method"] == "S256"
                # the player reviews the request and approves it with their own session
                consent = await player.get(
                    f"{API}/oauth/authorize", params=query, headers=bearer(session)
                )
                assert consent.json()["data"]["scopes"] == ["read", "write"]
                approved = await player.post(
                    f"{API}/oauth/authorize",
                    headers={**bearer(session), **idem()},
                    json={k: v for k, v in query.items() if k != "response_type"},
                )
                redirect_to = approved.json()["data"]["redirect_to"]
                token = await tracker.fetch_token(
                    f"{server.url}{API}/oauth/token",
                    authorization_response=redirect_to,
                    code_verifier=verifier,
                    state=state,
                )
                assert token["token_type"] == "Bearer" and token["refresh_token"]

                adopted = await tracker.post(
                    f"{server.url}{API}/cats",
                    headers=idem(),
                    json={"name": "Via OAuth", "personality_type": "playful"},
                )
                assert adopted.status_code == 201, adopted.text
                assert adopted.headers["X-RateLimit-Limit"] == "100"
                mine = await player.get(f"{API}/cats", headers=bearer(session))
                assert [c["name"] for c in mine.json()["data"]] == ["Via OAuth"]

                old_refresh = token["refresh_token"]
                renewed = await tracker.refresh_token(
                    f"{server.url}{API}/oauth/token", refresh_token=old_refresh
                )
                assert renewed["refresh_token"] != old_refresh
                assert (await tracker.get(f"{server.url}{API}/cats")).status_code == 200
                # a replayed refresh token revokes the grant: the client's current token dies
                replay = await player.post(
                    f"{API}/oauth/token",
                    headers=FORM,
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": old_refresh,
                        "client_id": registered["client_id"],
                        "client_secret": registered["client_secret"],
                    },
                )
                assert replay.json()["error"] == "invalid_grant"
                assert (await tracker.get(f"{server.url}{API}/cats")).status_code == 401
    finally:
        server.stop()


async def test_a_code_requested_without_a_redirect_uri_is_exchanged_without_one(
    anon: httpx.AsyncClient, hosted_app: FastAPI
) -> None:
    client = await add_client(hosted_app, confidential=False)
    session = await register_and_login(anon, "owner")
    verifier, challenge = pkce()
    r = await anon.post(
        f"{API}/oauth/authorize",
        headers={"Authorization": f"Bearer {session}", **idem()},
        json={"client_id": client["client_id"], "code_challenge": challenge},
    )
    data = r.json()["data"]
    assert data["redirect_to"].startswith(REDIRECT + "?code=")
    r = await exchange(
        anon,
        grant_type="authorization_code",
        code=data["code"],
        code_verifier=verifier,
        client_id=client["client_id"],
    )
    assert r.status_code == 200, r.text
    # named in the authorization request: required, and identical, in the token request
    code, verifier = await code_for(anon, session, client)
    common = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
    missing = await exchange(anon, **common, client_id=client["client_id"])
    assert missing.json()["error"] == "invalid_grant"
