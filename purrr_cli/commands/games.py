"""`purrr games …`: list the mini-games, play one with a cat, see history and the leaderboard."""

from __future__ import annotations

from typing import Annotated

import typer

from purrr_cli.choices import completer
from purrr_cli.client import connect
from purrr_cli.output import PurrrTyper, examples, render
from purrr_cli.resolve import CatOption, cat_id

app = PurrrTyper(
    help="Play mini-games with your cats. Coin games are free and pay coins; crypto games take "
    "an entry fee in --currency and pay by multiplier (without --currency: free practice). "
    "Rules and expected values: docs/games.md."
)

GameArg = Annotated[
    str,
    typer.Argument(
        metavar="GAME", help="Game id, e.g. paw_match.", autocompletion=completer("games", "games")
    ),
]
GameOption = Annotated[
    str | None,
    typer.Option(
        "--game", "-g", help="Only this game.", autocompletion=completer("games", "games")
    ),
]
LIST_COLUMNS = [
    "type",
    "name",
    "kind",
    "entry_fee_usd",
    "max_win_multiplier",
    "coin_range",
    "energy_cost",
]
PLAY_COLUMNS = [
    "type",
    "result",
    "score",
    "mode",
    "crypto_type",
    "entry_fee",
    "win_amount",
    "coins",
    "xp_gained",
    "energy_spent",
    "found_item",
]
HISTORY_COLUMNS = [
    "id",
    "game_type",
    "cat_id",
    "result",
    "score",
    "crypto_type",
    "entry_fee",
    "win_amount",
    "coins",
    "created_at",
]


@app.command("list", epilog=examples("purrr games list", "purrr games list --json type,kind"))
def list_games() -> None:
    """The games with their fees, payouts and energy cost."""
    render(connect().get("games"), LIST_COLUMNS)


@app.command(
    epilog=examples(
        "purrr games play ball_toss --cat 1",
        "purrr games play paw_match --cat Mittens --currency BTC",
        "purrr games play exploration --cat 2 --json",
    )
)
def play(
    game: GameArg,
    cat: CatOption = None,
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="Pay a crypto game's fee in BTC, ETH, USDC, SOL or XRP."),
    ] = None,
) -> None:
    """Play GAME with a cat; shows the result, the fee and what was won."""
    client = connect()
    body: dict[str, object] = {"cat_id": cat_id(client, cat)}
    if currency:
        body["crypto_type"] = currency.upper()
    result = client.post(f"games/{game}/play", body)
    render(result, PLAY_COLUMNS)


@app.command(epilog=examples("purrr games history", "purrr games history --game mouse_hunt --json"))
def history(
    game: GameOption = None,
    limit: Annotated[int, typer.Option(help="How many results.")] = 20,
) -> None:
    """Your recent game results, newest first."""
    params: dict[str, object] = {"limit": limit}
    if game:
        params["game"] = game
    render(
        connect().get("games/history", **params),
        HISTORY_COLUMNS,
        empty="No games played yet. Try: purrr games play ball_toss --cat ID",
    )


@app.command(epilog=examples("purrr games leaderboard", "purrr games leaderboard --game paw_match"))
def leaderboard(
    game: GameOption = None,
    limit: Annotated[int, typer.Option(help="How many players.")] = 10,
) -> None:
    """Players ranked by wins, then best score."""
    params: dict[str, object] = {"limit": limit}
    if game:
        params["game"] = game
    render(
        connect().get("games/leaderboard", **params),
        ["rank", "username", "wins", "plays", "best_score", "coins_won"],
        empty="No games yet.",
    )
