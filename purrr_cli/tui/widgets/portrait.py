"""Portraits from `purrr_core.portrait`: the full one on the cat screen, a thumbnail in tables."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from rich.text import Text
from textual.widgets import Static

_FACE = "ᓚᘏᗢ"


def _phenotype(cat: dict[str, Any]) -> dict[str, Any]:
    phenotype = cat.get("phenotype")
    return phenotype if isinstance(phenotype, dict) else {}


def coat_colours(cat: dict[str, Any], limit: int = 3) -> list[str]:
    """The first distinct fur colours of the cat's portrait (tortie patches, stripes, white)."""
    return list(_coat_colours(json.dumps(_phenotype(cat), sort_keys=True), limit))


@lru_cache(maxsize=1024)
def _coat_colours(phenotype: str, limit: int) -> tuple[str, ...]:
    """`coat_colours` by phenotype: drawing a portrait is the dearest part of a table row, and
    a coat never changes, so a reload of many cats draws none."""
    # Imported on first use: purrr_core is not needed to paint the first frame.
    from purrr_core import portrait as core_portrait

    fur = {core_portrait.FUR_CHAR, core_portrait.STRIPE_CHAR, core_portrait.LONG_HAIR_CHAR}
    colours: list[str] = []
    for row in core_portrait.portrait_cells(json.loads(phenotype)):
        for char, colour in row:
            if char in fur and colour and colour not in colours:
                colours.append(colour)
    return tuple(colours[:limit] or [core_portrait.COLOURS["outline"]])


def thumbnail(cat: dict[str, Any]) -> Text:
    """A three-cell cat glyph in the coat's colours; the glyph itself reads without colour."""
    colours = coat_colours(cat)
    text = Text()
    for index, glyph in enumerate(_FACE):
        text.append(glyph, style=colours[index % len(colours)])
    return text


class Portrait(Static):
    """The cat screen's portrait panel."""

    def show_cat(self, cat: dict[str, Any]) -> None:
        """Show the cat's full terminal portrait, captioned with its name."""
        from purrr_core.portrait import portrait

        self.update(portrait(cat))
