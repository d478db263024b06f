"""The real `purrr` CLI (subprocesses, temporary config and data dirs) against a hosted remote
process on loopback: backup and restore, and linking that never loses a game silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.user import run_in_process
from tests.sync.servers import Api, ServerProcess, device_env, hosted_remote, purrr, register


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[ServerProcess]:
    yield from hosted_remote(tmp_path, PURRR_ALLOW_GAME_UPLOADS="1")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Any]:
    return {"config_dir": tmp_path / "config", "data_dir": tmp_path / "game"}


def ok(*args: str, **env: Any) -> str:
    done = purrr(*args, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def at_terminal(*args: str, answer: str, **env: Any) -> subprocess.CompletedProcess[str]:
    """`purrr` with a terminal on stdin (so it may ask), answering `answer`."""
    environment = device_env(env["config_dir"], env["data_dir"])
    master, terminal = os.openpty()
    try:
        os.write(master, answer.encode() + b"\n")
        return subprocess.run(
            [sys.executable, "-m", "purrr_cli", *args],
            env=environment,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.close(terminal)
        os.close(master)


def set_up(*args: str, **env: Any) -> str:
    """`purrr ARGS` run in this process, for set-up the test is not about (a game not linked)."""
    done = run_in_process(device_env(env["config_dir"], env["data_dir"]), *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def adopt(name: str, **env: Any) -> dict[str, Any]:
    return dict(json.loads(set_up("cats", "adopt", name, "--personality", "lazy", "--json", **env)))


def history(cat: str, **env: Any) -> list[str]:
    return [entry["name"] for entry in json.loads(ok("cats", "history", cat, "--json", **env))]


def test_backup_and_restore_round_trip_and_refusals(tmp_path: Path, env: dict[str, Any]) -> None:
    adopt("Mia", **env)
    set_up("cats", "feed", "Mia", "--food", "salmon", **env)
    file = tmp_path / "save.json"
    written = json.loads(ok("backup", str(file), "--json", **env))
    assert written["path"] == str(file) and written["rows"]["cats"] == 1
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    default = json.loads(ok("backup", "--json", **env))
    assert Path(default["path"]).parent == env["data_dir"] / "backups"
    adopt("Tom", **env)

    asked = purrr("restore", str(file), **env)
    assert asked.returncode == 2 and "pass --yes" in asked.stderr
    restored = json.loads(ok("restore", str(file), "--yes", "--json", **env))
    assert restored["restored"]["cats"] == 1 and restored["history"] >= 2
    assert Path(restored["previous"]["path"]).exists()  # the game with Tom
    assert [c["name"] for c in json.loads(ok("cats", "list", "--json", **env))] == ["Mia"]
    assert "cats.feed" in history("Mia", **env)

    (tmp_path / "notes.txt").write_text("remember to feed Mia")
    (tmp_path / "other.json").write_text('{"cats": [1, 2]}')
    for bad, code, words in [
        ("notes.txt", 2, "is not a purrr backup (not JSON"),
        ("missing.json", 2, "cannot read"),
        ("other.json", 1, "not a restorable purrr backup: expected a JSON object with `tables`"),
    ]:
        refused = purrr("restore", str(tmp_path / bad), "--yes", **env)
        assert refused.returncode == code, refused.stderr
        assert words in refused.stderr and "Traceback" not in refused.stderr
    assert [c["name"] for c in json.loads(ok("cats", "list", "--json", **env))] == ["Mia"]


def test_link_onto_an_empty_account_uploads_without_asking(
    remote: ServerProcess, env: dict[str, Any]
) -> None:
    key = register(remote.url)
    register(remote.url, "neighbour")  # ids on the remote are shared with other accounts
    neighbour = Api(remote.url, {"X-API-Key": register(remote.url, "other")})
    for name in ("N1", "N2", "N3"):
        neighbour.adopt(name)
    adopt("Tram", **env)
    set_up("cats", "feed", "Tram", "--food", "salmon", **env)
    set_up("cats", "pet", "Tram", **env)
    before = history("Tram", **env)
    linked = purrr("remote", "link", remote.url, "--api-key", "-", stdin=key, **env)
    assert linked.returncode == 0, linked.stderr
    assert "this game was uploaded (1 cat" in linked.stderr
    api = Api(remote.url, {"X-API-Key": key})
    [web] = api.ok("GET", "cats")
    assert web["name"] == "Tram" and web["id"] > 3
    local = json.loads(ok("cats", "list", "--json", **env))
    assert [(c["id"], c["name"]) for c in local] == [(web["id"], "Tram")]
    assert history("Tram", **env) == before  # the history moved with its cat
    done = purrr("sync", **env)
    assert done.returncode == 0, done.stderr
    status = json.loads(ok("sync", "status", "--json", **env))
    assert status["agreement"]["agreed"] is True and status["pending"] == 0
    assert status["protocol"]["remote"] == {"version": 1, "min": 1, "max": 1}


def test_link_between_two_games_makes_the_player_choose(
    remote: ServerProcess, env: dict[str, Any]
) -> None:
    key = register(remote.url)
    api = Api(remote.url, {"X-API-Key": key})
    web = api.adopt("WebCat")
    mine = adopt("OfflineCat", **env)
    set_up("cats", "feed", "OfflineCat", "--food", "salmon", **env)
    assert mine["id"] == web["id"]  # two databases: one id, two cats

    refused = purrr("remote", "link", remote.url, "--api-key", key, **env)
    assert refused.returncode == 2
    assert "--keep remote" in refused.stderr and "--keep local" in refused.stderr
    assert "1 cat" in refused.stderr
    folder = str(env["data_dir"] / "backups")
    assert f"backed up to a file in {folder}" in refused.stderr, refused.stderr
    assert [c["name"] for c in json.loads(ok("cats", "list", "--json", **env))] == ["OfflineCat"]
    wrong = purrr("remote", "link", remote.url, "--api-key", key, "--keep", "both", **env)
    assert wrong.returncode == 2 and "--keep takes 'remote' or 'local'" in wrong.stderr

    cancelled = at_terminal("remote", "link", remote.url, "--api-key", key, answer="no", **env)
    assert cancelled.returncode != 0 and "nothing was changed" in cancelled.stderr
    assert [c["name"] for c in json.loads(ok("cats", "list", "--json", **env))] == ["OfflineCat"]
    linked = at_terminal("remote", "link", remote.url, "--api-key", key, answer="remote", **env)
    assert linked.returncode == 0, linked.stderr
    named = linked.stderr.split("after being backed up to ")[1].split(".json")[0] + ".json"
    saved = Path(linked.stderr.split("backed up in ")[1].split(".json")[0] + ".json")
    assert saved == Path(named) and saved.exists()  # the file the question named
    assert json.loads(saved.read_text())["tables"]["cats"][0]["name"] == "OfflineCat"
    assert [c["name"] for c in json.loads(ok("cats", "list", "--json", **env))] == ["WebCat"]
    assert history("WebCat", **env) == []  # OfflineCat's feeding stays with its own game
    ok("remote", "unlink", "--yes", **env)
    restored = json.loads(ok("restore", str(saved), "--yes", "--json", **env))
    assert restored["restored"]["cats"] == 1
    assert history("OfflineCat", **env)[-2:] == ["cats.feed", "cats.adopt"]
