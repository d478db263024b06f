"""Rooms (`m`): multiplayer rooms on a hosted server. The open rooms, joining with a chosen cat,
the current room's players and events as they happen (read from the room's channel), playing
its activity and the round's result. The local game has no rooms: the screen says so, once."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.widgets import Label, Static

from purrr_cli.errors import (
    CliError,
    HostedOnlyError,
    NotFoundError,
    RateLimitedError,
    UnreachableError,
)
from purrr_cli.tui import clock
from purrr_cli.tui.screens.base import PurrrScreen
from purrr_cli.tui.screens.form import FormDialog, FormField
from purrr_cli.tui.sse import event_of
from purrr_cli.tui.widgets.records import Column, RecordTable, records_of, shorten

#: Room events read per request when catching up with a room's history.
PAGE = 1000
#: Lines of the room's event log kept on screen.
LOG_LINES = 40
#: From this width the room's players and its result/log sit side by side; narrower, stacked.
SIDE_BY_SIDE_FROM = 110

ROOM_COLUMNS: list[Column] = [
    ("Room", lambda r: f"#{r['id']} {r.get('name', r.get('type', ''))}"),
    ("Players", lambda r: f"{len(r.get('members') or [])}/{r.get('max_players', '?')}"),
    ("Cats", lambda r: ", ".join(m["cat_name"] for m in r.get("members") or []) or "-"),
    ("Rounds", "rounds"),
    ("You", lambda r: "in it" if r.get("_mine") else ""),
]
MEMBER_COLUMNS: list[Column] = [
    ("Player", lambda m: f"{m['player']} (you)" if m.get("_mine") else m["player"]),
    ("Cat", "cat_name"),
    ("Personality", "personality_type"),
    ("Level", "level"),
]

HOSTED_ONLY_TEXT = """\
Rooms need a hosted server.

This is your local game, where you are the only player, so there is nobody to meet. To play \
rooms, point purrr at a hosted server and log in there:

  purrr --server URL auth login
  purrr --server URL tui

(or set PURRR_SERVER=URL). See docs/rooms.md."""


def event_line(event: dict[str, Any]) -> Text:
    """`Sat 22:00  alice joined with Tom (territorial)`: one line of the room's log."""
    payload = event.get("payload") or {}
    kind = str(event.get("type") or "")
    if kind == "room.created":
        text = "the room opened"
    elif kind == "room.joined":
        text = (
            f"{payload.get('player')} joined with {payload.get('cat_name')} "
            f"({str(payload.get('personality_type', '')).replace('_', ' ')})"
        )
    elif kind == "room.left":
        text = f"{payload.get('player')} left"
    elif kind == "room.round":
        text = f"round {payload.get('round')}: {round_headline(payload)}"
    elif kind == "room.closed":
        text = "the room closed"
    else:
        text = kind.removeprefix("room.").replace("_", " ")
    line = Text(clock.short(event.get("created_at"), compact=True) + "  ", style="dim")
    line.append(text)
    return line


def round_headline(played: dict[str, Any]) -> str:
    """`Backyard Sprint, won by Tom (alice)`, `a romp`, `a joint Night Watch, 2 strays saved`."""
    placings = [p for p in played.get("placings") or [] if isinstance(p, dict)]
    activity = str(played.get("activity") or "")
    if activity == "contest":
        what = (played.get("event") or {}).get("name") or "contest"
        winner = next((p for p in placings if p.get("place") == 1), None)
        return f"{what}, won by {winner['cat_name']} ({winner['player']})" if winner else what
    if activity == "patrol":
        summary = played.get("summary") or {}
        return f"a joint Night Watch, {summary.get('strays_saved', 0)} strays saved"
    return "a romp together" if activity == "romp" else activity


def round_view(played: dict[str, Any] | None, mine: set[int]) -> Any:
    """The round's result: a headline, then one row per cat (yours marked)."""
    if not played:
        return Text("No round yet: press p when two cats are here.")
    placings = [p for p in played.get("placings") or [] if isinstance(p, dict)]
    contest = played.get("activity") == "contest"
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    if contest:
        table.add_column("#", justify="right")
    table.add_column("Cat", overflow="ellipsis", no_wrap=True, max_width=24)
    if contest:
        table.add_column("Score", justify="right")
    table.add_column("Coins", justify="right")
    table.add_column("XP", justify="right")
    for placing in placings:
        name = f"{placing.get('cat_name')} ({placing.get('player')})"
        style = "bold" if placing.get("cat_id") in mine else ""
        row = [name, f"+{placing.get('coins', 0)}", f"+{placing.get('xp_gained', 0)}"]
        if contest:
            row = [str(placing.get("place") or ""), name, str(placing.get("score") or ""), *row[1:]]
        table.add_row(*row, style=style)
    parts: list[Any] = [
        Text(f"Round {played.get('round')}: {round_headline(played)}", style="bold"),
        table,
    ]
    for sat_out in played.get("skipped") or []:
        reason = str(sat_out.get("reason") or "").replace("_", " ")
        parts.append(Text(f"{sat_out.get('cat_name')} sat out ({reason})", style="italic"))
    return Group(*parts)


class RoomsScreen(PurrrScreen):
    """The rooms of a hosted server, and the one the player is watching."""

    HELP = """\
# Rooms

Multiplayer rooms on a **hosted server**: each player brings one cat, and any player in the room
starts a round of its activity for every fit cat present. **Contest**: a seeded contest decided
by stats, level, condition and personality (territorial cats are best); prizes by place.
**Playground**: a romp, no ranking; social butterflies love it. **Joint Night Watch**: the cats
patrol one night together and share the coins.

**j** joins a room with one of your cats (the room under the cursor, or the first open room of a
type). The room you are in is shown below the list: its players and everything that happens in
it, as it happens. **p** plays a round there, **l** takes your cat out (the last player out
closes the room). **Enter** on any room watches it without joining.

The local game has no rooms (you are its only player): run the dashboard on a hosted server,
`purrr --server URL tui`, after `purrr --server URL auth login`.
"""
    MODE = "rooms"
    LIVE_EVENTS = ("room.",)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "join", "Join", id="rooms.join"),
        Binding("p", "play", "Play round", id="rooms.play"),
        Binding("l", "leave", "Leave", id="rooms.leave"),
        Binding("enter", "watch", "Watch", id="rooms.watch", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: None until the first load; False on the local game (rooms need a hosted server).
        self.hosted: bool | None = None
        self.hosted_message = ""
        self.rooms: list[dict[str, Any]] = []
        self.cats: list[dict[str, Any]] = []
        #: The room shown below the list (yours, or one picked with Enter), and its detail.
        self.room_id: int | None = None
        self.room: dict[str, Any] | None = None
        #: The room channel as read so far: the room it belongs to, its cursor and its lines.
        self.log_room: int | None = None
        self.cursor = 0
        self.log_lines: list[Text] = []
        #: The round just played here (shown until a newer one arrives).
        self.played: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("Loading rooms…", id="rooms-note", classes="summary")
        with Vertical(id="rooms-main"):
            yield Label("Open rooms", classes="section")
            yield RecordTable(ROOM_COLUMNS, id="rooms")
            yield Label("", id="room-title", classes="section")
            with Container(id="room-body"):
                yield RecordTable(MEMBER_COLUMNS, key="cat_id", id="members")
                with Vertical(id="room-side"):
                    yield Static("", id="room-round")
                    with VerticalScroll(id="room-log-scroll"):
                        yield Static("", id="room-log")

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < SIDE_BY_SIDE_FROM
        self.query_one("#room-body").set_class(narrow, "-narrow")

    # --- loading --------------------------------------------------------------------------

    async def fetch(self) -> dict[str, Any]:
        try:
            open_rooms, mine, cats = await asyncio.gather(
                self.api.rooms(), self.api.rooms(mine=True), self.api.cats()
            )
        except HostedOnlyError as exc:
            return {"hosted_only": exc.message}
        my_cats = {int(c["id"]) for c in cats}
        mine = records_of(mine, "rooms")
        room_id = self.room_id if self.room_id is not None else newest_room(mine, my_cats)
        detail: dict[str, Any] | None = None
        history: dict[str, Any] | None = None
        if room_id is not None:
            try:
                detail = await self.api.room(room_id)
            except NotFoundError:
                room_id = newest_room(mine, my_cats)
                detail = await self.api.room(room_id) if room_id is not None else None
            if room_id is not None and room_id != self.log_room:
                history = await self._history(room_id)
        return {
            "rooms": records_of(open_rooms, "rooms"),
            "mine": mine,
            "cats": cats,
            "room": detail,
            "history": history,
        }

    async def _history(self, room_id: int) -> dict[str, Any]:
        """Everything the room's channel has said so far (its log, and where to go on from)."""
        events: list[dict[str, Any]] = []
        cursor = 0
        while True:
            page = await self.api.room_events(room_id, cursor, PAGE)
            found = records_of(page.get("events"), "events")
            events = (events + found)[-LOG_LINES:]
            cursor = int(page.get("cursor") or cursor)
            if len(found) < PAGE:
                return {"room_id": room_id, "events": events, "cursor": cursor}

    def show(self, data: dict[str, Any]) -> None:
        if "hosted_only" in data:
            self._show_hosted_only(str(data["hosted_only"]))
            return
        self.hosted = True
        self.query_one("#rooms-main").display = True
        self.query_one("#rooms-note").remove_class("-wrap")
        self.cats = data["cats"]
        self.purrr.remember_cats(self.cats)
        my_cats = self.my_cats()
        mine_ids = {int(r["id"]) for r in data["mine"]}
        listed = {int(r["id"]) for r in data["rooms"]}
        # Your rooms first (open ones the list has too), then the other open rooms.
        rooms = [r for r in data["mine"] if r.get("status") == "open" or int(r["id"]) in listed]
        rooms += [r for r in data["rooms"] if int(r["id"]) not in mine_ids]
        self.rooms = [{**r, "_mine": int(r["id"]) in mine_ids} for r in rooms]
        self.query_one("#rooms", RecordTable).set_records(self.rooms)
        history = data.get("history")
        if history is not None:
            self.log_room = int(history["room_id"])
            self.cursor = int(history["cursor"])
            self.log_lines = [event_line(e) for e in history["events"]]
            self.played = None
        self.room = data["room"]
        self.room_id = int(self.room["id"]) if self.room else None
        self._show_room(my_cats)
        self.query_one("#rooms-note", Static).update(self._note(my_cats))
        if self.room and self.room.get("status") == "open" and self.purrr.live:
            self.follow(int(self.room["id"]))

    def _show_hosted_only(self, message: str) -> None:
        self.hosted = False
        self.hosted_message = message
        self.query_one("#rooms-main").display = False
        text = Text(HOSTED_ONLY_TEXT)
        text.stylize("bold", 0, HOSTED_ONLY_TEXT.index("\n"))
        self.query_one("#rooms-note", Static).update(text)
        self.query_one("#rooms-note").add_class("-wrap")

    def _show_room(self, my_cats: set[int]) -> None:
        room = self.room
        title = self.query_one("#room-title", Label)
        members = self.query_one("#members", RecordTable)
        if room is None:
            title.update("No room: press j to join one")
            members.set_records([])
            self.query_one("#room-round", Static).update("")
            self.query_one("#room-log", Static).update("")
            return
        state = "open" if room.get("status") == "open" else "closed"
        title.update(f"Room #{room['id']}: {room.get('name', room.get('type'))} ({state})")
        members.set_records(
            [{**m, "_mine": m.get("cat_id") in my_cats} for m in room.get("members") or []]
        )
        recent = records_of(room.get("recent_rounds"), "recent_rounds")
        latest = recent[0] if recent else None
        if self.played and (latest is None or self.played["round"] >= latest.get("round", 0)):
            latest = self.played
        self.query_one("#room-round", Static).update(round_view(latest, my_cats))
        self._show_log()

    def _show_log(self) -> None:
        log = self.query_one("#room-log", Static)
        log.update(
            Text("\n").join(self.log_lines) if self.log_lines else Text("Nothing has happened yet.")
        )
        self.query_one("#room-log-scroll", VerticalScroll).scroll_end(animate=False)

    def _note(self, my_cats: set[int]) -> str:
        room = self.room
        if room is None:
            count = len([r for r in self.rooms if r.get("status") == "open"])
            return f"{count} open room{'s' * (count != 1)} · j joins one with a cat"
        yours = next((m for m in room.get("members") or [] if m.get("cat_id") in my_cats), None)
        where = f"#{room['id']} {room.get('name', '')}"
        if room.get("status") != "open":
            return f"Room {where} is closed · j joins another"
        if yours is None:
            return f"Watching room {where} · j joins it"
        players = f"{len(room.get('members') or [])}/{room.get('max_players')} players"
        parts = [f"In room {where} with {yours['cat_name']}", players]
        ready = clock.parse(room.get("next_round_at"))
        if ready is not None and ready > clock.now():
            parts.append(f"next round from {clock.short(room['next_round_at'], compact=True)}")
        elif len(room.get("members") or []) >= int(room.get("min_cats") or 2):
            parts.append("p plays a round")
        else:
            parts.append("waiting for another player")
        return " · ".join(parts)

    def failed(self, exc: CliError) -> None:
        if self.hosted is None:
            self.query_one("#rooms-note", Static).update("The rooms could not be loaded.")

    def my_cats(self) -> set[int]:
        return {int(c["id"]) for c in self.cats}

    # --- the room channel ------------------------------------------------------------------

    @work(group="room-channel", exclusive=True)
    async def follow(self, room_id: int) -> None:
        """Read the room's channel while it is shown: new lines in the log, and a reload of the
        room (players, rounds) when someone joins, leaves or plays. The channel's stream (one
        request for minutes, resumed after the last event), or polling a server without it."""
        streaming = self.api.can_stream
        delay = self.purrr.poll_interval
        while self.room_id == room_id and self.is_current:
            if not streaming:
                await asyncio.sleep(delay)
            closed = False
            try:
                if streaming:
                    opened = asyncio.get_running_loop().time()
                    seconds = self.purrr.stream_seconds
                    async for frames in self.api.stream_room_events(room_id, self.cursor, seconds):
                        found = [e for e in map(event_of, frames) if e is not None]
                        if not self._take(found, room_id):
                            return  # another room is shown now
                        closed = any(e.get("type") == "room.closed" for e in found)
                    if asyncio.get_running_loop().time() - opened < seconds / 2:
                        await asyncio.sleep(self.purrr.poll_interval)  # ended early: no spin
                else:
                    page = await self.api.room_events(room_id, self.cursor)
                    found = records_of(page.get("events"), "events")
                    if not self._take(found, room_id):
                        return
                    closed = page.get("status") == "closed" and not found
            except UnreachableError as exc:
                self.report(exc, quiet=True)
                delay = min(delay * 2, 30.0)
                if streaming:
                    await asyncio.sleep(delay)
                continue
            except NotFoundError:
                if not streaming:
                    return
                streaming = False  # a server without the room's stream (or the room is gone)
                continue
            except RateLimitedError as exc:
                await asyncio.sleep(self.purrr.held_off(exc, delay))
                continue
            except CliError:
                return  # the room is gone or no longer ours to read: the next load says so
            delay = self.purrr.poll_interval
            if closed or self.room_id != room_id or self.log_room != room_id:
                return

    def _take(self, found: list[dict[str, Any]], room_id: int) -> bool:
        """Add the channel's new events to the log (and reload the room); False when the room
        shown is no longer the one read."""
        if self.room_id != room_id or self.log_room != room_id:
            return False
        for event in found:
            self.cursor = max(self.cursor, int(event.get("version") or self.cursor))
        if found:
            self.log_lines = (self.log_lines + [event_line(e) for e in found])[-LOG_LINES:]
            self._show_log()
            self.reload()
        return True

    def on_screen_suspend(self) -> None:
        self.workers.cancel_group(self, "room-channel")

    # --- actions ---------------------------------------------------------------------------

    def _hosted_or_say(self) -> bool:
        """True on a hosted server; on the local game, one warning saying why not."""
        if self.hosted is False:
            self.notify(
                "Rooms need a hosted server: purrr --server URL tui (see ? for more).",
                title="Local game",
                severity="warning",
            )
        return self.hosted is True

    def on_data_table_row_selected(self, event: Any) -> None:
        if event.data_table.id == "rooms":
            self.action_watch()

    def action_watch(self) -> None:
        if not self._hosted_or_say():
            return
        room = self.query_one("#rooms", RecordTable).selected()
        if room is None:
            self.notify("No room selected.", severity="warning")
            return
        self.room_id = int(room["id"])
        self.reload()

    def action_join(self) -> None:
        if not self._hosted_or_say():
            return
        free = self._free_cats()
        if not free:
            self.notify(
                "No cat is free to join: each cat can be in one room, and cats on patrol "
                "or with less than 15 energy cannot join.",
                severity="warning",
            )
            return
        fields = [
            FormField("room", "Room", choices=self._room_choices()),
            FormField("cat_id", "Cat", choices=tuple((shorten(c["name"]), c["id"]) for c in free)),
        ]

        def join(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            kind, _, target = str(values["room"]).partition(":")
            body: dict[str, Any] = {"cat_id": values["cat_id"]}
            body["room_id" if kind == "room" else "type"] = (
                int(target) if kind == "room" else target
            )
            self.call(self.api.join_room(body), self._joined)

        self.app.push_screen(FormDialog("Join a room", fields, "Join"), join)

    def _room_choices(self) -> tuple[tuple[str, str], ...]:
        from purrr_core.rooms import room_types

        choices: list[tuple[str, str]] = []
        selected = self.query_one("#rooms", RecordTable).selected()
        for room in ([selected] if selected else []) + self.rooms:
            members = room.get("members") or []
            if (
                room.get("_mine")
                or room.get("status") != "open"
                or len(members) >= int(room.get("max_players") or 0)
                or any(label.startswith(f"#{room['id']} ") for label, _ in choices)
            ):
                continue
            label = f"#{room['id']} {room.get('name')} ({len(members)}/{room['max_players']})"
            choices.append((label, f"room:{room['id']}"))
        for kind in room_types().values():
            choices.append((f"Any {kind.name} room", f"type:{kind.id}"))
        return tuple(choices)

    def _free_cats(self) -> list[dict[str, Any]]:
        """Your cats that may join: not in a room, not on patrol, not too tired."""
        from purrr_core.rooms import rules

        in_rooms = {m.get("cat_id") for r in self.rooms for m in r.get("members") or []}
        overview = self.purrr.overview
        busy = overview.busy if overview else {}
        need = rules().min_energy
        return [
            c
            for c in self.cats
            if c["id"] not in in_rooms
            and busy.get(int(c["id"])) != "on patrol"
            and int(c.get("energy", need)) >= need
        ]

    def _joined(self, room: dict[str, Any]) -> None:
        mine = self.my_cats()
        cat: dict[str, Any] = next(
            (m for m in room.get("members") or [] if m.get("cat_id") in mine), {}
        )
        name = cat.get("cat_name", "Your cat")
        self.notify(f"{name} is in room #{room['id']} ({room.get('name', room.get('type'))}).")
        self.room_id = int(room["id"])
        self.reload()

    def _my_room(self) -> dict[str, Any] | None:
        """The shown room, if your cat is in it (else a warning saying what to do)."""
        room = self.room
        mine = self.my_cats()
        if room is None or not any(m.get("cat_id") in mine for m in room.get("members") or []):
            self.notify("You are in no room here: press j to join one.", severity="warning")
            return None
        return room

    def action_play(self) -> None:
        if not self._hosted_or_say() or (room := self._my_room()) is None:
            return
        ready = clock.parse(room.get("next_round_at"))
        if ready is not None and ready > clock.now():
            when = clock.short(room["next_round_at"], compact=True)
            self.notify(f"The next round can start from {when}.", severity="warning")
            return
        needed = int(room.get("min_cats") or 2)
        if len(room.get("members") or []) < needed:
            self.notify(
                f"A round needs {needed} cats: wait for another player to join.",
                severity="warning",
            )
            return
        self.call(self.api.play_room(int(room["id"])), self._played)

    def _played(self, played: dict[str, Any]) -> None:
        self.played = played
        self.notify(f"Round {played.get('round')}: {round_headline(played)}.")
        self._show_room(self.my_cats())
        self.reload()

    def action_leave(self) -> None:
        if not self._hosted_or_say() or (room := self._my_room()) is None:
            return
        self.call(self.api.leave_room(int(room["id"])), self._left)

    def _left(self, room: dict[str, Any]) -> None:
        closed = " (now closed)" if room.get("status") == "closed" else ""
        self.notify(f"You left room #{room['id']}{closed}.")
        self.room_id = None
        self.log_room = None
        self.reload()


def newest_room(rooms: list[dict[str, Any]], my_cats: set[int]) -> int | None:
    """The open room the player joined last, if any."""
    joined = [
        (str(m.get("joined_at") or ""), int(r["id"]))
        for r in rooms
        if r.get("status") == "open"
        for m in r.get("members") or []
        if m.get("cat_id") in my_cats
    ]
    return max(joined)[1] if joined else None
