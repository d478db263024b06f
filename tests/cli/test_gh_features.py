"""What a gh user expects (issue 19): `purrr status`, `purrr help TOPIC`, `-h`, "did you mean",
driven through the real `purrr` in a subprocess with the clock pinned per command."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from purrr_cli.errors import EXIT_CODES
from tests.cli.user import Purrr, ok_json, run_in_process, run_purrr, user_env

pytest.importorskip("purrr_server.app")

ROOT = Path(__file__).resolve().parents[2]
EVENING = "2026-11-23T20:00:00+00:00"


@pytest.fixture(scope="module")
def home_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return user_env(tmp_path_factory.mktemp("gh-home"), PURRR_QUEST_TIMEZONE="UTC")


@pytest.fixture(scope="module")
def purrr(home_env: dict[str, str]) -> Purrr:
    def run(*args: str, now: str = EVENING) -> subprocess.CompletedProcess[str]:
        return run_purrr(home_env, *args, PURRR_NOW=now)

    return run


@pytest.fixture(scope="module")
def setup(home_env: dict[str, str]) -> Purrr:
    """The same user's commands run in this process, for set-up the test is not about."""

    def run(*args: str, now: str = EVENING) -> subprocess.CompletedProcess[str]:
        return run_in_process(home_env, *args, PURRR_NOW=now)

    return run


def test_status_overview(purrr: Purrr, setup: Purrr) -> None:
    empty = purrr("status")
    assert empty.returncode == 0 and "No cats yet" in empty.stdout
    for name, sex in (("Tom", "male"), ("Luna", "female"), ("Sly", "male")):
        ok_json(setup("cats", "adopt", name, "-p", "curious", "--sex", sex, "--json"))
    assert setup("cats", "feed", "Tom").returncode == 0
    breeding = ok_json(setup("breed", "start", "Tom", "Luna", "--json"))
    deployed = setup("nightwatch", "deploy", "Sly", now="2026-11-23T22:00:00+00:00")
    assert deployed.returncode == 0, deployed.stderr

    night = "2026-11-24T03:00:00+00:00"
    data = ok_json(purrr("status", "--json", now=night))
    assert data["user"] == "local" and data["coins"] == 1000 and data["cats"] == 3
    cats_xp = sum(c["experience"] for c in ok_json(purrr("cats", "list", "--json", now=night)))
    assert data["player_level"] == 1 and data["player_xp"] == cats_xp > 0
    assert data["player_xp_to_next"] == 1000 - data["player_xp"]
    assert data["server"]["kind"] == "in-process"
    needy = {cat["name"]: cat for cat in data["needing_care"]}
    assert set(needy) == {"Tom", "Luna", "Sly"}
    # Tom was never fed since adoption: hungry (a low-stat need) and 7 h past a treat.
    assert (
        needy["Tom"]["needs"] == ["feed", "treat"] and needy["Tom"]["hours_since"]["treat"] == 7.0
    )
    assert data["patrol"]["status"] == "active" and data["patrol"]["cats"] == ["Sly"]
    assert [b["id"] for b in data["breedings"]] == [breeding["breeding_id"]]
    assert "first_meal" in [q["id"] for q in data["claimable_quests"]]
    assert data["night_window"]["open"] is True
    assert data["sync"] == {"linked": False}

    shown = purrr("status", now=night)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "3 of 3 cats need care" in text and "purrr cats feed 1" in text
    assert f"Patrol #{data['patrol']['id']}" in text
    assert f"purrr breed status {breeding['breeding_id']}" in text
    assert "purrr quests claim first_meal" in text
    assert f"player level 1 ({data['player_xp']} XP, " in text.splitlines()[0]
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
        "user", "player_level", "player_xp", "player_xp_to_next", "server", "coins", "crypto",
        "cats", "needing_care", "patrol", "night_window", "breedings", "claimable_quests",
        "open_alerts", "sync",
    }  # fmt: skip


def test_care_actions_print_one_line_summaries(purrr: Purrr, setup: Purrr) -> None:
    ok_json(setup("cats", "adopt", "Summer", "-p", "lazy", "--json"))
    fed = purrr("cats", "feed", "Summer", "--food", "salmon")
    assert fed.returncode == 0, fed.stderr
    line = fed.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"Fed Summer: .*satiation \+\d+.*\(\+\d+ XP\)", line), line
    assert "action\tfeed" in fed.stdout  # piped: the result rows stay the data
    later = purrr("cats", "pet", "Summer", now="2026-11-25T20:00:00+00:00")
    assert "Petted Summer" in later.stderr and "next: purrr cats" in later.stderr
    as_json = purrr("cats", "pet", "Summer", "--json")
    assert json.loads(as_json.stdout)["action"] == "pet" and "Petted" not in as_json.stderr


def test_wallet_charges_withdrawals_and_cancel(purrr: Purrr) -> None:
    charge = ok_json(purrr("wallet", "deposit", "--currency", "USDC", "--usd", "3", "--json"))
    pending = ok_json(purrr("wallet", "charges", "--pending", "--json"))
    assert charge["charge_id"] in [c["charge_id"] for c in pending]
    ok_json(purrr("wallet", "confirm", charge["charge_id"], "--json"))
    assert purrr("wallet", "charges", "--pending", "--json").stdout.strip() == "[]"
    address = "0x52908400098527886E0F7030069857D2E4169EE7"
    made = ok_json(
        purrr(
            "wallet", "withdraw", "--currency", "USDC", "--amount", "1", "--address", address,
            "--json",
        )
    )  # fmt: skip
    number = made["withdrawal"]["id"]
    listed = ok_json(purrr("wallet", "withdrawals", "--json"))
    assert [(w["id"], w["status"]) for w in listed] == [(number, "pending")]
    cancelled = purrr("wallet", "cancel", str(number), "--json")
    assert json.loads(cancelled.stdout)["withdrawal"]["status"] == "cancelled"
    assert ok_json(purrr("wallet", "balance", "--json"))["locked"]["USDC"] == "0.00000000"
    assert purrr("wallet", "cancel", str(number + 100)).returncode == 3


def test_pedigree_and_export(purrr: Purrr, setup: Purrr, tmp_path: Path) -> None:
    # Its own cat: under xdist this test may run in a process where no other test of this
    # module adopted any.
    ok_json(setup("cats", "adopt", "Pedro", "-p", "curious", "--sex", "male", "--json"))
    tree = ok_json(purrr("cats", "pedigree", "Pedro", "--json"))
    assert tree["cats"][0]["name"] == "Pedro" and tree["coi_fraction"] == "0"
    shown = purrr("cats", "pedigree", "Pedro")
    assert "COI 0" in shown.stderr and shown.stdout.startswith(f"{tree['cat_id']}\tPedro")
    export = ok_json(purrr("account", "export"))
    assert "cats" in export["tables"]
    target = tmp_path / "export.json"
    assert purrr("account", "export", "--output", str(target)).returncode == 0
    assert json.loads(target.read_text())["tables"].keys() == export["tables"].keys()
    refused = purrr("account", "delete", "--yes")
    assert refused.returncode == 4 and "local player" in refused.stderr
    assert purrr("account", "delete").returncode == 2  # no terminal, no --yes


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_register_on_a_hosted_server(tmp_path: Path) -> None:
    import time

    env = user_env(tmp_path, PURRR_NOW="2026-03-01T12:00:00Z")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "purrr_cli", "server", "run", "--hosted", "--port", str(port)],
        env={**env, "PURRR_ARGON2_TIME_COST": "1", "PURRR_ARGON2_MEMORY_KIB": "64"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while run_purrr(env, "api", "GET", "/health/live", "--server", url).returncode != 0:
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.5)
        no_tty = run_purrr(
            env, "auth", "register", "-u", "alice", "--email", "a@x.org", "--server", url
        )
        assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
        made = run_purrr(
            env, "auth", "register", "-u", "alice", "--email", "a@x.org", "--password-stdin",
            "--server", url, "--json", stdin="s3cret-pass\n",
        )  # fmt: skip
        assert ok_json(made)["username"] == "alice"
        status = ok_json(run_purrr(env, "auth", "status", "--server", url, "--json"))
        assert status["user"] == "alice" and status["credential"] == "token"
        bad = run_purrr(
            env, "auth", "register", "-u", "bob", "--email", "nope", "--password-stdin",
            "--server", url, stdin="s3cret-pass\n",
        )  # fmt: skip
        assert bad.returncode == 1 and "--email" in bad.stderr
        gone = run_purrr(env, "account", "delete", "--yes", "--server", url)
        assert gone.returncode == 0, gone.stderr
        assert run_purrr(env, "auth", "status", "--server", url).returncode == 4
    finally:
        server.terminate()
        server.wait(timeout=30)


def _complete(purrr: Purrr, line: str) -> list[str]:
    words = line.split(" ")
    done = purrr(_PURRR_COMPLETE="complete_bash", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1))
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_live_completion_of_cats_and_ids(tmp_path: Path) -> None:
    env = user_env(tmp_path, PURRR_NOW="2026-11-23T20:00:00+00:00")

    def purrr(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return run_purrr(env, *args, **settings)

    def setup(*args: str) -> subprocess.CompletedProcess[str]:
        return run_in_process(env, *args)

    tom = ok_json(setup("cats", "adopt", "Tom", "-p", "lazy", "--sex", "male", "--json"))
    ok_json(setup("cats", "adopt", "Tabby", "-p", "lazy", "--sex", "female", "--json"))
    ok_json(setup("cats", "adopt", "42", "-p", "lazy", "--json"))
    assert _complete(purrr, "purrr cats feed T") == ["Tom", "Tabby"]
    assert _complete(purrr, "purrr cats feed na") == ["name:42"]
    assert _complete(purrr, f"purrr cats show {tom['id']}") == [str(tom["id"])]
    assert "Tabby" in _complete(purrr, "purrr breed start Tom T")
    assert "Tom" in _complete(purrr, "purrr games play ball_toss --cat T")
    breeding = ok_json(setup("breed", "start", "Tom", "Tabby", "--json"))
    assert _complete(purrr, "purrr breed status ") == [str(breeding["breeding_id"])]
    assert "first_meal" in _complete(purrr, "purrr quests claim first")
    ok_json(setup("keys", "create", "ci", "--json"))
    assert _complete(purrr, "purrr keys revoke ") == ["1"]
    assert _complete(purrr, "purrr wallet cancel ") == []


def test_quiet_drops_messages_not_errors(purrr: Purrr, setup: Purrr) -> None:
    ok_json(setup("cats", "adopt", "Hush", "-p", "lazy", "--json"))
    loud = purrr("cats", "pet", "Hush")
    quiet = purrr("-q", "cats", "pet", "Hush")
    assert "Petted Hush" in loud.stderr and quiet.stderr == ""
    assert quiet.stdout.splitlines()[0] == loud.stdout.splitlines()[0] == "action\tpet"
    missing = purrr("cats", "show", "Nobody", "--quiet")
    assert missing.returncode == 3 and "no cat named" in missing.stderr


def test_nightwatch_watch_follows_the_patrol(tmp_path: Path) -> None:
    env = user_env(tmp_path)
    night = "2026-11-23T23:00:00+00:00"
    ok_json(run_in_process(env, "cats", "adopt", "Sly", "-p", "aloof", "--json", PURRR_NOW=night))
    idle = run_purrr(env, "nightwatch", "watch", PURRR_NOW=night)
    assert idle.returncode == 5 and "no patrol is under way" in idle.stderr
    deployed = run_purrr(env, "nightwatch", "deploy", "Sly", PURRR_NOW="2026-11-23T22:00:00Z")
    assert deployed.returncode == 0, deployed.stderr
    watcher = subprocess.Popen(
        [sys.executable, "-m", "purrr_cli", "nightwatch", "watch", "--json", "-i", "1"],
        env={**env, "PURRR_NOW": night},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout is not None
        first = json.loads(watcher.stdout.readline())
        assert first["kind"] == "deployed" and "Sly" in first["message"]
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)


def test_nightwatch_watch_stops_when_the_patrol_ends(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process with a scripted server: the game clock of a real one is pinned in tests."""
    event = {"at": "2026-11-23T22:00:00Z", "kind": "deployed", "message": "Deployed Sly."}
    later = {"at": "2026-11-24T06:00:00Z", "kind": "ended", "message": "Home safe."}
    patrol = {"id": 4, "status": "active", "ticks_done": 1, "events": [event], "summary": {}}
    answers = iter(
        [
            {"active": True, "patrol": patrol},
            {"active": False, "patrol": {**patrol, "status": "completed", "ticks_done": 16,
                                          "events": [event, later]}},
        ]
    )  # fmt: skip

    class Scripted:
        def get(self, path: str) -> Any:
            assert path == "night-watch/status"
            return next(answers)

    monkeypatch.setattr("purrr_cli.commands.nightwatch.connect", lambda: Scripted())
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    result = cli("nightwatch", "watch")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["22:00  Deployed Sly.", "06:00  Home safe."]
    assert "Patrol #4 completed after 16 tick(s)" in result.err


def test_events_list_and_follow(tmp_path: Path) -> None:
    env = user_env(tmp_path, PURRR_NOW="2026-03-01T12:00:00Z")
    ok_json(run_in_process(env, "cats", "adopt", "First", "-p", "lazy", "--json"))
    events = ok_json(run_purrr(env, "events", "--json"))
    names = [e["payload"].get("name") for e in events if e["type"] == "action.applied"]
    assert names == ["cats.adopt"]
    last = events[-1]["version"]
    assert ok_json(run_purrr(env, "events", "--since", str(last), "--json")) == []
    rows = run_purrr(env, "events").stdout.splitlines()
    assert any("name=cats.adopt" in row for row in rows)
    follower = subprocess.Popen(
        [sys.executable, "-m", "purrr_cli", "events", "-f", "--json", "-i", "0.2",
         "--since", str(last)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        ok_json(run_in_process(env, "cats", "adopt", "Second", "-p", "lazy", "--json"))
        assert follower.stdout is not None
        seen = json.loads(follower.stdout.readline())
        assert seen["version"] > last and seen["payload"].get("name") == "cats.adopt"
    finally:
        follower.terminate()
        follower.wait(timeout=30)


def test_readable_show_and_insights(tmp_path: Path) -> None:
    env = user_env(tmp_path, PURRR_NOW="2026-03-01T15:00:00Z")
    cat = ok_json(run_in_process(env, "cats", "adopt", "Reader", "-p", "playful", "--json"))
    for args in (("feed", "Reader", "--food", "salmon"), ("pet", "Reader"), ("pet", "Reader")):
        assert run_in_process(env, "cats", *args).returncode == 0
    shown = dict(
        line.split("\t", 1) for line in run_purrr(env, "cats", "show", "Reader").stdout.splitlines()
    )
    assert shown["phenotype.name"] == cat["phenotype"]["name"]
    assert shown["care.care_band"] and shown["level_progress.xp_for_next"].isdigit()
    lines = run_purrr(env, "cats", "insights", "Reader").stdout.splitlines()
    assert lines[0] == "Reader (playful, 3 interactions, confidence " + lines[0].split()[-1]
    assert lines[2].startswith("Activities: petting +") and "(2×)" in lines[2]
    assert lines[3].startswith("Foods: salmon +") and "\x1b" not in "".join(lines)
    data = ok_json(run_purrr(env, "cats", "insights", "Reader", "--json"))
    assert data["interactions"] == 3 and data["summary"] == lines[1]


def test_long_tables_go_through_the_pager_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty

    env = user_env(tmp_path, PURRR_NOW="2026-03-01T12:00:00Z")
    adopt = (
        "from purrr_cli.client import Client\n"
        "with Client() as c:\n"
        "    for i in range(1, 16):\n"
        "        c.post('cats', {'name': f'Paged{i}', 'personality_type': 'lazy'})\n"
    )
    made = subprocess.run([sys.executable, "-c", adopt], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    paged = tmp_path / "paged.txt"
    settings = {"PAGER": f"cat > {paged}", "LINES": "10", "COLUMNS": "120", "TERM": "dumb"}
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "purrr_cli", "cats", "list"],
            env={**env, **settings},
            stdin=terminal,
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 0, done.stderr
    text = paged.read_text()
    assert all(f"Paged{i}" in text for i in range(1, 16))
    piped = run_purrr(env, "cats", "list", **settings)  # not a terminal: rows, no pager
    assert len(piped.stdout.splitlines()) == 15
