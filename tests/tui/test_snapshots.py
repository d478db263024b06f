"""Snapshots of every screen and dialog at 80×24 and 120×40, the wide home, and the main views
without colour (pinned clock, seeded cats and seeds)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.widgets import Input

from tests.tui.pilot import settle

SIZES = [(80, 24), (120, 40)]
sizes = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
Steps = Callable[[Any], Awaitable[None]]


async def _settle(pilot: Any) -> None:
    await settle(pilot)
    await settle(pilot)


def steps(cats: list[dict[str, Any]], *actions: Any) -> Steps:
    """Run the actions in order: a key name, a (callable of the app), or "cat:N" to open cat N."""

    async def run(pilot: Any) -> None:
        await _settle(pilot)
        for action in actions:
            if callable(action):
                action(pilot.app)
            elif action.startswith("cat:"):
                pilot.app.open_cat(cats[int(action[4:])]["id"])
            else:
                await pilot.press(action)
            await _settle(pilot)
        # A focused text field's cursor blinks: hold it hidden so the snapshot is stable.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await _settle(pilot)

    return run


def deploy_patrol(client: Any, cats: list[dict[str, Any]]) -> None:
    client.post("night-watch/deploy", {"cat_ids": [cats[1]["id"]], "area": "park"})


# --- screens -----------------------------------------------------------------------------------


@sizes
def test_cats_home(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats))


def test_cats_home_wide(screen_matches, make_app, cats) -> None:
    assert screen_matches(make_app(), terminal_size=(200, 50), run_before=steps(cats))


@sizes
def test_cat_detail(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "cat:0"))


@sizes
def test_nightwatch(screen_matches, make_app, cats, client, size) -> None:
    deploy_patrol(client, cats)
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "n"))


@sizes
def test_breeding(screen_matches, make_app, cats, size) -> None:
    def use_best_pair(app: Any) -> None:
        app.screen.query_one("#pairs").focus()

    run = steps(cats, "b", use_best_pair, "enter")
    assert screen_matches(make_app(), terminal_size=size, run_before=run)


@sizes
def test_games(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "g"))


@sizes
def test_wallet(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "w"))


# --- dialogs -----------------------------------------------------------------------------------


@sizes
def test_help_dialog(screen_matches, make_app, cats, size) -> None:
    run = steps(cats, "question_mark")
    assert screen_matches(make_app(), terminal_size=size, run_before=run)


@sizes
def test_feed_dialog(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "cat:1", "f"))


@sizes
def test_adopt_dialog(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "a"))


@sizes
def test_deploy_dialog(screen_matches, make_app, cats, client, size) -> None:
    for name in ("Shadow", "Pepper", "Biscuit", "Tiger", "Whiskers"):  # more than fit at 80×24
        client.post("cats", {"name": name, "personality_type": "aloof"})
    run = steps(cats, "n", "d", "tab", "space")
    assert screen_matches(make_app(), terminal_size=size, run_before=run)


@sizes
def test_zone_dialog(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "n", "z"))


@sizes
def test_play_dialog(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "g", "p"))


@sizes
def test_buy_confirm_dialog(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "w", "p"))


@sizes
def test_deposit_dialog(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "w", "d"))


# --- without colour ------------------------------------------------------------------------------


@pytest.fixture
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize(
    "where",
    [(), ("cat:0",), ("n",), ("n", "d", "tab", "space")],
    ids=["home", "cat", "nw", "deploy"],
)
def test_no_color(screen_matches, no_color, make_app, cats, client, where) -> None:
    deploy_patrol(client, cats)
    run = steps(cats, *where)
    assert screen_matches(make_app(), terminal_size=(80, 24), run_before=run)


# --- rooms (a hosted server) -------------------------------------------------------------------


def contest_played(hosted_player: Any, make_hosted_app: Any) -> Any:
    """Alice (Tom) and Bob (Sky) in a contest room, one round played; alice's dashboard."""
    bob = hosted_player("bob", (("Sky", "social_butterfly"),))
    app = make_hosted_app()
    alice = app.api._client
    alice.post("rooms", {"type": "contest", "cat_id": 1})
    bob.post("rooms", {"type": "contest", "cat_id": 3})
    alice.post("rooms/1/play")
    return app


@sizes
def test_rooms(screen_matches, make_hosted_app, hosted_player, size) -> None:
    app = contest_played(hosted_player, make_hosted_app)
    assert screen_matches(app, terminal_size=size, run_before=steps([], "m"))


@sizes
def test_rooms_join_dialog(screen_matches, make_hosted_app, hosted_player, size) -> None:
    bob = hosted_player("bob", (("Sky", "social_butterfly"),))
    bob.post("rooms", {"type": "playground", "cat_id": 3})
    run = steps([], "m", "j")
    assert screen_matches(make_hosted_app(), terminal_size=size, run_before=run)


@sizes
def test_rooms_on_the_local_game(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=steps(cats, "m"))


def test_no_color_rooms(screen_matches, no_color, make_hosted_app, hosted_player) -> None:
    app = contest_played(hosted_player, make_hosted_app)
    assert screen_matches(app, terminal_size=(80, 24), run_before=steps([], "m"))
