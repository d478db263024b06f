"""`purrr server oauth-client …`: the operator manages OAuth2 clients on a data directory."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.user import Purrr, ok_json, run_purrr, user_env

pytest.importorskip("purrr_server.app")


@pytest.fixture
def purrr(tmp_path: Path) -> Purrr:
    env = user_env(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_purrr(env, *args)

    return run


def test_an_operator_adds_lists_and_retires_clients(purrr: Purrr, tmp_path: Path) -> None:
    where = ("--data-dir", str(tmp_path / "hosted"))
    added = purrr(
        "server", "oauth-client", "add", "Cat Tracker",
        "--redirect-uri", "https://tracker.example/cb", "--scope", "read", *where, "--json",
    )  # fmt: skip
    assert "shown only once" in added.stderr
    client = ok_json(added)
    assert client["client_secret"].startswith("pcs_") and client["scopes"] == ["read"]
    public = ok_json(
        purrr(
            "server",
            "oauth-client",
            "add",
            "Phone",
            "--public",
            "--redirect-uri",
            "com.example.app:/cb",
            *where,
            "--json",
        )  # fmt: skip
    )
    assert public["client_secret"] is None and public["type"] == "public"

    listed = ok_json(purrr("server", "oauth-client", "list", *where, "--json"))
    assert [c["name"] for c in listed] == ["Cat Tracker", "Phone"]
    assert client["client_secret"] not in json.dumps(listed)

    unknown = purrr("server", "oauth-client", "add", "Bot", "--owner", "nobody", *where)
    assert unknown.returncode == 3 and "no account named 'nobody'" in unknown.stderr
    no_target = purrr("server", "oauth-client", "add", "Lost", *where)
    assert no_target.returncode == 1 and "redirect URI" in no_target.stderr
    bad_uri = purrr(
        "server", "oauth-client", "add", "Lax", "--redirect-uri", "http://evil.example/cb", *where
    )
    assert bad_uri.returncode == 1 and "loopback" in bad_uri.stderr

    removed = purrr("server", "oauth-client", "remove", client["client_id"], "--yes", *where)
    assert removed.returncode == 0 and "Retired" in removed.stderr
    again = purrr("server", "oauth-client", "remove", client["client_id"], "--yes", *where)
    assert again.returncode == 3
    listed = ok_json(purrr("server", "oauth-client", "list", *where, "--json"))
    assert [c["name"] for c in listed] == ["Phone"]
