"""Snapshots of the main screens at 80×24 and 120×40 (pinned clock, seeded cats and seeds)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.pilot import settle

SIZES = [(80, 24), (120, 40)]


async def _settle(pilot: Any) -> None:
    await settle(pilot)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cats_home(screen_matches, make_app, cats, size) -> None:
    assert screen_matches(make_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cat_detail(screen_matches, make_app, cats, size) -> None:
    async def open_cat(pilot: Any) -> None:
        await _settle(pilot)
        pilot.app.open_cat(cats[0]["id"])
        await _settle(pilot)

    assert screen_matches(make_app(), terminal_size=size, run_before=open_cat)


def test_help_dialog(screen_matches, make_app, cats) -> None:
    async def help_(pilot: Any) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)

    assert screen_matches(make_app(), terminal_size=(80, 24), run_before=help_)


def test_feed_dialog(screen_matches, make_app, cats) -> None:
    async def feed(pilot: Any) -> None:
        await _settle(pilot)
        pilot.app.open_cat(cats[1]["id"])
        await _settle(pilot)
        await pilot.press("f")
        await _settle(pilot)

    assert screen_matches(make_app(), terminal_size=(80, 24), run_before=feed)
