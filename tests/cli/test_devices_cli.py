"""`purrr cats devices …` end to end: the real CLI in subprocesses on the in-process server."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.user import Purrr, ok_json, run_in_process, run_purrr, user_env

pytest.importorskip("purrr_server.app")

NOW = "2026-03-01T12:00:00+00:00"


@pytest.fixture
def purrr(tmp_path: Path) -> Purrr:
    env = user_env(tmp_path)

    def run(*args: str, in_process: bool = False) -> subprocess.CompletedProcess[str]:
        """`in_process`: for set-up the test is not about (tests/cli/user.run_in_process)."""
        return (run_in_process if in_process else run_purrr)(env, *args, PURRR_NOW=NOW)

    return run


def _cat_with_collar(purrr: Purrr) -> tuple[dict[str, Any], dict[str, Any]]:
    cat = ok_json(purrr("cats", "adopt", "Mittens", "-p", "playful", "--json", in_process=True))
    added = purrr("cats", "devices", "add", "Mittens", "collar_sensor", "--name", "red", "--json")
    assert "shown only once" in added.stderr
    return cat, ok_json(added)


def test_a_device_posts_with_its_key_and_the_owner_reads_it(purrr: Purrr) -> None:
    cat, device = _cat_with_collar(purrr)
    key = device["device_key"]
    assert re.fullmatch(r"pd_[0-9a-f]{64}", key)
    listed = ok_json(purrr("cats", "devices", "list", str(cat["id"]), "--json"))
    assert [(d["id"], d["name"]) for d in listed] == [(device["id"], "red")]
    assert key not in json.dumps(listed)

    # The device posts with its own key (X-Device-Key); a wrong key is refused with exit 4.
    path = f"cats/{cat['id']}/devices/{device['id']}/readings"
    reading = ["-F", "heart_rate_bpm=230", "-F", "temperature_f=101.2"]
    posted = ok_json(purrr("api", "POST", path, "-H", f"X-Device-Key: {key}", *reading))["data"]
    assert [(a["metric"], a["kind"]) for a in posted["alerts"]] == [("heart_rate_bpm", "high")]
    wrong = purrr("api", "POST", path, "-H", "X-Device-Key: pd_nope", *reading)
    assert wrong.returncode == 4, wrong.stderr

    table = purrr("cats", "devices", "readings", "Mittens", str(device["id"]))
    assert table.returncode == 0, table.stderr
    assert "heart rate 230 bpm is above 220" in table.stdout


def test_simulate_alerts_refusals_and_removal(purrr: Purrr) -> None:
    cat, device = _cat_with_collar(purrr)
    simulated = ok_json(
        purrr("cats", "devices", "simulate", "Mittens", str(device["id"]), "--json")
    )
    assert simulated["source"] == "simulated"
    assert set(simulated["metrics"]) == {"heart_rate_bpm", "temperature_f"}
    alerts = ok_json(purrr("cats", "devices", "alerts", "Mittens", "--json", "metric,kind"))
    assert alerts == [{"metric": a["metric"], "kind": a["kind"]} for a in simulated["alerts"]]

    refused = purrr("cats", "devices", "add", "Mittens", "toaster")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert "collar_sensor, weight_scale, activity_tracker" in refused.stderr

    removed = purrr("cats", "devices", "remove", "Mittens", str(device["id"]), "--yes")
    assert removed.returncode == 0, removed.stderr
    gone = purrr("cats", "devices", "readings", "Mittens", str(device["id"]), "--json")
    assert gone.returncode == 3
    assert f"device {device['id']} not found" in gone.stderr


def test_devices_help_names_the_types_and_the_key_header(purrr: Purrr) -> None:
    # Every subcommand's examples and shared options are checked by tests/cli/test_contract.py.
    group = purrr("cats", "devices", "--help")
    assert group.returncode == 0, group.stderr
    assert "collar_sensor" in group.stdout and "X-Device-Key" in group.stdout
