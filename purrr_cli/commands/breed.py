"""`purrr breed …`: suggested pairs, predictions, starting a breeding, its status and history.

Each command parses, calls the API, renders; the rules live on the server (docs/breeding.md).
"""

from __future__ import annotations

from typing import Annotated

import typer

from purrr_cli import complete
from purrr_cli.client import connect
from purrr_cli.commands.genetics import show_cross
from purrr_cli.output import PurrrTyper, examples, options, render
from purrr_cli.resolve import ID_MAX, cat_id, parse_id

app = PurrrTyper(
    help="Breed your cats: ranked pairs, exact kitten predictions, breedings and their kittens.\n\n"
    "Methods: natural (free, 60 % success), ai_assisted (100 coins, 80 %), genetic_enhancement "
    "(250 coins, 95 %), for parents in good condition: hungry, ill, dirty or unhappy parents "
    "breed less often (docs/balance.md). The sire must be male, the dam female, both adults, off their 72 h "
    "cooldown and not on patrol. SIRE and DAM are cat ids or unique names."
)

PAIR_COLUMNS = [
    "sire_id", "sire_name", "dam_id", "dam_name", "compatibility", "coi_fraction",
    "success_rate", "blocked_reason",
]  # fmt: skip
PREDICT_COLUMNS = [
    "sire_name", "dam_name", "compatibility", "coi_fraction", "inbreeding.level", "success_rate",
    "cost", "blocked_reason",
]  # fmt: skip
BREEDING_COLUMNS = [
    "id", "status", "sire_id", "dam_id", "method", "success_probability",
    "estimated_completion", "kitten_ids",
]  # fmt: skip
START_COLUMNS = ["breeding_id", "estimated_completion", "success_probability"]
KITTEN_COLUMNS = ["id", "name", "sex", "phenotype.name", "generation", "coi", "mutations"]

SireArg = Annotated[
    str,
    typer.Argument(
        metavar="SIRE", help="The sire: a male cat's id or name.", autocompletion=complete.cats
    ),
]
DamArg = Annotated[
    str,
    typer.Argument(
        metavar="DAM", help="The dam: a female cat's id or name.", autocompletion=complete.cats
    ),
]
MethodOpt = Annotated[
    str,
    typer.Option("--method", "-m", help="natural, ai_assisted or genetic_enhancement."),
]


@app.command(
    epilog=examples(
        "purrr breed pairs",
        "purrr breed pairs --available --limit 5",
        "purrr breed pairs --jq '.[0] | {sire_id, dam_id, compatibility}'",
    )
)
def pairs(
    method: MethodOpt = "natural",
    limit: Annotated[
        int, typer.Option(min=1, max=200, help="Show at most this many pairs (1-200).")
    ] = 20,
    available: Annotated[bool, typer.Option(help="Only pairs that can breed now.")] = False,
) -> None:
    """Your male x female pairs ranked by compatibility, with COI and success rate.

    --json adds each pair's exact kitten distribution.
    """
    data = connect().get(
        "breeding/pairs", method=method, limit=limit, available="true" if available else None
    )
    render(data, PAIR_COLUMNS, empty="No pairs: you need a male and a female cat.")


@app.command(
    epilog=examples(
        "purrr breed predict Tom Mittens",
        "purrr breed predict 1 2 --method ai_assisted --json",
    )
)
def predict(sire: SireArg, dam: DamArg, method: MethodOpt = "natural") -> None:
    """Predict the kittens of SIRE x DAM: compatibility, COI, success and every coat by sex."""
    client = connect()
    data = client.get(
        "genetics/predict", sire_id=cat_id(client, sire), dam_id=cat_id(client, dam), method=method
    )
    if options.json:
        render(data)
        return
    render(data, PREDICT_COLUMNS)
    show_cross(data, "Kittens")


@app.command(
    epilog=examples(
        "purrr breed start Tom Mittens",
        "purrr breed start 1 2 --method genetic_enhancement",
        "purrr breed start 1 2 --seed 42 --json",
    )
)
def start(
    sire: SireArg,
    dam: DamArg,
    method: MethodOpt = "natural",
    seed: Annotated[
        int | None,
        typer.Option(
            min=0, max=ID_MAX, help="Roll the outcome from this seed (local servers only)."
        ),
    ] = None,
) -> None:
    """Start breeding SIRE with DAM; kittens arrive at estimated_completion."""
    client = connect()
    body = {"sire_id": cat_id(client, sire), "dam_id": cat_id(client, dam), "method": method}
    if seed is not None:
        body["seed"] = seed
    render(client.post("breeding/breed", body), START_COLUMNS)


@app.command(
    epilog=examples(
        "purrr breed status",
        "purrr breed status 3",
        "purrr breed status --jq '.[] | .kittens[].name'",
    )
)
def status(
    breeding: Annotated[
        str | None,
        typer.Argument(
            metavar="BREEDING", help="One breeding's id.", autocompletion=complete.breedings
        ),
    ] = None,
) -> None:
    """Breedings under way and the latest finished ones; with an id, that breeding's kittens."""
    client = connect()
    if breeding is None:
        render(client.get("breeding/status"), BREEDING_COLUMNS, empty="No breedings yet.")
        return
    data = client.get(f"breeding/{parse_id(breeding, 'BREEDING')}")
    if options.json:
        render(data)
        return
    render({k: v for k, v in data.items() if k != "kittens"}, BREEDING_COLUMNS)
    render(data["kittens"], KITTEN_COLUMNS, title="Kittens")


@app.command(
    epilog=examples(
        "purrr breed history",
        "purrr breed history --status failed --limit 5 --json",
    )
)
def history(
    status: Annotated[
        str | None, typer.Option(help="Only pending, completed or failed breedings.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, max=1000, help="Show at most this many (1-1000).")
    ] = None,
) -> None:
    """Every breeding you started, newest first."""
    render(
        connect().get("breeding/history", status=status, limit=limit),
        BREEDING_COLUMNS,
        empty="No breedings yet.",
    )
