"""Terminal cat portraits (SPEC §8): a phenotype drawn as a grid of (character, colour) cells.

`portrait_cells(phenotype)` is pure and takes the plain phenotype dict of
`purrr_core.genetics` (white, albino, restriction, eumelanin, phaeomelanin, tabby, silver,
long_hair, name and optionally eye_color). `renderable(...)` (or `portrait(cat)` for an API cat object) turns the grid into a Rich `Text`,
shared by the CLI (`purrr cats portrait`) and the dashboard; Rich is imported only there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Cell = tuple[str, str | None]
Grid = list[list[Cell]]

#: The drawing and, cell for cell, the region each cell belongs to: o outline, e ear, f face,
#: y eye, n nose, m muzzle, b body, c chest, p paw, t tail; a space stays blank. Fur regions show
#: the drawing's character where it has one (mouth, paws, tail) and fur where it is blank.
TEMPLATE = (
    "  /\\       /\\   ",
    " /  \\_____/  \\  ",
    "|   o     o   | ",
    "|      v      | ",
    " \\   \\_^_/   /  ",
    "  \\_________/   ",
    "  /         \\   ",
    " /           \\ ~",
    "(  (_)   (_)  )/",
)
REGIONS = (
    "  oo       oo   ",
    " oeeoooooooeeo  ",
    "offfyfffffyfffo ",
    "offffmmnmmffffo ",
    " offfmmmmmfffo  ",
    "  ooooooooooo   ",
    "  obbbcccbbbo   ",
    " obbbbcccbbbbo t",
    "obbpppbbbpppbbot",
)

FUR_CHAR = "▓"
STRIPE_CHAR = "▒"
LONG_HAIR_CHAR = "≋"

COLOURS = {
    "black": "#1c1c1c",
    "chocolate": "#5b3a29",
    "cinnamon": "#8b5a2b",
    "blue": "#6e7f8d",
    "lilac": "#b7a9b4",
    "fawn": "#c8ad9a",
    "caramel": "#9c8c7a",
    "taupe": "#a39485",
    "beige": "#d8c3a5",
    "red": "#d2691e",
    "cream": "#f0d9a7",
    "apricot": "#e8a86b",
    "white": "#f5f5f5",
    "outline": "#808080",
    "nose": "#e89aa8",
    "silver": "#c0c0c0",
}
EYE_COLOURS = {
    "blue": "#4a90d9",
    "aqua": "#5fc9c4",
    "gold": "#d4a017",
    "green": "#4caf50",
    "hazel": "#8e7618",
    "copper": "#b87333",
    "pink": "#e89aa8",
    "yellow-green": "#9acd32",
}
#: How much of the fur colour a restricted (colourpoint) body keeps; points keep it all.
RESTRICTION_BODY = {"none": 1.0, "sepia": 0.8, "mink": 0.5, "point": 0.15}
POINT_REGIONS = {"e", "m", "n", "p", "t"}
#: Regions turned white by each grade of white spotting.
WHITE_REGIONS = {
    "none": set(),
    "low": {"m", "c", "p"},
    "high": {"m", "c", "p", "b"},
    "dominant": {"f", "e", "m", "b", "c", "p", "t"},
}
STRIPES: dict[str, Callable[[int, int], bool]] = {
    "none": lambda r, c: False,
    "mackerel": lambda r, c: c % 3 == 0,
    "classic": lambda r, c: (r + c) % 5 in (0, 1),
    "spotted": lambda r, c: (3 * r + c) % 5 == 0,
    "ticked": lambda r, c: r <= 2 and c % 4 == 0,
}


def _mix(colour: str, other: str, share: float) -> str:
    """`share` of `colour` blended with the rest of `other` (hex #rrggbb)."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(
        f"{round(x * share + y * (1 - share)):02x}" for x, y in zip(a, b, strict=True)
    )


def eye_colour(phenotype: Mapping[str, Any]) -> str:
    """The eye colour name: given, or from the reference rules (points blue, mink aqua…)."""
    if phenotype.get("eye_color"):
        return str(phenotype["eye_color"])
    if phenotype.get("albino"):
        return "pink" if phenotype["albino"] == "pink_eyed" else "blue"
    by_restriction = {"point": "blue", "mink": "aqua", "sepia": "gold"}
    if phenotype.get("restriction") in by_restriction:
        return by_restriction[str(phenotype["restriction"])]
    if phenotype.get("white") == "dominant":
        return "blue"
    return "gold"


def _fur_colours(phenotype: Mapping[str, Any]) -> tuple[str, str | None]:
    """(main colour, tortie patch colour or None)."""
    eu, phaeo = phenotype.get("eumelanin"), phenotype.get("phaeomelanin")
    main = COLOURS.get(str(eu or phaeo or "black"), COLOURS["black"])
    patch = COLOURS.get(str(phaeo)) if eu and phaeo else None
    return main, patch


def _eyes(phenotype: Mapping[str, Any]) -> tuple[str, str]:
    """(left, right) eye colours; odd eyes are blue and copper."""
    name = eye_colour(phenotype)
    if name == "odd":
        return EYE_COLOURS["blue"], EYE_COLOURS["copper"]
    colour = EYE_COLOURS.get(name, EYE_COLOURS["gold"])
    return colour, colour


def portrait_cells(phenotype: Mapping[str, Any]) -> Grid:
    """The portrait as rows of (character, colour hex or None) cells."""
    main, patch = _fur_colours(phenotype)
    masked = phenotype.get("white") == "dominant" or bool(phenotype.get("albino"))
    white_regions = WHITE_REGIONS["dominant" if masked else str(phenotype.get("white") or "none")]
    restriction = str(phenotype.get("restriction") or "none")
    stripes = STRIPES.get(str(phenotype.get("tabby") or "none"), STRIPES["none"])
    silver = bool(phenotype.get("silver"))
    fur_char = LONG_HAIR_CHAR if phenotype.get("long_hair") else FUR_CHAR
    left_eye, right_eye = _eyes(phenotype)
    middle = len(TEMPLATE[0]) // 2

    grid: Grid = []
    for r, (line, regions) in enumerate(zip(TEMPLATE, REGIONS, strict=True)):
        row: list[Cell] = []
        for c, (ch, region) in enumerate(zip(line, regions, strict=True)):
            drawn = ch if ch != " " else fur_char
            if region == " ":
                row.append((ch, None))
            elif region == "o":
                row.append((ch, COLOURS["outline"]))
            elif region == "y":
                row.append(("●", left_eye if c < middle else right_eye))
            elif region == "n":
                row.append(("▾", COLOURS["nose"]))
            elif region in white_regions:
                row.append((drawn, COLOURS["white"]))
            else:
                colour = patch if patch and (r // 2 + c // 3) % 2 else main
                if restriction != "none" and region not in POINT_REGIONS:
                    colour = _mix(colour, COLOURS["white"], RESTRICTION_BODY[restriction])
                if silver:
                    colour = _mix(colour, COLOURS["silver"], 0.6)
                striped = ch == " " and stripes(r, c)
                if striped:
                    colour = _mix(colour, COLOURS["black"], 0.55)
                row.append((STRIPE_CHAR if striped else drawn, colour))
        grid.append(row)
    return grid


def portrait_text(phenotype: Mapping[str, Any]) -> str:
    """The portrait without colour (for plain terminals and tests)."""
    return "\n".join("".join(ch for ch, _ in row).rstrip() for row in portrait_cells(phenotype))


def renderable(phenotype: Mapping[str, Any], *, title: str | None = None) -> Any:
    """A Rich `Text` of the portrait (with `title` or the phenotype's name underneath)."""
    from rich.text import Text

    text = Text()
    for row in portrait_cells(phenotype):
        for ch, colour in row:
            text.append(ch, style=colour or "")
        text.append("\n")
    caption = title or phenotype.get("name")
    if caption:
        text.append(str(caption), style="bold")
    return text


def portrait(cat: Mapping[str, Any]) -> Any:
    """The portrait of an API cat object (its `phenotype` and `name`), as a Rich renderable."""
    phenotype = cat.get("phenotype")
    return renderable(phenotype if isinstance(phenotype, Mapping) else {}, title=cat.get("name"))
