"""Portraits: a pure grid drawn from the phenotype, and a Rich renderable."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from purrr_core.portrait import (
    COLOURS,
    EYE_COLOURS,
    REGIONS,
    TEMPLATE,
    portrait,
    portrait_cells,
    portrait_text,
    renderable,
)

BASE: dict[str, Any] = {
    "white": "none",
    "albino": None,
    "restriction": "none",
    "eumelanin": "black",
    "phaeomelanin": None,
    "tabby": "none",
    "silver": False,
    "long_hair": False,
    "name": "black",
}


def _colours(phenotype: dict[str, Any]) -> set[str]:
    return {c for row in portrait_cells({**BASE, **phenotype}) for _, c in row if c}


def test_template_and_regions_align() -> None:
    assert [len(r) for r in TEMPLATE] == [len(r) for r in REGIONS]


@pytest.mark.parametrize(
    ("white", "restriction", "tabby", "silver", "long_hair"),
    list(
        itertools.product(
            ["none", "low", "high", "dominant"],
            ["none", "point", "mink", "sepia"],
            ["none", "mackerel", "classic", "ticked", "spotted"],
            [False, True],
            [False, True],
        )
    ),
)
def test_every_phenotype_draws(
    white: str, restriction: str, tabby: str, silver: bool, long_hair: bool
) -> None:
    grid = portrait_cells(
        {
            **BASE,
            "white": white,
            "restriction": restriction,
            "tabby": tabby,
            "silver": silver,
            "long_hair": long_hair,
        }
    )
    assert len(grid) == len(TEMPLATE)
    assert all(len(ch) == 1 for row in grid for ch, _ in row)


def test_colours_follow_the_coat() -> None:
    assert COLOURS["black"] in _colours({})
    tortie = _colours({"phaeomelanin": "red"})
    assert {COLOURS["black"], COLOURS["red"]} <= tortie
    assert COLOURS["white"] not in _colours({})
    assert COLOURS["white"] in _colours({"white": "low"})
    dominant = _colours({"white": "dominant", "phaeomelanin": "red"})
    assert COLOURS["black"] not in dominant and COLOURS["red"] not in dominant
    assert EYE_COLOURS["blue"] in _colours({"restriction": "point"})
    assert EYE_COLOURS["pink"] in _colours({"albino": "pink_eyed"})
    assert {EYE_COLOURS["blue"], EYE_COLOURS["copper"]} <= _colours({"eye_color": "odd"})


def test_tabby_and_long_hair_change_the_characters() -> None:
    plain = portrait_text(BASE)
    assert "▒" not in plain and "▓" in plain
    assert "▒" in portrait_text({**BASE, "tabby": "mackerel"})
    assert "≋" in portrait_text({**BASE, "long_hair": True})


def test_rich_renderables() -> None:
    from rich.console import Console
    from rich.text import Text

    text = renderable({**BASE, "name": "seal point", "restriction": "point"})
    assert isinstance(text, Text) and text.plain.endswith("seal point")
    console = Console(record=True, width=40, color_system="truecolor", force_terminal=True)
    console.print(portrait({"name": "Mochi", "phenotype": BASE}))
    assert "Mochi" in console.export_text()
    assert "Tester" in portrait({"name": "Tester"}).plain
