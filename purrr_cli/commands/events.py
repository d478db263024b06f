"""`purrr events`: the player's events (every change the server made), or follow them live."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from purrr_cli.client import connect
from purrr_cli.output import PurrrTyper, examples, options, render

app = PurrrTyper(
    help="Your events: what changed, newest last; --follow to watch.", no_args_is_help=False
)

COLUMNS = ["version", "type", "created_at", "detail"]


def _detail(event: dict[str, Any]) -> str:
    """The payload's plain values as `key=value` words (nested objects are left to --json)."""
    payload = event.get("payload") or {}
    return " ".join(
        f"{key}={value}" for key, value in payload.items() if not isinstance(value, dict | list)
    )


def _line(event: dict[str, Any]) -> str:
    return (
        f"{event.get('version')}\t{event.get('type')}\t{event.get('created_at')}\t{_detail(event)}"
    )


@app.command(
    epilog=examples(
        "purrr events",
        "purrr events --since 120 --json",
        "purrr events --follow",
        "purrr events --follow --json | jq -r .type",
    )
)
def events(
    since: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="Only events after this version.")
    ] = 0,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep watching for new events (Ctrl-C stops).")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", "-i", min=0.2, max=3600, help="Seconds between looks.")
    ] = 2,
) -> None:
    """Events after --since (by version, the server's change counter). With --follow, new ones as
    they happen: one line each, or one JSON object per line with --json."""
    client = connect()
    cursor = since
    collected: list[dict[str, Any]] = []
    while True:
        page = client.get("events/poll", since=cursor)
        found = page.get("events") or []
        cursor = int(page.get("cursor") or cursor)
        if follow:
            for event in found:
                typer.echo(json.dumps(event, default=str) if options.json else _line(event))
        else:
            collected.extend(found)
        if not follow and len(found) < 500:
            if not options.json:  # a column for people; --json keeps the events as they are
                collected = [{**e, "detail": _detail(e)} for e in collected]
            render(collected, COLUMNS, empty="No events.")
            return
        if follow and not found:
            time.sleep(interval)
