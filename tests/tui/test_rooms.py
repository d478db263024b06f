"""Rooms (`m`) on a real hosted server app (in-process, pinned clock and seeds): joining with a
chosen cat, another player arriving live through the room's channel, playing a round and its
result, leaving, watching a room without joining; and the local game, which has no rooms."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.widgets import Select

from purrr_cli.client import Client
from purrr_cli.tui.screens.rooms import RoomsScreen
from purrr_cli.tui.widgets.records import RecordTable
from tests.tui.conftest import text_of
from tests.tui.pilot import TIMEOUT, settle


def shown(app: Any, selector: str) -> str:
    return text_of(app.screen.query_one(selector))


def rows(app: Any, table: str) -> list[dict[str, Any]]:
    return app.screen.query_one(table, RecordTable).records


def toasts(app: Any) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


async def until(pilot: Any, condition: Callable[[], bool], what: str) -> None:
    """Wait (the app running) until `condition()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not condition():
        assert loop.time() < deadline, f"never happened: {what}"
        await pilot.pause(0.05)


async def join(pilot: Any, room: str, cat_name: str) -> None:
    """j, pick the room and the cat, confirm."""
    await pilot.press("j")
    await settle(pilot)
    dialog = pilot.app.screen
    dialog.query_one("#field-room", Select).value = room
    cats = dialog.query_one("#field-cat_id", Select)
    cats.value = next(value for label, value in cats._options if label == cat_name)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: any(" is in room #" in m for m, _ in toasts(pilot.app)), "joined")
    await settle(pilot)


async def test_the_local_game_says_rooms_need_a_hosted_server(make_app, cats) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, RoomsScreen)
        assert "Rooms need a hosted server" in shown(app, "#rooms-note")
        assert "purrr --server URL tui" in shown(app, "#rooms-note")
        assert not app.screen.query_one("#rooms-main").display
        assert not app.screen.query_one("#load-error").has_class("-shown")
        assert toasts(app) == []  # the screen says it; no error toasts
        await pilot.press("r", "j", "p", "l")
        await settle(pilot)
        said = toasts(app)
        assert all(severity == "warning" for _, severity in said), said
        assert said and all("need a hosted server" in message for message, _ in said)


async def test_join_see_another_player_arrive_live_play_and_leave(
    make_hosted_app, hosted_player
) -> None:
    app = make_hosted_app(live=True, poll_interval=0.1)
    bob: Client = hosted_player("bob", (("Sky", "social_butterfly"),))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert "0 open rooms" in shown(app, "#rooms-note"), shown(app, "#load-error")
        await join(pilot, "type:contest", "Tom")
        assert any("Tom is in room #1 (Contest)" in m for m, _ in toasts(app)), toasts(app)
        assert "Room #1: Contest (open)" in shown(app, "#room-title")
        assert [m["cat_name"] for m in rows(app, "#members")] == ["Tom"]
        assert "waiting for another player" in shown(app, "#rooms-note")
        await pilot.press("p")  # alone: not sent, the server would refuse
        await settle(pilot)
        assert any("A round needs 2 cats" in m for m, s in toasts(app) if s == "warning")

        # Bob joins from elsewhere: the room's channel brings him, with no key pressed.
        await asyncio.to_thread(bob.post, "rooms", {"room_id": 1, "cat_id": 3})
        await until(pilot, lambda: len(rows(app, "#members")) == 2, "bob's cat in the members")
        assert "bob joined with Sky (social butterfly)" in shown(app, "#room-log")
        assert "p plays a round" in shown(app, "#rooms-note")

        await pilot.press("p")
        await settle(pilot)
        result = shown(app, "#room-round")
        assert "Round 1:" in result and "won by" in result
        assert "Tom (alice)" in result and "Sky (bob)" in result
        assert any(m.startswith("Round 1:") for m, _ in toasts(app))
        await until(pilot, lambda: "round 1:" in shown(app, "#room-log"), "the round in the log")
        assert "next round from" in shown(app, "#rooms-note")
        await pilot.press("p")  # before the pause is over: not sent either
        await settle(pilot)
        assert any("next round can start from" in m for m, s in toasts(app) if s == "warning")
        assert (await asyncio.to_thread(bob.get, "rooms/1"))["rounds"] == 1
        placings = (await asyncio.to_thread(bob.get, "rooms/1"))["recent_rounds"][0]["placings"]
        coins = {p["cat_name"]: p["coins"] for p in placings}
        assert f"+{coins['Tom']}" in result and f"+{coins['Sky']}" in result

        await pilot.press("l")
        await settle(pilot)
        assert any("You left room #1." in m for m, _ in toasts(app))
        assert "No room" in shown(app, "#room-title")
        members = (await asyncio.to_thread(bob.get, "rooms/1"))["members"]
        assert [m["cat_name"] for m in members] == ["Sky"]


async def test_enter_watches_a_room_without_joining(make_hosted_app, hosted_player) -> None:
    bob = hosted_player("bob", (("Sky", "social_butterfly"),))
    app = make_hosted_app()
    bob.post("rooms", {"type": "playground", "cat_id": 3})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await settle(pilot)
        assert "No room" in shown(app, "#room-title")
        assert [r["id"] for r in rows(app, "#rooms")] == [1]
        app.screen.query_one("#rooms").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "Room #1: Playground (open)" in shown(app, "#room-title")
        assert "Watching room #1 Playground" in shown(app, "#rooms-note")
        assert "bob joined with Sky" in shown(app, "#room-log")
        await pilot.press("p")  # not your room: nothing is sent
        await settle(pilot)
        assert any("You are in no room here" in m for m, _ in toasts(app))
        assert bob.get("rooms/1")["rounds"] == 0


async def test_the_join_dialog_offers_only_free_cats(make_hosted_app, hosted_player) -> None:
    app = make_hosted_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await settle(pilot)
        await join(pilot, "type:playground", "Tom")
        await pilot.press("j")
        await settle(pilot)
        offered = [label for label, _ in app.screen.query_one("#field-cat_id", Select)._options]
        assert offered == ["Misty"]  # Tom is in a room already
        rooms = [label for label, _ in app.screen.query_one("#field-room", Select)._options]
        assert rooms == ["Any Playground room", "Any Contest room", "Any Joint Night Watch room"]


async def test_palette_and_help_reach_the_rooms(make_hosted_app, hosted_player) -> None:
    from textual.command import CommandPalette

    from purrr_cli.tui.commands import PurrrCommands

    app = make_hosted_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Go to Rooms")
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoomsScreen)
        titles = [title for title, _, _ in PurrrCommands(app.screen)._commands()]
        assert {"Join", "Play round", "Leave"} <= set(titles)
        await pilot.press("question_mark")
        keys = text_of(app.screen.query_one("#help-keys"))
        for line in (
            "j         Join",
            "p         Play round",
            "l         Leave",
            "m         Rooms",
        ):
            assert line in keys
