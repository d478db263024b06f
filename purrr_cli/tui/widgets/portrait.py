"""Portraits: the big one on the cat screen and the small thumbnail in the cats table."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import Static

_FACE = "ᓚᘏᗢ"


def thumbnail(cat: dict[str, Any]) -> Text:
    """A three-cell cat glyph; the glyph is readable without colour, the colour is a bonus."""
    return Text(_FACE)


def portrait(cat: dict[str, Any]) -> RenderableType:
    """The cat's full terminal portrait."""
    return Text(_FACE)


class Portrait(Static):
    """The cat screen's portrait panel."""

    def show_cat(self, cat: dict[str, Any]) -> None:
        self.update(portrait(cat))
