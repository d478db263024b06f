"""Platform pieces on their own: config and secrets, colour rules, --jq subset, client retries."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import httpx
import pytest

from purrr_cli import config, output
from purrr_cli.client import Client, ServerChoice, choose_server
from purrr_cli.errors import UnreachableError, UsageError
from purrr_cli.jq import evaluate
from tests.cli.conftest import HOSTED_URL, Recorder, login

ROOT = Path(__file__).resolve().parents[2]


def test_config_keys_match_the_example_file() -> None:
    example = json.loads((ROOT / "config.example.json").read_text())
    assert {k for k in example if not k.startswith("_")} == set(config.DEFAULTS)


def test_config_set_get_unset_and_list(cli, isolated: Path) -> None:
    assert cli("config", "set", "request_timeout", "2.5").code == 0
    assert cli("config", "get", "request_timeout").out == "2.5\n"
    assert json.loads((isolated / "config" / "config.json").read_text()) == {"request_timeout": 2.5}
    assert json.loads(cli("config", "list", "--json").out)["request_timeout"] == 2.5
    assert cli("config", "unset", "request_timeout").code == 0
    assert cli("config", "get", "request_timeout").out == "10.0\n"
    assert cli("config", "path").out.strip() == str(isolated / "config" / "config.json")


def test_config_rejects_unknown_keys_and_bad_values(cli) -> None:
    result = cli("config", "set", "colour", "x")
    assert result.code == 2 and "color_output" in result.err
    assert cli("config", "set", "color_output", "sometimes").code == 2
    assert cli("config", "set", "daemon_port", "eighty").code == 2


def test_secret_fallback_file_is_private_and_warns_once(isolated: Path, capsys) -> None:
    config.set_secret("token:https://x", "s3cret")
    config.set_secret("api_key:https://x", "pk_abc")
    path = isolated / "config" / "secrets.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert capsys.readouterr().err.count("warning: no working OS keyring") == 1
    assert config.get_secret("token:https://x") == "s3cret"
    assert config.delete_secret("token:https://x") is True
    assert config.get_secret("token:https://x") is None


def test_config_list_never_shows_secrets(cli) -> None:
    config.set_secret("token:https://x", "s3cret")
    assert "s3cret" not in cli("config", "list").out + cli("config", "list", "--json").out


def test_auth_login_with_token_stores_it_and_status_hides_it(
    hosted_server: Recorder, cli, monkeypatch
) -> None:
    import io

    token = login(hosted_server)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{token}\n"))
    result = cli("auth", "login", "--with-token", "--server", HOSTED_URL)
    assert result.code == 0, result.err
    assert config.get_secret(f"token:{HOSTED_URL}") == token
    status = cli("auth", "status", "--server", HOSTED_URL, "--json")
    assert status.code == 0, status.err
    assert token not in status.out
    assert json.loads(status.out)["credential"] == "token"


def test_auth_login_without_terminal_or_token_names_with_token(cli) -> None:
    result = cli("auth", "login", "--server", "http://purrr.test")
    assert result.code == 2 and "--with-token" in result.err


@pytest.mark.parametrize(
    ("env", "no_color", "tty", "expected"),
    [
        ({}, False, True, True),
        ({}, False, False, False),
        ({"NO_COLOR": "1"}, False, True, False),
        ({"TERM": "dumb"}, False, True, False),
        ({}, True, True, False),
    ],
)
def test_colour_rules(monkeypatch, env, no_color, tty, expected) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(output, "is_terminal", lambda stream: tty)
    output.options.no_color = no_color
    assert output.color_enabled() is expected


@pytest.mark.parametrize(
    ("expr", "data", "expected"),
    [
        (".", {"a": 1}, [{"a": 1}]),
        (".a.b", {"a": {"b": 2}}, [2]),
        (".[1]", [5, 6], [6]),
        (".[]", [1, 2], [1, 2]),
        ("map(.x) | add", [{"x": 1}, {"x": 2}], [3]),
        ("length", [1, 2, 3], [3]),
        ('.[] | select(.n != "a") | .n', [{"n": "a"}, {"n": "b"}], ["b"]),
        ("{id, n: .name}", {"id": 1, "name": "M"}, [{"id": 1, "n": "M"}]),
        (".missing?", {"a": 1}, [None]),
        ("[.[] | .a] | first", [{"a": 7}], [7]),
        (".x == 1 or .y", {"x": 2, "y": True}, [True]),
    ],
)
def test_jq_expressions(expr, data, expected) -> None:
    assert evaluate(expr, data) == expected


@pytest.mark.parametrize("expr", [".[", "frobnicate", '.a | error("boom")'])
def test_bad_jq_expressions_are_usage_errors_naming_the_expression(expr) -> None:
    with pytest.raises(UsageError, match="jq expression"):
        evaluate(expr, {"a": 1})


def test_server_precedence(monkeypatch, isolated: Path) -> None:
    assert choose_server().kind == "in-process"
    config.set_value("server_url", "http://from-config")
    assert choose_server().source == "config server_url"
    monkeypatch.setenv("PURRR_SERVER", "http://from-env")
    assert choose_server().url == "http://from-env"
    assert choose_server("http://flag/").url == "http://flag"


def _flaky(fail_times: int, seen: list[httpx.Request]) -> httpx.MockTransport:
    """Applies every request, but drops the first responses as if the connection broke."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= fail_times:
            raise httpx.RemoteProtocolError("connection dropped", request=request)
        return httpx.Response(200, json={"success": True, "data": {"ok": True}, "meta": {}})

    return httpx.MockTransport(handler)


def test_write_is_retried_once_with_the_same_idempotency_key() -> None:
    seen: list[httpx.Request] = []
    client = Client(transport=_flaky(1, seen))
    assert client.post("cats/1/feed", {"food_item": "salmon"}) == {"ok": True}
    assert len(seen) == 2
    assert seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]


def test_unreachable_after_the_retry() -> None:
    seen: list[httpx.Request] = []
    client = Client(transport=_flaky(5, seen))
    with pytest.raises(UnreachableError):
        client.get("cats")
    assert len(seen) == 2


def test_unreachable_server_exits_7(cli) -> None:
    result = cli("cats", "list", "--server", "http://127.0.0.1:9")
    assert result.code == 7
    assert "cannot reach" in result.err


def test_server_choice_describes_itself() -> None:
    assert "daemon" in ServerChoice("daemon", "/x/purrr.sock", "daemon").describe()
    assert "PURRR_SERVER" in ServerChoice("remote", "http://h", "PURRR_SERVER").describe()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["--server", "http://h", "cats", "list"], ["cats", "list", "--server", "http://h"]),
        (
            ["--no-color", "--server=http://h", "cats", "show", "1"],
            ["cats", "show", "1", "--no-color", "--server=http://h"],
        ),
        (["cats", "list", "--server", "http://h"], ["cats", "list", "--server", "http://h"]),
        (["--server", "http://h"], ["--server", "http://h"]),
    ],
)
def test_global_options_before_the_command_are_moved_after_it(given, expected) -> None:
    from purrr_cli.app import hoist_global_options

    assert hoist_global_options(given) == expected


@pytest.mark.parametrize(
    ("key", "raw", "hint"),
    [("default_cat_id", "abc", "whole number"), ("request_timeout", "soon", "a number")],
)
def test_config_numbers_are_checked_in_plain_words(cli, key, raw, hint) -> None:
    done = cli("config", "set", key, raw)
    assert done.code == 2 and f"'{raw}'" in done.err and hint in done.err
