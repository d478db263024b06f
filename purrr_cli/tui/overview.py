"""What the header shows on every screen: coins, the patrol, open alerts, quests to claim,
and which cats are busy (on patrol, breeding). Loaded by the app in a worker."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from purrr_cli.errors import CliError

if TYPE_CHECKING:
    from purrr_cli.tui.api import PurrrApi


@dataclass(frozen=True)
class Overview:
    """The player's state at a glance; `None` fields are unknown (not loaded or refused)."""

    coins: int | None = None
    #: The patrol under way, if any.
    patrol: dict[str, Any] | None = None
    open_alerts: int | None = None
    claimable_quests: int | None = None
    #: cat id → what keeps it busy ("on patrol", "breeding").
    busy: dict[int, str] = field(default_factory=dict)


async def _optional(request: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await request()
    except CliError:
        return None


async def load_overview(api: PurrrApi) -> Overview:
    """Read the Night Watch status, breedings and quests at once; a refused part stays unknown."""
    status, breedings, quests = await asyncio.gather(
        _optional(api.nightwatch_status), _optional(api.breedings), _optional(api.quests)
    )
    busy: dict[int, str] = {}
    patrol = None
    coins = None
    open_alerts = None
    if isinstance(status, dict):
        record = status.get("record") or {}
        coins = record.get("coins") if isinstance(record, dict) else None
        open_alerts = status.get("open_alerts")
        candidate = status.get("patrol")
        if isinstance(candidate, dict) and candidate.get("status") == "active":
            patrol = candidate
            for cat in candidate.get("cats") or []:
                busy[int(cat["id"])] = "on patrol"
    if isinstance(breedings, dict):
        breedings = breedings.get("breedings")
    for breeding in breedings if isinstance(breedings, list) else []:
        if isinstance(breeding, dict) and breeding.get("status") == "pending":
            for role in ("sire_id", "dam_id"):
                if breeding.get(role) is not None:
                    busy.setdefault(int(breeding[role]), "breeding")
    claimable = (
        sum(1 for q in quests if isinstance(q, dict) and q.get("claimable"))
        if isinstance(quests, list)
        else None
    )
    return Overview(
        coins=int(coins) if coins is not None else None,
        patrol=patrol,
        open_alerts=int(open_alerts) if open_alerts is not None else None,
        claimable_quests=claimable,
        busy=busy,
    )
