"""`purrr restore FILE`: replace the game by a backup's (`purrr backup`), in one transaction on
the server (the `game.restore` action). The game it replaces is written to a backup file first.
A file that is not a purrr backup, or one from a newer purrr, is refused with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli.client import connect
from purrr_cli.commands.backup import counts
from purrr_cli.errors import UsageError
from purrr_cli.output import (
    PurrrTyper,
    confirm,
    examples,
    message,
    options,
    render,
)

app = PurrrTyper(help="Replace the game by a backup file's (from `purrr backup`).")
COLUMNS = ["restored.cats", "history", "previous.path"]


def read(file: str) -> dict[str, Any]:
    path = Path(file).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read {path}: {exc.strerror or exc}", details={"field": "file"}
        ) from exc
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path} is not a purrr backup (not UTF-8 text)", details={"field": "file"}
        ) from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{path} is not a purrr backup (not JSON: {exc}); make one with `purrr backup`",
            details={"field": "file"},
        ) from exc
    if not isinstance(document, dict):
        raise UsageError(
            f"{path} is not a purrr backup (a JSON object was expected)", details={"field": "file"}
        )
    return document


@app.command(
    epilog=examples(
        "purrr restore ~/.purrr/data/backups/before-link-20260101T080000Z.json",
        "purrr restore save.json --yes --json",
    )
)
def restore(
    file: Annotated[str, typer.Argument(help="A backup file written by `purrr backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Replace the game (cats, wallet, history, …) by FILE's; the current one is backed up."""
    document = read(file)
    data = document.get("data") if isinstance(document.get("data"), dict) else document
    rows = counts(data if isinstance(data, dict) else {})
    taken = data.get("exported_at", "an unknown time") if isinstance(data, dict) else "?"
    client = connect()
    confirm(
        f"replace the game on {client.which().describe()} by the backup of {taken}"
        f" ({rows.get('cats', 0)} cats, {sum(rows.values())} rows)?",
        yes=yes,
    )
    result = client.post("backup/restore", {"backup": document, "replace": True})
    if not options.json:
        previous = (result.get("previous") or {}).get("path")
        message(
            f"Restored {result['restored'].get('cats', 0)} cats and {result['history']} history"
            f" entries from {file}."
            + (f" The game it replaced is backed up in {previous}." if previous else "")
        )
    render(result, COLUMNS, hide=("ids",))
