"""`purrr territory …`: claim ground for a cat, challenge its holder, furnish it, release it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from purrr_cli.choices import completer
from purrr_cli.client import connect
from purrr_cli.output import PurrrTyper, examples, message, options, render
from purrr_cli.resolve import CatRequired, cat_id, parse_id

app = PurrrTyper(
    help="Territory: a cat of level 3 or more with energy 50 or more claims ground (a type and a "
    "location) and rests and climbs better there; furniture from your inventory adds more. "
    "Ground another cat holds must be challenged: stats, personality (territorial cats fight "
    "harder) and a seeded roll decide. Details: docs/territory.md.\n\n"
    "Exit codes: 0 done (a lost challenge too: see `won`), 3 no such territory or cat, "
    "5 refused (cat too young or tired, ground already held, no such item owned), 2 bad usage."
)

COLUMNS = [
    "id",
    "type",
    "location",
    "holder.name",
    "holder.level",
    "mine",
    "furniture",
    "perks.rest",
    "perks.climbing",
]
TerritoryArg = Annotated[
    str, typer.Argument(metavar="TERRITORY", help="Territory id (see purrr territory list).")
]


def _territory(raw: str) -> int:
    return parse_id(raw, "TERRITORY")


def _outcome(result: dict[str, Any], verb: str) -> None:
    """One line for people on stderr; the result on stdout (all of it with --json)."""
    cat = result["cat"]
    if result.get("challenge"):
        scores = f" ({result['challenger_score']} vs {result['holder_score']})"
    else:
        scores = ""
    if result["won"]:
        where = result["territory"]
        message(f"{cat['name']} {verb} {where['location']} ({where['type']}){scores}")
    else:
        message(f"{cat['name']} lost the challenge{scores}; -{result['energy_spent']} energy")
    if options.json or not result["won"]:
        render(result, hide=("cat",))
    else:
        render(result["territory"], COLUMNS)


@app.command(
    "list",
    epilog=examples(
        "purrr territory list",
        "purrr territory list --all",
        "purrr territory list --json id,location,perks",
    ),
)
def list_territories(
    everyone: Annotated[
        bool, typer.Option("--all", help="Also ground other players' cats hold (hosted).")
    ] = False,
) -> None:
    """Your territories, their furniture and the perks their cats enjoy."""
    render(
        connect().get("territories", scope="all" if everyone else "mine"),
        COLUMNS,
        empty="No territories yet. Claim one: purrr territory claim CAT garden 'Back garden'",
    )


@app.command(
    epilog=examples(
        "purrr territory claim Tom garden 'Back garden'",
        "purrr territory claim 3 rooftop 'Old mill roof' --json",
    )
)
def claim(
    cat: CatRequired,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="garden, rooftop, living_room, alley or park.",
            autocompletion=completer("territory", "types"),
        ),
    ],
    location: Annotated[str, typer.Argument(metavar="LOCATION", help="Where (1–100 chars).")],
) -> None:
    """Claim free ground for CAT (costs energy); held ground: exit 5, challenge it instead."""
    client = connect()
    body = {"cat_id": cat_id(client, cat), "type": kind, "location": location}
    _outcome(client.post("territories", body), "claimed")


@app.command(
    epilog=examples("purrr territory challenge 4 Tom", "purrr territory challenge 4 Tom --json won")
)
def challenge(territory: TerritoryArg, cat: CatRequired) -> None:
    """CAT challenges the holder of TERRITORY; the winner holds it with its furniture."""
    client = connect()
    body = {"cat_id": cat_id(client, cat)}
    _outcome(client.post(f"territories/{_territory(territory)}/challenge", body), "won")


@app.command(
    epilog=examples(
        "purrr territory install 4 cat_bed", "purrr territory install 4 window_perch --json"
    )
)
def install(
    territory: TerritoryArg,
    item: Annotated[
        str,
        typer.Argument(
            metavar="ITEM",
            help="cat_bed, cat_tree, scratching_post or window_perch, from your inventory.",
            autocompletion=completer("territory", "furniture"),
        ),
    ],
) -> None:
    """Install a furniture ITEM you own in TERRITORY (one of each kind)."""
    result = connect().post(f"territories/{_territory(territory)}/furniture", {"item_id": item})
    where = result["territory"]
    message(
        f"Installed {item} in {where['location']}: rest ×{where['perks']['rest']}, "
        f"climbing ×{where['perks']['climbing']}"
    )
    render(result if options.json else where, COLUMNS)


@app.command(epilog=examples("purrr territory release 4"))
def release(territory: TerritoryArg) -> None:
    """Release TERRITORY; its furniture goes back to your inventory."""
    result = connect().delete(f"territories/{_territory(territory)}")
    returned = ", ".join(result["returned"]) or "no furniture"
    message(f"Released territory {result['id']} ({returned} back in your inventory)")
    render(result)
