"""Waiting for the dashboard to be still, without sleeping for a guessed time."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.worker import WorkerCancelled

from purrr_cli.tui.screens.base import PurrrScreen

#: Generous: a loaded CI machine may take a while to start the in-process server.
TIMEOUT = 30.0
#: Worker groups that follow live feeds until cancelled.
LIVE = frozenset({"events", "room-channel"})


async def settle(pilot: Any) -> None:
    """Let the current screen finish its first load, every worker finish, and the screen repaint.

    A screen starts loading only after its first frame is painted, so waiting for workers alone
    can return before the load has even begun; the screen's finished-load counter closes that gap.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        await pilot.pause()
        try:
            # Not the live feeds, which run until cancelled (a dashboard built with live=True).
            finite = [w.wait() for w in pilot.app.workers if w.group not in LIVE]
            await asyncio.wait_for(asyncio.gather(*finite), max(0.1, deadline - loop.time()))
        except TimeoutError:
            raise AssertionError(f"workers still running after {TIMEOUT:.0f} s") from None
        except WorkerCancelled:
            continue  # an exclusive load replaced by a newer one: wait for that one instead
        screen = pilot.app.screen
        if not isinstance(screen, PurrrScreen) or screen.loads_finished > 0:
            break
        if loop.time() > deadline:
            raise AssertionError(f"{type(screen).__name__} never finished loading")
    # Workers started by finishing ones (the header's overview after a load) finish too;
    # the live feeds (the player's events, a room's channel) never do and are not waited for.
    while busy := [w for w in pilot.app.workers if w.group not in LIVE and not w.is_finished]:
        await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
        if loop.time() > deadline:
            raise AssertionError(f"workers still running: {busy}")
    await pilot.pause()
    # A DataTable sizes its columns to new rows on its next idle moment: on a busy machine the
    # screenshot could come first (header-wide columns, cut names). Wait for that moment.
    from textual.widgets import DataTable

    while any(
        getattr(table, "_require_update_dimensions", False)
        for table in pilot.app.screen.query(DataTable)
    ):
        if loop.time() > deadline:
            raise AssertionError("a table never sized its columns")
        await pilot.pause(0.02)
    await pilot.pause()
