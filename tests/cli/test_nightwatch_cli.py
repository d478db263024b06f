"""A whole night from the command line: the real command tree in this process (an in-process
server per command, tests/cli/conftest.py `purrr_in_process`), clock pinned per command."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.cli.user import Purrr, ok_json

pytest.importorskip("purrr_server.app")

EVENING = "2026-11-23T22:00:00+00:00"


@pytest.fixture
def purrr(purrr_in_process: Purrr) -> Purrr:
    """`purrr ARGS` in a fresh home with the in-process server; `now=` pins the clock."""

    def run(*args: str, now: str = EVENING) -> subprocess.CompletedProcess[str]:
        return purrr_in_process(*args, PURRR_NOW=now, TERM="dumb")

    return run


@pytest.fixture
def cats(purrr: Purrr) -> list[int]:
    ids = []
    for name, personality in (("Tom", "playful"), ("Sly", "curious"), ("Mo", "social_butterfly")):
        cat = ok_json(purrr("cats", "adopt", name, "--personality", personality, "--json"))
        ids.append(int(cat["id"]))  # type: ignore[index]
    return ids


def test_a_whole_night_from_the_cli(purrr: Purrr, cats: list[int]) -> None:
    ids = [str(i) for i in cats]
    early = purrr("nightwatch", "deploy", *ids, now="2026-11-23T20:59:00+00:00")
    assert early.returncode == 5
    assert "Night patrols can only be deployed between 21:00 and 06:00" in early.stderr
    unknown = purrr("nightwatch", "deploy", ids[0], "99")
    assert unknown.returncode == 3 and "99" in unknown.stderr

    patrol = ok_json(
        purrr(
            "nightwatch", "deploy", *ids, "--area", "park", "--role", f"{ids[2]}=healer", "--json"
        )
    )
    assert patrol["status"] == "active" and patrol["area"] == "park"  # type: ignore[index]
    busy = purrr("nightwatch", "deploy", ids[0], now="2026-11-23T22:10:00+00:00")
    assert busy.returncode == 5
    assert (
        f"patrol #{patrol['id']} is already under way with Tom, Sly, Mo (until 06:00); "  # type: ignore[index]
        "recall it with `purrr nightwatch recall` or wait for it to end"
    ) in " ".join(busy.stderr.split())

    midnight = ok_json(purrr("nightwatch", "status", "--json", now="2026-11-23T23:30:00+00:00"))
    assert midnight["active"] and midnight["patrol"]["ticks_done"] == 3  # type: ignore[index]

    morning = purrr("nightwatch", "status", now="2026-11-24T06:30:00+00:00")
    assert morning.returncode == 0, morning.stderr
    assert "completed" in morning.stdout and "patrol complete" in morning.stdout
    assert "Tom" in morning.stdout and "guardian" in morning.stdout

    stats = ok_json(purrr("nightwatch", "stats", "--json", now="2026-11-24T06:31:00+00:00"))
    assert stats["patrols"] == 1  # type: ignore[index]
    settled = ok_json(purrr("nightwatch", "status", "--json", now="2026-11-24T06:31:00+00:00"))
    earned = settled["patrol"]["summary"]["coins_earned"]  # type: ignore[index]
    assert earned > 0 and f"{earned} coins earned" in morning.stdout
    wallet = ok_json(purrr("wallet", "balance", "--json", now="2026-11-24T06:31:00+00:00"))
    assert wallet["coins"] == stats["coins"] == 1000 + earned  # type: ignore[index]
    assert f"coins {1000 + earned}" in morning.stdout
    history = ok_json(purrr("nightwatch", "history", "--json", now="2026-11-24T06:31:00+00:00"))
    assert [p["status"] for p in history] == ["completed"]  # type: ignore[union-attr,index]
    earned = ok_json(
        purrr(
            "nightwatch",
            "achievements",
            "--jq",
            "[.[] | select(.earned) | .id]",
            now="2026-11-24T06:31:00+00:00",
        )
    )
    assert "first_night_watch" in earned  # type: ignore[operator]


def test_zones_from_the_cli(purrr: Purrr, cats: list[int]) -> None:
    coins = ok_json(purrr("wallet", "balance", "--json"))["coins"]  # type: ignore[index]
    built = purrr(
        "nightwatch", "create-zone", "safe_haven", "Park Haven", "Central Park", "75", "--json"
    )
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["coins_left"] == coins - 300
    bad = purrr("nightwatch", "create-zone", "moat", "Moat", "Castle")
    assert bad.returncode == 1 and "unknown zone type 'moat'" in bad.stderr
    wide = purrr("nightwatch", "create-zone", "cat_condo", "Condo", "Yard", "300")
    assert wide.returncode == 1 and "25–200" in wide.stderr
    assert purrr("nightwatch", "create-zone", "cat_condo", "Condo", "Yard").returncode == 0
    poor = purrr("nightwatch", "create-zone", "cat_condo", "Condo 2", "Yard")
    assert poor.returncode == 5 and "not enough coins" in poor.stderr
    zones = purrr("nightwatch", "zones")
    assert zones.returncode == 0 and "Home Base" in zones.stdout and "Park Haven" in zones.stdout


def test_simulate_changes_nothing_and_repeats(purrr: Purrr, cats: list[int]) -> None:
    before = purrr("cats", "list", "--json")
    args = ("nightwatch", "simulate", *map(str, cats), "--nights", "20", "--seed", "5", "--json")
    first, second = purrr(*args), purrr(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    summary = json.loads(first.stdout)
    for field in (
        "encounters",
        "deterred",
        "strays_found",
        "strays_rescued",
        "by_role",
        "by_threat_level",
    ):
        assert field in summary
    assert summary["nights"] == 20
    assert purrr("cats", "list", "--json").stdout == before.stdout
    help_text = purrr("nightwatch", "simulate", "--help")
    assert "purrr nightwatch simulate 1 3 5 --nights 365 --seed 7" in help_text.stdout
