"""A cat's terminal portrait: `purrr_core.portrait` when it exists, else a simple coloured face.

The simple face colours the fur from the cat's phenotype when the API reports one
(`phenotype.color` / `phenotype.colour`, `phenotype.eye_color`), otherwise a neutral grey.
"""

from __future__ import annotations

import importlib.util
from typing import Any

FACE = (
    r" /\_/\  ",
    r"( o.o ) ",
    r" > ^ <  ",
)
#: Coat and eye colour words -> Rich colours for the simple face.
COLOURS = {
    "black": "grey15", "blue": "steel_blue", "chocolate": "chocolate4", "lilac": "plum3",
    "cinnamon": "dark_orange3", "fawn": "wheat4", "red": "dark_orange", "orange": "dark_orange",
    "cream": "light_goldenrod2", "white": "white", "grey": "grey62", "gray": "grey62",
    "green": "green3", "gold": "gold1", "copper": "orange3", "odd": "cyan", "hazel": "yellow4",
}  # fmt: skip


def _colour(word: Any, default: str) -> str:
    text = str(word or "").lower()
    return next((rich for name, rich in COLOURS.items() if name in text), default)


def simple_portrait(cat: dict[str, Any]) -> Any:
    """A three-line face in the coat colour, with the name and coat description under it."""
    from rich.text import Text

    phenotype = cat.get("phenotype") if isinstance(cat.get("phenotype"), dict) else {}
    coat = phenotype.get("color") or phenotype.get("colour") or phenotype.get("description")
    fur = _colour(coat, "grey62")
    eyes = _colour(phenotype.get("eye_color"), "green3")
    art = Text()
    for line in FACE:
        for char in line:
            art.append(char, style=eyes if char == "o" else fur)
        art.append("\n")
    art.append(f"{cat.get('name', '?')}", style="bold")
    if coat:
        art.append(f"  {coat}")
    return art


def portrait_renderable(cat: dict[str, Any]) -> Any:
    """The richest portrait available for `cat` (an API cat object)."""
    if importlib.util.find_spec("purrr_core.portrait") is not None:
        from purrr_core import portrait as core_portrait

        render = getattr(core_portrait, "portrait", None) or getattr(core_portrait, "render", None)
        if callable(render):
            return render(cat)
    return simple_portrait(cat)
