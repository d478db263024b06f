"""What a gh user expects (issue 19): `purrr status`, `purrr help TOPIC`, `-h`, "did you mean",
driven through the real `purrr` in a subprocess with the clock pinned per command."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from purrr_cli.errors import EXIT_CODES
from tests.cli.user import Purrr, ok_json, run_purrr, user_env

pytest.importorskip("purrr_server.app")

ROOT = Path(__file__).resolve().parents[2]
EVENING = "2026-11-23T20:00:00+00:00"


@pytest.fixture(scope="module")
def purrr(tmp_path_factory: pytest.TempPathFactory) -> Purrr:
    env = user_env(tmp_path_factory.mktemp("gh-home"), PURRR_QUEST_TIMEZONE="UTC")

    def run(*args: str, now: str = EVENING) -> subprocess.CompletedProcess[str]:
        return run_purrr(env, *args, PURRR_NOW=now)

    return run


def test_status_overview(purrr: Purrr) -> None:
    empty = purrr("status")
    assert empty.returncode == 0 and "No cats yet" in empty.stdout
    for name, sex in (("Tom", "male"), ("Luna", "female"), ("Sly", "male")):
        ok_json(purrr("cats", "adopt", name, "-p", "curious", "--sex", sex, "--json"))
    assert purrr("cats", "feed", "Tom").returncode == 0
    breeding = ok_json(purrr("breed", "start", "Tom", "Luna", "--json"))
    deployed = purrr("nightwatch", "deploy", "Sly", now="2026-11-23T22:00:00+00:00")
    assert deployed.returncode == 0, deployed.stderr

    night = "2026-11-24T03:00:00+00:00"
    data = ok_json(purrr("status", "--json", now=night))
    assert data["user"] == "local" and data["coins"] == 1000 and data["cats"] == 3
    assert data["server"]["kind"] == "in-process"
    needy = {cat["name"]: cat for cat in data["needing_care"]}
    assert set(needy) == {"Tom", "Luna", "Sly"}
    assert needy["Tom"]["needs"] == ["treat"] and needy["Tom"]["hours_since"]["treat"] == 7.0
    assert data["patrol"]["status"] == "active" and data["patrol"]["cats"] == ["Sly"]
    assert [b["id"] for b in data["breedings"]] == [breeding["breeding_id"]]
    assert "first_meal" in [q["id"] for q in data["claimable_quests"]]
    assert data["night_window"]["open"] is True
    assert data["sync"] == {"linked": False}

    shown = purrr("status", now=night)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "3 of 3 cats need care" in text and "purrr cats treat" in text
    assert f"Patrol #{data['patrol']['id']}" in text
    assert f"purrr breed status {breeding['breeding_id']}" in text
    assert "purrr quests claim first_meal" in text
    assert "\x1b" not in text
    assert purrr("status", "--jq", ".patrol.cats[0]", now=night).stdout == "Sly\n"


def test_help_topics(purrr: Purrr) -> None:
    codes = purrr("help", "exit-codes")
    assert codes.returncode == 0
    for code in EXIT_CODES:
        assert re.search(rf"^{code}\s", codes.stdout, re.M), code
    as_json = ok_json(purrr("help", "exit-codes", "--json"))
    assert [row["code"] for row in as_json] == list(EXIT_CODES)
    env = purrr("help", "environment").stdout
    for name in ("PURRR_SERVER", "PURRR_DATA_DIR", "PURRR_NOW", "NO_COLOR", "PURRR_DEBUG"):
        assert name in env
    assert "--jq" in purrr("help", "json").stdout
    command = purrr("help", "cats", "feed")
    assert command.returncode == 0 and "--food" in command.stdout
    unknown = purrr("help", "nope")
    assert unknown.returncode == 2 and "exit-codes" in unknown.stderr


def test_short_help_and_did_you_mean(purrr: Purrr) -> None:
    short = purrr("-h")
    assert short.returncode == 0 and "purrr help exit-codes" in short.stdout
    assert "--server" in short.stdout and "--version" in short.stdout
    assert purrr("cats", "feed", "-h").returncode == 0
    typo = purrr("catz", "list")
    assert typo.returncode == 2 and "Did you mean 'cats'" in typo.stderr
    before = purrr("--server", "http://127.0.0.1:9", "--help")
    assert before.returncode == 0 and "Usage" in before.stdout


def test_docs_list_every_exit_code() -> None:
    text = (ROOT / "docs" / "scripting.md").read_text()
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", text, re.M)}
    assert documented == set(EXIT_CODES)


def test_docs_list_every_environment_variable() -> None:
    from purrr_cli.commands.help import ENVIRONMENT

    text = (ROOT / "docs" / "config.md").read_text()
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in text]
    assert not missing


def test_status_json_is_an_object_with_these_keys(purrr: Purrr) -> None:
    keys = set(json.loads(purrr("status", "--json").stdout))
    assert keys == {
        "user", "server", "coins", "crypto", "cats", "needing_care", "patrol", "night_window",
        "breedings", "claimable_quests", "open_alerts", "sync",
    }  # fmt: skip
