"""`purrr account …`: your time zone, export everything your account holds, or delete the
account (hosted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from purrr_cli import config
from purrr_cli.client import connect, secret_name
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, confirm, examples, message, options, render

app = PurrrTyper(
    help="Your time zone; export all your data as JSON, or delete your account (hosted servers)."
)
CLOCK_COLUMNS = ["timezone", "effective_timezone", "server_timezone", "local_time"]


@app.command(
    epilog=examples(
        "purrr account timezone",
        "purrr account timezone Europe/Berlin",
        "purrr account timezone --clear",
        "purrr account timezone --json --jq .effective_timezone",
    )
)
def timezone(
    zone: Annotated[
        str | None,
        typer.Argument(
            metavar="[ZONE]",
            help="An IANA time zone (Europe/Berlin, America/New_York, UTC) or UTC±HH:MM.",
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Forget your setting: use the server's zone.")
    ] = False,
) -> None:
    """Show or set the time zone your game's clock reads.

    The Night Watch window (21:00–06:00), the cats' activity schedules
    and the daily quest reset (local midnight) follow it. Unset, it is
    the server's zone: on your own computer, the machine's. A patrol
    under way keeps the clock it was deployed with.
    """
    if zone is not None and clear:
        raise UsageError(
            "give a ZONE or --clear, not both", details={"field": "--clear", "value": zone}
        )
    client = connect()
    if zone is None and not clear:
        render(client.get("account/timezone"), CLOCK_COLUMNS)
        return
    result = client.put("account/timezone", {"timezone": None if clear else zone})
    if options.json:
        render(result)
        return
    if clear:
        message(f"Your clock follows the server's time zone ({result['effective_timezone']}).")
    else:
        message(f"Your time zone is {result['timezone']}.")
    render(result, CLOCK_COLUMNS)


@app.command(
    epilog=examples(
        "purrr account export > purrr-export.json",
        "purrr account export --output purrr-export.json",
        "purrr account export --jq '.tables | keys'",
    )
)
def export(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout."),
    ] = None,
) -> None:
    """Everything your account holds (cats, actions, ledger, …) as one JSON object."""
    data = connect().get("account/export")
    if output is None:
        if not options.json:
            options.json_fields = []  # the export is data: always JSON
        render(data)
        return
    try:
        output.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        raise UsageError(
            f"--output: cannot write {output}: {(exc.strerror or str(exc)).lower()}",
            details={"field": "--output", "value": str(output)},
        ) from None
    tables = data.get("tables") or {}
    message(f"Exported {len(tables)} tables to {output}.")


@app.command(epilog=examples("purrr account delete --server https://purrr.example --yes"))
def delete(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete your account on a hosted server and everything in it, for good.

    The local player cannot be deleted (remove its data directory instead).
    """
    client = connect()
    choice = client.which()
    confirm(f"delete your account on {choice.describe()} and all its data for good?", yes=yes)
    result = client.delete("account")
    if choice.kind == "remote":
        for kind in ("token", "api_key"):
            config.delete_secret(secret_name(kind, choice.url))
    message(f"Deleted your account on {choice.describe()}.")
    if options.json:
        render(result)
