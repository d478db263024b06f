"""`purrr store …`: the item catalogue, buying with coins, and your inventory."""

from __future__ import annotations

from typing import Annotated

import typer

from purrr_cli.choices import completer
from purrr_cli.client import connect
from purrr_cli.output import PurrrTyper, examples, render

app = PurrrTyper(
    help="Buy food, treats, toys, grooming, furniture and luxury items with coins; use them with "
    "`purrr cats use CAT ITEM`. Details: docs/economy.md."
)


@app.command(
    "list",
    epilog=examples(
        "purrr store list", "purrr store list --category treats", "purrr store list --json id,price"
    ),
)
def list_items(
    category: Annotated[
        str | None, typer.Option(help="food, treats, toys, grooming, furniture or luxury.")
    ] = None,
) -> None:
    """Items for sale with their prices in coins."""
    params = {"category": category} if category else {}
    render(
        connect().get("store/items", **params), ["id", "name", "category", "price", "description"]
    )


@app.command(epilog=examples("purrr store buy catnip", "purrr store buy toy_mouse --quantity 3"))
def buy(
    item: Annotated[
        str,
        typer.Argument(metavar="ITEM", help="Item id.", autocompletion=completer("store", "items")),
    ],
    quantity: Annotated[int, typer.Option("--quantity", "-n", help="How many (1–99).")] = 1,
) -> None:
    """Buy ITEM with coins; refused (exit 5) when you cannot afford it."""
    render(connect().post("store/purchase", {"item_id": item, "quantity": quantity}))


@app.command(epilog=examples("purrr store inventory", "purrr store inventory --json"))
def inventory() -> None:
    """Items you own."""
    render(
        connect().get("store/inventory"),
        ["item_id", "name", "category", "quantity"],
        empty="Your inventory is empty. Browse: purrr store list",
    )
