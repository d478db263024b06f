"""`purrr territory …` from the real command tree (an in-process server per command)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.cli.user import Purrr, ok_json

pytest.importorskip("purrr_server.app")

NOW = "2026-03-01T12:00:00Z"


@pytest.fixture
def purrr(purrr_in_process: Purrr) -> Purrr:
    return lambda *args: purrr_in_process(*args, PURRR_NOW=NOW)


def grow(home: Path, cat_id: int) -> None:
    """Weeks of care, written straight into the database: level 5, energy 90."""
    with sqlite3.connect(home / "data" / "purrr.db") as db:
        (data,) = db.execute("SELECT data FROM cats WHERE id = ?", (cat_id,)).fetchone()
        cat: dict[str, Any] = json.loads(data)
        cat.update(level=5, energy=90)
        db.execute("UPDATE cats SET data = ? WHERE id = ?", (json.dumps(cat), cat_id))


def test_claim_furnish_list_and_release(purrr: Purrr, isolated: Path) -> None:
    tom = ok_json(purrr("cats", "adopt", "Tom", "--personality", "territorial", "--json"))
    young = purrr("territory", "claim", "Tom", "garden", "Back garden")
    assert young.returncode == 5 and "level 3" in young.stderr
    grow(isolated, tom["id"])
    unknown = purrr("territory", "claim", "Tom", "moon", "Sea of rains")
    assert unknown.returncode == 1 and "garden, rooftop" in unknown.stderr
    claimed = ok_json(purrr("territory", "claim", "Tom", "garden", "Back garden", "--json"))
    assert claimed["won"] and claimed["cat"]["energy"] == 75
    place = claimed["territory"]
    # territorial cats get the home bonus on top of the garden's ×1.10
    assert place["perks"] == {"rest": 1.2, "climbing": 1.2}
    missing = purrr("territory", "install", str(place["id"]), "cat_bed")
    assert missing.returncode == 5 and "purrr store buy cat_bed" in missing.stderr
    ok_json(purrr("store", "buy", "cat_bed", "--json"))
    done = purrr("territory", "install", str(place["id"]), "cat_bed")
    assert done.returncode == 0 and "rest ×1.35" in done.stderr
    listed = ok_json(purrr("territory", "list", "--json"))
    assert [(t["location"], t["furniture"]) for t in listed] == [("Back garden", ["cat_bed"])]
    held = purrr("territory", "claim", "Tom", "garden", "back garden")
    assert held.returncode == 5
    assert purrr("territory", "challenge", str(place["id"]), "Tom").returncode == 5
    assert purrr("territory", "release", "99").returncode == 3
    assert purrr("territory", "release", "x").returncode == 2
    released = ok_json(purrr("territory", "release", str(place["id"]), "--json"))
    assert released["returned"] == ["cat_bed"]
    assert ok_json(purrr("territory", "list", "--json")) == []
