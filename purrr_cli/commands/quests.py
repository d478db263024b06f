"""`purrr quests …`: quests with their progress, and claiming rewards."""

from __future__ import annotations

from typing import Annotated

import typer

from purrr_cli import complete
from purrr_cli.client import connect
from purrr_cli.output import PurrrTyper, examples, options, render
from purrr_cli.resolve import cat_id

app = PurrrTyper(
    help="Daily, seasonal, personality, achievement and community quests. Progress comes from "
    "everything you do (feeding, games, the store, patrols…). Rules: docs/quests.md."
)


@app.command(
    "list",
    epilog=examples(
        "purrr quests list",
        "purrr quests list --all",
        "purrr quests list --jq '.[] | select(.claimable) | .id'",
    ),
)
def list_quests(
    show_all: Annotated[bool, typer.Option("--all", help="Include out-of-season quests.")] = False,
) -> None:
    """Quests with progress like `feed_cat: 3/5`; claimable ones are ready to claim."""
    quests = connect().get("quests")
    shown = quests if show_all else [q for q in quests if q.get("active")]
    if not options.json:  # a column for people; --json keeps the API's objects as they are
        for q in shown:
            q["progress"] = ", ".join(r["text"] for r in q.get("requirements", []))
    render(
        shown, ["id", "type", "name", "progress", "claimable", "claimed"], empty="No active quests."
    )


@app.command(
    epilog=examples(
        "purrr quests claim daily_feeder", "purrr quests claim first_meal --cat Mittens --json"
    )
)
def claim(
    quest: Annotated[
        str, typer.Argument(metavar="ID", help="Quest id.", autocompletion=complete.quests)
    ],
    cat: Annotated[
        str | None,
        typer.Option("--cat", "-c", help="Give the XP to this cat.", autocompletion=complete.cats),
    ] = None,
) -> None:
    """Claim a completed quest's rewards (once)."""
    client = connect()
    body = {"cat_id": cat_id(client, cat)} if cat else {}
    render(client.post(f"quests/{quest}/claim", body), hide=("balance", "cat"))
