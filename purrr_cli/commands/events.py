"""`purrr events`: the player's events (every change the server made), or follow them live."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from purrr_cli import sse
from purrr_cli.client import connect
from purrr_cli.output import PurrrTyper, examples, options, render

#: `--interval` of the commands that follow a live feed (`events --follow`, `rooms watch`): how
#: often to look when the server has no live stream to follow.
FallbackInterval = Annotated[
    float,
    typer.Option(
        "--interval",
        "-i",
        min=0.2,
        max=3600,
        help="Seconds between looks, on a server without a live stream.",
    ),
]

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
    interval: FallbackInterval = 2,
) -> None:
    """Events after --since (by version, the server's change counter). With --follow, new ones as
    they happen: one line each, or one JSON object per line with --json."""
    client = connect()
    cursor = since
    collected: list[dict[str, Any]] = []
    while True:  # what happened already, a page at a time
        page = client.get("events/poll", since=cursor)
        found = page.get("events") or []
        cursor = int(page.get("cursor") or cursor)
        if follow:
            _echo(found)
        else:
            collected.extend(found)
        if len(found) < 500:
            break
    if not follow:
        if not options.json:  # a column for people; --json keeps the events as they are
            collected = [{**e, "detail": _detail(e)} for e in collected]
        render(collected, COLUMNS, empty="No events.")
        return
    # Live: one long request every few minutes (rate limits count requests, not events).
    for event in sse.follow(client, "events", cursor):
        cursor = int(event.get("version") or cursor)
        _echo([event])
    while True:  # a server without the live stream: look every --interval seconds
        page = client.get("events/poll", since=cursor)
        _echo(page.get("events") or [])
        if int(page.get("cursor") or cursor) == cursor:
            time.sleep(interval)
        cursor = int(page.get("cursor") or cursor)


def _echo(found: list[dict[str, Any]]) -> None:
    for event in found:
        typer.echo(json.dumps(event, default=str) if options.json else _line(event))
