"""OAuth2's refusals over real HTTP (issue 17 part 3): a hosted `python -m purrr_server` process,
a client talking to it over TCP. A wrong verifier, a reused code, another client's code or token,
revoked and expired tokens and codes are all refused, and the server's clock is moved by
restarting it with a later `PURRR_NOW`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from purrr_server.operator import operator_action
from tests.server.conftest import NOW, idem, make_settings
from tests.server.test_oauth import FORM, REDIRECT, bearer, pkce

pytestmark = pytest.mark.timeout(300)
API = "/api/v1"


@contextmanager
def clock(at: Any) -> Iterator[None]:
    saved = os.environ.get("PURRR_NOW")
    os.environ["PURRR_NOW"] = at.isoformat()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PURRR_NOW", None)
        else:
            os.environ["PURRR_NOW"] = saved


def test_refusals_of_the_whole_flow_over_real_http(tmp_path: Path) -> None:
    from tests.server.test_real_server import Server

    server = Server(tmp_path / "hosted", "--hosted")
    with clock(NOW):
        server.start()
    try:
        operator = make_settings(server.data_dir, hosted=True)
        tracker = operator_action(
            operator, "oauth.client_register", {"name": "Tracker", "redirect_uris": [REDIRECT]}
        )
        rival = operator_action(
            operator, "oauth.client_register", {"name": "Rival", "redirect_uris": [REDIRECT]}
        )
        auth = {"client_id": tracker["client_id"], "client_secret": tracker["client_secret"]}
        rival_auth = {"client_id": rival["client_id"], "client_secret": rival["client_secret"]}

        with httpx.Client(base_url=server.url, timeout=15) as http:
            body = {"username": "fan", "email": "fan@example.com", "password": "correct horse 9"}
            assert http.post(f"{API}/auth/register", headers=idem(), json=body).status_code == 201
            login = http.post(
                f"{API}/auth/login",
                headers=idem(),
                json={"username": "fan", "password": "correct horse 9"},
            )
            session = login.json()["data"]["access_token"]

            def code() -> tuple[str, str]:
                verifier, challenge = pkce()
                r = http.post(
                    f"{API}/oauth/authorize",
                    headers={**bearer(session), **idem()},
                    json={
                        "client_id": tracker["client_id"],
                        "redirect_uri": REDIRECT,
                        "code_challenge": challenge,
                    },
                )
                assert r.status_code == 200, r.text
                return r.json()["data"]["code"], verifier

            def token(**form: str) -> httpx.Response:
                return http.post(f"{API}/oauth/token", headers=FORM, data=form)

            def grant(code: str, verifier: str, who: dict[str, str] = auth) -> httpx.Response:
                return token(
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                    redirect_uri=REDIRECT,
                    **who,
                )

            def cats(access: str) -> int:
                return http.get(f"{API}/cats", headers=bearer(access)).status_code

            # A wrong verifier, or another client presenting the code: refused, code unspent.
            first, verifier = code()
            wrong = grant(first, pkce()[0])
            assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
            assert "code_verifier" in wrong.json()["error_description"]
            stolen = grant(first, verifier, rival_auth)
            assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
            issued = grant(first, verifier)
            assert issued.status_code == 200, issued.text
            tokens = issued.json()
            assert cats(tokens["access_token"]) == 200

            # Another client cannot revoke this client's token (nothing revealed, nothing done).
            r = http.post(
                f"{API}/oauth/revoke",
                headers=FORM,
                data={"token": tokens["access_token"]} | rival_auth,
            )
            assert r.status_code == 200 and cats(tokens["access_token"]) == 200

            # The code used again: refused, and the grant it issued is revoked with it.
            reused = grant(first, verifier)
            assert (
                reused.status_code == 400 and "already used" in reused.json()["error_description"]
            )
            assert cats(tokens["access_token"]) == 401
            dead = token(grant_type="refresh_token", refresh_token=tokens["refresh_token"], **auth)
            assert dead.json()["error"] == "invalid_grant"

            # A revoked access token is refused; its refresh token still renews.
            second, verifier = code()
            tokens = grant(second, verifier).json()
            r = http.post(
                f"{API}/oauth/revoke", headers=FORM, data={"token": tokens["access_token"]} | auth
            )
            assert r.status_code == 200 and cats(tokens["access_token"]) == 401
            renewed = token(
                grant_type="refresh_token", refresh_token=tokens["refresh_token"], **auth
            )
            assert renewed.status_code == 200, renewed.text
            tokens = renewed.json()
            assert cats(tokens["access_token"]) == 200
            unspent, unspent_verifier = code()

        # Two hours later: the access token and the unspent code have expired; the refresh
        # token still renews.
        server.stop()
        with clock(NOW + timedelta(hours=2)):
            server.start()
        with httpx.Client(base_url=server.url, timeout=15) as http:
            assert cats(tokens["access_token"]) == 401
            late = grant(unspent, unspent_verifier)
            assert late.json() == {
                "error": "invalid_grant",
                "error_description": "the authorization code has expired",
            }
            renewed = token(
                grant_type="refresh_token", refresh_token=tokens["refresh_token"], **auth
            )
            assert renewed.status_code == 200, renewed.text
            tokens = renewed.json()
            assert cats(tokens["access_token"]) == 200

        # A month later the refresh token has expired too.
        server.stop()
        with clock(NOW + timedelta(days=31)):
            server.start()
        with httpx.Client(base_url=server.url, timeout=15) as http:
            old = token(grant_type="refresh_token", refresh_token=tokens["refresh_token"], **auth)
            assert old.status_code == 400
            assert old.json() == {
                "error": "invalid_grant",
                "error_description": "the refresh token has expired",
            }
    finally:
        server.stop()
