"""`purrr genetics …` as a script sees it: the real command tree, run in this process
(tests/cli/conftest.py `purrr_in_process`), offline (no server).

The reference's five worked crosses through the JSON contract, the COI examples, errors naming
the bad token, and the table views (TSV when piped, a Punnett summary on a terminal).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from purrr_cli import output
from tests.cli.user import Purrr
from tests.contract import PHENOTYPE_KEYS

# (sire, dam) -> {(sex, display name): share of all kittens}; the reference lists each sex's
# share of its own sex, so these are half the reference's fractions.
WORKED_CROSSES: list[tuple[str, str, dict[tuple[str, str], Fraction]]] = [
    (
        "O/Y",
        "o/o",
        {("male", "black"): Fraction(1, 2), ("female", "tortoiseshell"): Fraction(1, 2)},
    ),
    (
        "o/Y B/b",
        "o/o B/b",
        {
            ("male", "black"): Fraction(3, 8),
            ("male", "chocolate"): Fraction(1, 8),
            ("female", "black"): Fraction(3, 8),
            ("female", "chocolate"): Fraction(1, 8),
        },
    ),
    (
        "o/Y D/d",
        "O/o D/d",
        {
            ("male", "red"): Fraction(3, 16),
            ("male", "cream"): Fraction(1, 16),
            ("male", "black"): Fraction(3, 16),
            ("male", "blue"): Fraction(1, 16),
            ("female", "tortoiseshell"): Fraction(3, 16),
            ("female", "blue-cream"): Fraction(1, 16),
            ("female", "black"): Fraction(3, 16),
            ("female", "blue"): Fraction(1, 16),
        },
    ),
    (
        "o/Y C/cs",
        "o/o C/cs",
        {
            ("male", "black"): Fraction(3, 8),
            ("male", "seal point"): Fraction(1, 8),
            ("female", "black"): Fraction(3, 8),
            ("female", "seal point"): Fraction(1, 8),
        },
    ),
    (
        "o/Y w/w",
        "O/o W/w",
        {
            ("male", "white"): Fraction(1, 4),
            ("male", "red"): Fraction(1, 8),
            ("male", "black"): Fraction(1, 8),
            ("female", "white"): Fraction(1, 4),
            ("female", "tortoiseshell"): Fraction(1, 8),
            ("female", "black"): Fraction(1, 8),
        },
    ),
]


@pytest.fixture
def purrr(purrr_in_process: Purrr) -> Purrr:
    # offline: a server that cannot answer, so a command that contacted one would fail
    return lambda *args, stdin="": purrr_in_process(
        *args, stdin=stdin, PURRR_SERVER="http://127.0.0.1:9"
    )


def contract(purrr: Purrr, sire: str, dam: str) -> dict[str, Any]:
    done = purrr("genetics", "cross", sire, dam, "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize(("sire", "dam", "expected"), WORKED_CROSSES)
def test_worked_crosses(
    purrr: Purrr, sire: str, dam: str, expected: dict[tuple[str, str], Fraction]
) -> None:
    result = contract(purrr, sire, dam)
    assert set(result) >= {"sire", "dam", "offspring"}
    for parent in ("sire", "dam"):
        assert set(result[parent]["phenotype"]) == PHENOTYPE_KEYS
    by_name: dict[tuple[str, str], Fraction] = {}
    for entry in result["offspring"]:
        probability = Fraction(entry["probability"])
        assert str(probability) == entry["probability"]  # reduced
        assert entry["p"] == pytest.approx(float(probability))
        assert set(entry["phenotype"]) == PHENOTYPE_KEYS
        key = (entry["sex"], entry["phenotype"]["name"])
        by_name[key] = by_name.get(key, Fraction(0)) + probability
    assert by_name == expected
    for sex in ("male", "female"):
        assert sum(
            Fraction(o["probability"]) for o in result["offspring"] if o["sex"] == sex
        ) == Fraction(1, 2)


def test_cross_json_is_canonical(purrr: Purrr) -> None:
    result = contract(purrr, "D/d O/Y", "o/o d/d")
    assert result["sire"]["genotype"].startswith("O/Y B/B D/d dm/dm a/a")
    assert result["dam"]["phenotype"]["name"] == "blue"


def _pedigree(path: Path, cats: list[tuple[str, str | None, str | None]]) -> str:
    path.write_text(json.dumps({"cats": [{"id": i, "sire": s, "dam": d} for i, s, d in cats]}))
    return str(path)


FOUNDERS = [("a", None, None), ("b", None, None), ("c", None, None)]


@pytest.mark.parametrize(
    ("cats", "sire", "dam", "coi"),
    [
        (FOUNDERS + [("s", "a", "b"), ("d", "a", "b")], "s", "d", "1/4"),  # full siblings
        (FOUNDERS + [("s", "a", "b"), ("d", "a", "c")], "s", "d", "1/8"),  # half siblings
        (
            FOUNDERS
            + [
                ("x", None, None),
                ("y", None, None),
                ("p", "a", "b"),
                ("q", "a", "b"),
                ("s", "p", "c"),
                ("d", "q", "x"),
            ],
            "s",
            "d",
            "1/16",
        ),  # first cousins
        (FOUNDERS, "a", "b", "0"),
    ],
)
def test_coi_examples(
    purrr: Purrr, tmp_path: Path, cats: list[Any], sire: str, dam: str, coi: str
) -> None:
    done = purrr(
        "genetics",
        "coi",
        _pedigree(tmp_path / "p.json", cats),
        "--sire",
        sire,
        "--dam",
        dam,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"coi": coi, "value": float(Fraction(coi))}


def test_repeated_full_sib_mating(purrr: Purrr, tmp_path: Path) -> None:
    cats: list[tuple[str, str | None, str | None]] = [("m0", None, None), ("f0", None, None)]
    expected = ["0", "1/4", "3/8", "1/2", "19/32", "43/64"]
    for generation, coi in enumerate(expected):
        path = _pedigree(tmp_path / f"g{generation}.json", cats)
        done = purrr(
            "genetics", "coi", path, "--sire", f"m{generation}", "--dam", f"f{generation}", "--json"
        )
        assert json.loads(done.stdout)["coi"] == coi, done.stderr
        parents = (f"m{generation}", f"f{generation}")
        cats += [(f"m{generation + 1}", *parents), (f"f{generation + 1}", *parents)]


def test_coi_with_numeric_ids_from_stdin(purrr: Purrr) -> None:
    pedigree = {
        "cats": [
            {"id": 1, "sire": None, "dam": None},
            {"id": 2, "sire": None, "dam": None},
            {"id": 3, "sire": 1, "dam": 2},
        ]
    }
    done = purrr("genetics", "coi", "-", "--sire", "1", "--dam", "3", stdin=json.dumps(pedigree))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["coi\t1/4", "value\t0.25"]


@pytest.mark.parametrize(
    ("args", "code", "named"),
    [
        (("cross", "O/Y Q/q", "o/o"), 1, "Q/q"),
        (("cross", "O/Y", "o/o B/d"), 1, "B/d"),
        (("cross", "o/o", "o/o"), 1, "sire must be male"),
        (("cross", "O/Y", "O/Y"), 1, "dam must be female"),
        (("cross", "B/b", "o/o"), 1, "missing O locus"),
        (("explain", "O/o Zz/zz"), 1, "Zz/zz"),
    ],
)
def test_errors_name_the_token(purrr: Purrr, args: tuple[str, ...], code: int, named: str) -> None:
    done = purrr("genetics", *args)
    assert done.returncode == code
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and named in done.stderr
    as_json = purrr("genetics", *args, "--json")
    error = json.loads(as_json.stderr)
    assert error["code"] == "VALIDATION_ERROR" and named in error["message"]


def test_coi_errors(purrr: Purrr, tmp_path: Path) -> None:
    path = _pedigree(tmp_path / "p.json", [("a", None, None), ("b", "a", "zed")])
    done = purrr("genetics", "coi", path, "--sire", "a", "--dam", "b")
    assert done.returncode == 1 and "zed" in done.stderr
    cyclic = _pedigree(tmp_path / "c.json", [("a", "b", None), ("b", "a", None)])
    done = purrr("genetics", "coi", cyclic, "--sire", "a", "--dam", "b")
    assert done.returncode == 1 and "cycle" in done.stderr
    missing = purrr("genetics", "coi", str(tmp_path / "nope.json"), "--sire", "a", "--dam", "b")
    assert missing.returncode == 2 and "no such pedigree file" in missing.stderr
    usage = purrr("genetics", "coi", path, "--sire", "a")
    assert usage.returncode == 2 and "--dam" in usage.stderr


def test_piped_table_is_tab_separated(purrr: Purrr) -> None:
    done = purrr("genetics", "cross", "O/Y", "o/o")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["male\t1/2\tblack", "female\t1/2\ttortoiseshell"]


def test_piped_rows_add_up_outcomes_whose_coats_share_a_name(purrr: Purrr) -> None:
    # dominant white hides the colour under it: four distinct phenotypes are all called "white"
    cross = ("o/Y W/w", "O/o w/w")
    outcomes = json.loads(purrr("genetics", "cross", *cross, "--json").stdout)["offspring"]
    assert [o["phenotype"]["name"] for o in outcomes].count("white") == 4
    done = purrr("genetics", "cross", *cross)
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert len(rows) == len({(sex, name) for sex, _, name in rows}) == 6  # no duplicate rows
    assert ["male", "1/4", "white"] in rows and ["female", "1/4", "white"] in rows


def test_explain_shows_why(purrr: Purrr) -> None:
    done = purrr("genetics", "explain", "o/o B/b D/d A/a S/w")
    assert done.returncode == 0, done.stderr
    first, *steps = done.stdout.splitlines()
    assert first.startswith("brown mackerel tabby and white (female)")
    assert any("S/w" in step and "low white" in step for step in steps)
    as_json = json.loads(purrr("genetics", "explain", "O/Y l/l", "--json").stdout)
    assert as_json["sex"] == "male" and as_json["phenotype"]["long_hair"] is True
    assert set(as_json) == {"genotype", "sex", "phenotype", "explanation"}


def test_terminal_table_is_a_punnett_summary_by_sex(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("purrr_cli.commands.genetics.is_terminal", lambda stream: True)
    result = cli("genetics", "cross", "o/Y D/d", "O/o D/d")
    assert result.code == 0, result.err
    lines = [line.split() for line in result.out.splitlines() if line.strip()]
    assert lines[0] == ["black", "x", "tortoiseshell"]  # the title: sire x dam
    assert lines[1] == ["Sons", "Daughters"]
    assert lines[-1] == ["fractions", "of", "all", "kittens"]
    rows = {" ".join(line) for line in lines[2:-1]}
    # fractions of all kittens, the same as piped and in --json (each sex sums to 1/2)
    assert rows == {
        "3/16 black 3/16 black",
        "3/16 red 3/16 tortoiseshell",
        "1/16 blue 1/16 blue",
        "1/16 cream 1/16 blue-cream",
    }
    assert output.options.json is False
