"""`purrr rooms …`: multiplayer rooms on a hosted server (docs/rooms.md).

The local game has no rooms (you are its only player): every command then exits 8 with the
server's HOSTED_ONLY error, which says how to point purrr at a hosted server.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer

from purrr_cli import complete, sse
from purrr_cli.client import connect
from purrr_cli.commands.events import FallbackInterval
from purrr_cli.output import PurrrTyper, examples, message, options, render
from purrr_cli.resolve import cat_id, parse_id

#: The room types (purrr_core/data/rooms.json); kept here so `--help` imports no rules.
ROOM_TYPES = ("playground", "contest", "patrol")

app = PurrrTyper(
    help="Multiplayer rooms on a hosted server: bring a cat, meet other players' cats.\n\n"
    "playground: cats play together (happiness, XP, a few coins; social butterflies love it). "
    "contest: a seeded contest decided by stats, level, condition and personality (territorial "
    "cats are best); prizes by place. patrol: a joint Night Watch night with other players' "
    "cats; the coins are shared. Any player in a room starts a round with `purrr rooms play`.\n\n"
    "Rooms need a hosted server (`purrr --server URL rooms …` after `purrr auth login`); the "
    "local game exits 8 (HOSTED_ONLY)."
)

COLUMNS = ["id", "type", "status", "players", "cats", "rounds", "next_round_at"]
PLACING_COLUMNS = [
    "place",
    "player",
    "cat_name",
    "personality_type",
    "score",
    "coins",
    "xp_gained",
    "happiness_gained",
]

RoomArg = Annotated[
    str, typer.Argument(metavar="ROOM", help="The room's id (see purrr rooms list).")
]
CatArg = Annotated[
    str,
    typer.Argument(
        metavar="CAT", help="Your cat: id or unique name.", autocompletion=complete.cats
    ),
]


def _complete_type(incomplete: str) -> list[str]:
    return [t for t in ROOM_TYPES if t.startswith(incomplete)]


def _row(room: dict[str, Any]) -> dict[str, Any]:
    members = room.get("members") or []
    return {
        **room,
        "players": f"{len(members)}/{room.get('max_players')}",
        "cats": ", ".join(f"{m['cat_name']} ({m['player']})" for m in members) or "-",
    }


def _render_room(room: dict[str, Any]) -> None:
    if options.json:
        render(room)
        return
    render([_row(room)], COLUMNS)


def _render_round(played: dict[str, Any]) -> None:
    if options.json:
        render(played)
        return
    what = (played.get("event") or {}).get("name") or played.get("activity")
    message(f"Room {played.get('room_id')}, round {played.get('round')}: {what}.")
    render(played.get("placings") or [], PLACING_COLUMNS)
    for sat_out in played.get("skipped") or []:
        message(
            f"{sat_out.get('cat_name')} ({sat_out.get('player')}) sat out: {sat_out.get('reason')}."
        )


@app.command(
    "list",
    epilog=examples(
        "purrr rooms list",
        "purrr rooms list --type contest",
        "purrr rooms list --mine --json | jq '.[].id'",
    ),
)
def list_rooms(
    room_type: Annotated[
        str | None,
        typer.Option(
            "--type", "-t", help="playground, contest or patrol.", autocompletion=_complete_type
        ),
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only the rooms you are in.")] = False,
) -> None:
    """Open rooms with their players and cats (or only yours)."""
    params: dict[str, Any] = {
        **({"type": room_type} if room_type else {}),
        **({"mine": "true"} if mine else {}),
    }
    rooms = connect().get("rooms", **params)
    if options.json:
        render(rooms)
        return
    render(
        [_row(r) for r in rooms],
        COLUMNS,
        empty="No open rooms. Open one: purrr rooms join contest CAT",
    )


@app.command(
    epilog=examples(
        "purrr rooms join contest Mittens",
        "purrr rooms join playground 3",
        "purrr rooms join 12 Mittens   # a room by id",
    )
)
def join(
    target: Annotated[
        str,
        typer.Argument(
            metavar="TYPE|ROOM",
            help="A room type (playground, contest, patrol: the first open room with space, "
            "else a new one) or a room id.",
            autocompletion=_complete_type,
        ),
    ],
    cat: CatArg,
) -> None:
    """Bring one of your cats into a room; the others in it are told."""
    client = connect()
    body: dict[str, Any] = {"cat_id": cat_id(client, cat)}
    if target.strip().isdigit():
        body["room_id"] = parse_id(target, "ROOM")
    else:
        body["type"] = target.strip()
    room = client.post("rooms", body)
    message(f"In room {room['id']} ({room['type']}). Start a round: purrr rooms play {room['id']}")
    _render_room(room)


@app.command(epilog=examples("purrr rooms leave 12", "purrr rooms leave 12 --json"))
def leave(room: RoomArg) -> None:
    """Take your cat out of a room (the last player out closes it)."""
    left = connect().post(f"rooms/{parse_id(room, 'ROOM')}/leave")
    message(
        f"Left room {left['id']}" + (" (now closed)." if left.get("status") == "closed" else ".")
    )
    _render_room(left)


@app.command(
    epilog=examples("purrr rooms play 12", "purrr rooms play 12 --json | jq '.placings[0]'")
)
def play(room: RoomArg) -> None:
    """Start a round of the room's activity with every fit cat present; everyone is paid."""
    _render_round(connect().post(f"rooms/{parse_id(room, 'ROOM')}/play"))


@app.command(epilog=examples("purrr rooms show 12", "purrr rooms show 12 --json"))
def show(room: RoomArg) -> None:
    """A room, its players and its latest rounds."""
    detail = connect().get(f"rooms/{parse_id(room, 'ROOM')}")
    if options.json:
        render(detail)
        return
    _render_room(detail)
    for played in detail.get("recent_rounds") or []:
        _render_round({**played, "room_id": detail["id"]})


def _line(event: dict[str, Any]) -> str:
    payload = event.get("payload") or {}
    kind = event.get("type", "")
    at = str(event.get("created_at", ""))[11:16]
    if kind == "room.joined":
        text = f"{payload.get('player')} joined with {payload.get('cat_name')} ({payload.get('personality_type')})"
    elif kind == "room.left":
        text = f"{payload.get('player')} left"
    elif kind == "room.round":
        ranked = ", ".join(
            (f"{p.get('place')}. " if p.get("place") else "")
            + f"{p.get('cat_name')} ({p.get('player')}) +{p.get('coins')} coins"
            for p in payload.get("placings") or []
        )
        what = (payload.get("event") or {}).get("name") or payload.get("activity")
        text = f"round {payload.get('round')}, {what}: {ranked}"
    elif kind == "room.closed":
        text = "the room closed"
    else:
        text = kind.removeprefix("room.")
    return f"{at}  {text}"


@app.command(
    epilog=examples(
        "purrr rooms watch 12",
        "purrr rooms watch 12 --since 0   # from the room's start",
        "purrr rooms watch 12 --json | jq -r .type",
    )
)
def watch(
    room: RoomArg,
    since: Annotated[
        int | None,
        typer.Option(
            min=0, max=2**63 - 1, help="Show events after this version (default: only new ones)."
        ),
    ] = None,
    interval: FallbackInterval = 2,
) -> None:
    """Follow a room live: players joining and leaving, each round's results, until the room
    closes (Ctrl-C stops). One line per event, or one JSON object per line with --json."""
    client = connect()
    room_id = parse_id(room, "ROOM")
    cursor = since or 0
    if since is None:  # skip the history: start after the room's latest event
        while True:
            page = client.get(f"rooms/{room_id}/events/poll", since=cursor, limit=1000)
            cursor = int(page.get("cursor") or cursor)
            if len(page.get("events") or []) < 1000:
                break
        message(f"Watching room {room_id} (Ctrl-C stops).")
    path = f"rooms/{room_id}/events"
    # Live: one long request every few minutes (rate limits count requests, not events).
    for event in sse.follow(client, path, cursor):
        cursor = int(event.get("version") or cursor)
        typer.echo(json.dumps(event, default=str) if options.json else _line(event))
        if event.get("type") == "room.closed":
            return
    while True:  # a server without the live stream: look every --interval seconds
        page = client.get(f"{path}/poll", since=cursor)
        found = page.get("events") or []
        for event in found:
            typer.echo(json.dumps(event, default=str) if options.json else _line(event))
        cursor = int(page.get("cursor") or cursor)
        if page.get("status") == "closed" and len(found) < 500:
            return
        if not found:
            time.sleep(interval)
