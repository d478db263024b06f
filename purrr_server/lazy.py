"""Lazy time on reads: features register catch-ups (due breedings, ended patrols) that cat reads
run first, so a cat read after the fact already shows its kittens or its patrol XP.

A catch-up checks cheaply on the read connection and only runs an action when something is due.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request

CatchUp = Callable[[Request, Any], Awaitable[None]]
_CATCH_UPS: list[CatchUp] = []


def on_cat_read(catch_up: CatchUp) -> CatchUp:
    """Register `catch_up(request, user)` to run before every read of the player's cats."""
    _CATCH_UPS.append(catch_up)
    return catch_up


async def bring_to_now(request: Request, user: Any) -> None:
    for catch_up in _CATCH_UPS:
        await catch_up(request, user)
