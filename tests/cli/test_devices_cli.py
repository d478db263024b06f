"""`purrr cats devices …` end to end: the real CLI in subprocesses on the in-process server."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.cli.user import Purrr, ok_json, run_purrr, user_env

pytest.importorskip("purrr_server.app")

NOW = "2026-03-01T12:00:00+00:00"


@pytest.fixture
def purrr(tmp_path: Path) -> Purrr:
    env = user_env(tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_purrr(env, *args, PURRR_NOW=NOW)

    return run


def test_devices_end_to_end(purrr: Purrr) -> None:
    cat = ok_json(purrr("cats", "adopt", "Mittens", "-p", "playful", "--json"))
    assert ok_json(purrr("cats", "devices", "list", "Mittens", "--json")) == []
    empty = purrr("cats", "devices", "list", "Mittens")
    assert (empty.returncode, empty.stdout) == (0, "")
    assert "purrr cats devices add" in empty.stderr

    added = purrr(
        "cats", "devices", "add", "Mittens", "collar_sensor", "--name", "red collar", "--json"
    )
    device = ok_json(added)
    assert "shown only once" in added.stderr
    key = device["device_key"]
    assert re.fullmatch(r"pd_[0-9a-f]{64}", key)
    listed = ok_json(purrr("cats", "devices", "list", str(cat["id"]), "--json"))
    assert [(d["id"], d["name"]) for d in listed] == [(device["id"], "red collar")]
    assert key not in json.dumps(listed)

    # The device posts with its own key (X-Device-Key); a wrong key is refused with exit 4.
    path = f"cats/{cat['id']}/devices/{device['id']}/readings"
    reading = ["-F", "heart_rate_bpm=230", "-F", "temperature_f=101.2"]
    posted = ok_json(purrr("api", "POST", path, "-H", f"X-Device-Key: {key}", *reading))["data"]
    assert [(a["metric"], a["kind"]) for a in posted["alerts"]] == [("heart_rate_bpm", "high")]
    wrong = purrr("api", "POST", path, "-H", "X-Device-Key: pd_nope", *reading)
    assert wrong.returncode == 4, wrong.stderr

    simulated = ok_json(
        purrr("cats", "devices", "simulate", "Mittens", str(device["id"]), "--json")
    )
    assert simulated["source"] == "simulated"
    assert set(simulated["metrics"]) == {"heart_rate_bpm", "temperature_f"}

    readings = ok_json(purrr("cats", "devices", "readings", "Mittens", str(device["id"]), "--json"))
    assert {r["id"] for r in readings} == {posted["id"], simulated["id"]}
    table = purrr("cats", "devices", "readings", "Mittens", str(device["id"]))
    assert table.returncode == 0, table.stderr
    assert "heart rate 230 bpm is above 220" in table.stdout

    alerts = ok_json(purrr("cats", "devices", "alerts", "Mittens", "--json", "metric,value"))
    assert {"metric": "heart_rate_bpm", "value": 230} in alerts

    refused = purrr("cats", "devices", "add", "Mittens", "toaster")
    assert refused.returncode == 1
    assert "collar_sensor, weight_scale, activity_tracker" in refused.stderr
    assert refused.stdout == ""

    removed = purrr("cats", "devices", "remove", "Mittens", str(device["id"]), "--yes")
    assert removed.returncode == 0, removed.stderr
    gone = purrr("cats", "devices", "readings", "Mittens", str(device["id"]))
    assert gone.returncode == 3
    assert f"device {device['id']} not found" in gone.stderr
    assert purrr("api", "POST", path, "-H", f"X-Device-Key: {key}", *reading).returncode == 4


def test_devices_help_has_examples(purrr: Purrr) -> None:
    for command in ("list", "add", "remove", "readings", "simulate", "alerts"):
        shown = purrr("cats", "devices", command, "--help")
        assert shown.returncode == 0, shown.stderr
        assert "purrr cats devices " + command in shown.stdout
    group = purrr("cats", "devices", "--help")
    assert "collar_sensor" in group.stdout and "X-Device-Key" in group.stdout
