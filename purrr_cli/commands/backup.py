"""`purrr backup [FILE]`: the game as a restorable backup file (docs/sync.md, "Backup and
restore"). The file is the GDPR export (`/api/v1/account/export`) plus its format and schema;
`purrr restore FILE` (purrr_cli.commands.restore) brings it back."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from purrr_cli import config
from purrr_cli.client import connect
from purrr_cli.errors import UsageError
from purrr_cli.output import PurrrTyper, examples, message, options, render

app = PurrrTyper(
    help="Write the game to a restorable backup file (`purrr restore FILE` brings it back).",
    no_args_is_help=False,
)
COLUMNS = ["path", "rows.cats", "rows.ledger_entries", "rows.actions"]


def default_path() -> Path:
    """`<data dir>/backups/backup-<UTC time>.json`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return config.data_dir() / "backups" / f"backup-{stamp}.json"


def counts(document: dict[str, Any]) -> dict[str, int]:
    """Rows per table of a backup that `purrr restore` brings back."""
    tables = document.get("tables") or {}
    skip = {"users", "tokens", "api_keys", "events", "tombstones", "security_events"}
    return {
        name: len(rows)
        for name, rows in tables.items()
        if isinstance(rows, list) and rows and name not in skip and not name.startswith("sync_")
    }


def write(document: dict[str, Any], path: Path) -> None:
    """Write atomically, readable by the owner only (a backup holds the whole account)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
        handle.write("\n")
    os.replace(partial, path)


@app.command(
    epilog=examples(
        "purrr backup",
        "purrr backup ~/purrr-save.json",
        "purrr backup - | gzip > save.json.gz",
        "purrr backup --json | jq -r .path",
    )
)
def backup(
    file: Annotated[
        str | None,
        typer.Argument(
            help="Where to write it ('-' for stdout); default: the data dir's backups/."
        ),
    ] = None,
) -> None:
    """Write the whole game (cats, wallet, history, …) to FILE; `purrr restore FILE` restores it."""
    document = connect().get("backup")
    rows = counts(document)
    if file == "-":
        json.dump(document, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    path = Path(file).expanduser() if file else default_path()
    if path.is_dir():
        raise UsageError(f"{path} is a directory; name the backup file, e.g. {path}/purrr.json")
    try:
        write(document, path)
    except OSError as exc:
        raise UsageError(f"cannot write the backup to {path}: {exc.strerror or exc}") from exc
    if not options.json:
        message(f"Backed up {rows.get('cats', 0)} cats and {sum(rows.values())} rows to {path}.")
    render({"path": str(path.resolve()), "rows": rows}, COLUMNS)
