"""`purrr breed …` end to end: the real command tree on the in-process server (one per command,
as `purrr` runs with no daemon; tests/cli/conftest.py `purrr_in_process`), with the clock pinned
by PURRR_NOW so a breeding can be watched to its kittens."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta

import pytest

from purrr_core.breeding import METHODS
from tests.cli.user import Purrr, ok_json
from tests.server.test_breeding_api import DAM, SIRE, SUCCESS_SEED

pytest.importorskip("purrr_server.app")

START = datetime.fromisoformat("2026-03-01T12:00:00+00:00")
LATER = START + METHODS["natural"].duration + timedelta(hours=1)
CAT_FIELDS = {"genotype", "phenotype", "sex", "sire_id", "dam_id", "generation", "coi"}


@pytest.fixture
def purrr(purrr_in_process: Purrr) -> Purrr:
    """Run `purrr` with nothing running (in-process server) at the time `at` (default START)."""

    def run(*args: str, at: datetime = START) -> subprocess.CompletedProcess[str]:
        return purrr_in_process(*args, PURRR_NOW=at.isoformat())

    return run


def test_breeding_end_to_end(purrr: Purrr) -> None:
    tom = ok_json(purrr("cats", "adopt", "Tom", "-p", "playful", "--genotype", SIRE, "--json"))
    kitty = ok_json(
        purrr(
            "cats",
            "adopt",
            "Kitty",
            "-p",
            "curious",
            "--genotype",
            DAM,
            "--breed",
            "siamese",
            "--json",
        )
    )
    assert (tom["sex"], kitty["sex"]) == ("male", "female")

    pairs = ok_json(purrr("breed", "pairs", "--json"))
    assert [(p["sire_id"], p["dam_id"]) for p in pairs] == [(tom["id"], kitty["id"])]
    assert pairs[0]["can_breed"] and pairs[0]["offspring"]
    table = purrr("breed", "pairs")
    assert table.stdout.split("\t")[:4] == [str(tom["id"]), "Tom", str(kitty["id"]), "Kitty"]

    predicted = ok_json(purrr("breed", "predict", "Tom", "Kitty", "--json"))
    assert predicted["compatibility"] == pairs[0]["compatibility"]
    assert predicted["coi_fraction"] == "0"
    shown = purrr("breed", "predict", "Tom", "Kitty")
    assert "compatibility\t" in shown.stdout and "female\t" in shown.stdout

    started = ok_json(
        purrr("breed", "start", "Tom", "Kitty", "--seed", str(SUCCESS_SEED), "--json")
    )
    assert set(started) >= {"breeding_id", "estimated_completion", "success_probability"}
    pending = ok_json(purrr("breed", "status", "--json"))
    assert [(b["status"], b["kittens"]) for b in pending] == [("pending", [])]
    again = purrr("breed", "start", "Tom", "Kitty")
    assert again.returncode == 5 and "already in breeding" in again.stderr

    done = ok_json(purrr("breed", "status", "--json", at=LATER))
    assert done[0]["status"] == "completed" and len(done[0]["kittens"]) >= 2
    kitten = done[0]["kittens"][0]
    shown_cat = ok_json(purrr("cats", "show", str(kitten["id"]), "--json", at=LATER))
    assert CAT_FIELDS <= set(shown_cat)
    assert (shown_cat["sire_id"], shown_cat["dam_id"], shown_cat["generation"]) == (
        tom["id"],
        kitty["id"],
        1,
    )
    assert shown_cat["phenotype"]["name"] and shown_cat["coi"] == 0.0

    one = purrr("breed", "status", str(started["breeding_id"]), at=LATER)
    assert one.returncode == 0, one.stderr
    assert "status\tcompleted" in one.stdout and kitten["name"] in one.stdout
    history = ok_json(purrr("breed", "history", "--json", at=LATER))
    assert [b["id"] for b in history] == [started["breeding_id"]]


def test_refusals_map_to_exit_codes(purrr: Purrr) -> None:
    purrr("cats", "adopt", "Tom", "-p", "playful", "--genotype", SIRE)
    purrr("cats", "adopt", "Kitty", "-p", "curious", "--genotype", DAM)
    wrong_way = purrr("breed", "start", "Kitty", "Tom")
    assert wrong_way.returncode == 1 and "sire must be male" in wrong_way.stderr
    unknown = purrr("breed", "start", "Tom", "Nobody")
    assert unknown.returncode == 3 and "Nobody" in unknown.stderr
    method = purrr("breed", "start", "Tom", "Kitty", "--method", "magic", "--json")
    error = json.loads(method.stderr)
    assert method.returncode == 1 and error["code"] == "VALIDATION_ERROR"
    assert "genetic_enhancement" in error["message"]
    assert ok_json(purrr("breed", "history", "--json")) == []
    empty = purrr("breed", "status")
    assert empty.returncode == 0 and empty.stdout == "" and "No breedings" in empty.stderr


def test_help_pages_show_examples(purrr: Purrr) -> None:
    for command in ("pairs", "predict", "start", "status", "history"):
        shown = purrr("breed", command, "--help")
        assert shown.returncode == 0 and f"purrr breed {command}" in shown.stdout


def test_piped_predict_has_one_row_per_sex_and_coat_name(purrr: Purrr) -> None:
    # dominant white hides the colour under it: outcomes that differ underneath are one row
    purrr("cats", "adopt", "Snow", "-p", "playful", "--genotype", "o/Y W/w", "--sex", "male")
    purrr("cats", "adopt", "Tortie", "-p", "lazy", "--genotype", "O/o w/w", "--sex", "female")
    predicted = ok_json(purrr("breed", "predict", "Snow", "Tortie", "--json"))
    names = [o["phenotype"]["name"] for o in predicted["offspring"]]
    assert names.count("white") == 4
    done = purrr("breed", "predict", "Snow", "Tortie")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines() if line.count("\t") == 2]
    assert len(rows) == len({(sex, name) for sex, _, name in rows}) == 6
    assert ["male", "1/4", "white"] in rows and ["female", "1/4", "white"] in rows
