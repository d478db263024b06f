"""`purrr keys …`: API keys (`pk_…`) for scripts and other clients."""

from __future__ import annotations

from typing import Annotated

import typer

from purrr_cli import complete
from purrr_cli.client import connect
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, confirm, examples, message, render
from purrr_cli.resolve import parse_id

app = PurrrTyper(help="List, create and revoke API keys (sent as X-API-Key).")

COLUMNS = ["id", "name", "prefix", "scopes", "expires_at", "last_used_at", "created_at"]


@app.command("list", epilog=examples("purrr keys list", "purrr keys list --json"))
def list_keys() -> None:
    """List your API keys (never the secret part)."""
    render(connect().get("keys"), COLUMNS, empty="No API keys.")


@app.command(
    epilog=examples(
        "purrr keys create ci --scope read",
        "purrr keys create bot --scope read --scope write --expires-days 30",
    )
)
def create(
    name: Annotated[str, typer.Argument(help="A label for the key.")],
    scope: Annotated[
        list[str] | None, typer.Option("--scope", "-s", help="read, write or admin (repeatable).")
    ] = None,
    expires_days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="Expire after this many days (1-3650)."),
    ] = None,
) -> None:
    """Create a key; its secret is shown once, so store it now."""
    if not name.strip():
        raise UsageError("NAME must not be empty: give the key a label, e.g. ci")
    body = {"name": name, "scopes": scope or ["read"], "expires_in_days": expires_days}
    created = connect().post("keys", {k: v for k, v in body.items() if v is not None})
    message("Store the key now: it is shown only once.")
    render(created)


@app.command(epilog=examples("purrr keys revoke 3", "purrr keys revoke 3 --yes"))
def revoke(
    key_id: Annotated[
        str, typer.Argument(metavar="ID", help="The key's id.", autocompletion=complete.keys)
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Revoke a key at once; clients using it are refused from then on."""
    number = parse_id(key_id, "ID")
    confirm(f"revoke API key {number}?", yes=yes)
    connect().delete(f"keys/{number}")
    message(f"Revoked API key {key_id}.")
