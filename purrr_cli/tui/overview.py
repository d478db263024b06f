"""What the header shows on every screen: the player's level, coins, the patrol, open alerts,
quests to claim, the sync state of a linked game, and which cats are busy (on patrol,
breeding). Loaded by the app in a worker."""

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
    #: The link to a remote (`GET /sync/status`, docs/sync.md); None when not linked or unknown.
    sync: dict[str, Any] | None = None
    #: The player's level and XP (`/auth/profile`), when the server reports them.
    level: int | None = None
    xp: int | None = None
    xp_to_next: int | None = None


async def _optional(request: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await request()
    except CliError:
        return None


async def load_overview(api: PurrrApi) -> Overview:
    """Read the Night Watch status, breedings and quests at once; a refused part stays unknown."""
    status, breedings, quests, sync, profile = await asyncio.gather(
        _optional(api.nightwatch_status),
        _optional(api.breedings),
        _optional(api.quests),
        _optional(api.sync_status),
        _optional(api.profile),
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
        sync=sync if isinstance(sync, dict) and sync.get("linked") else None,
        level=_int(profile, "player_level"),
        xp=_int(profile, "player_xp"),
        xp_to_next=_int(profile, "player_xp_to_next"),
    )


def _int(record: Any, key: str) -> int | None:
    """`record[key]` as an int, or None when absent (an older server reports no player level)."""
    value = record.get(key) if isinstance(record, dict) else None
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def sync_state(sync: dict[str, Any] | None, local_time: Any) -> tuple[str, bool]:
    """(`⇅ synced 22:05`, whether it is a problem) for a linked game; ("", False) otherwise.

    Problems first: a copy that needs rebuilding or disagrees with the remote, actions the remote
    rejected at the last push, failing syncs; then actions waiting to be pushed; else the time of
    the last sync. `local_time(iso)` writes a time for people.
    """
    if not sync or not sync.get("linked"):
        return "", False
    agreement = sync.get("agreement") or {}
    last_push = str(sync.get("last_push") or "")
    rejected = [
        r
        for r in sync.get("rejections") or []
        if isinstance(r, dict) and str(r.get("rejected_at") or "") >= last_push
    ]
    if sync.get("needs_rebuild"):
        return "⇅ sync: rebuild needed", True
    if isinstance(agreement, dict) and agreement.get("agreed") is False:
        return "⇅ sync: copies disagree", True
    if rejected:
        return f"⇅ sync: {len(rejected)} rejected", True
    if sync.get("last_error"):
        failures = int(sync.get("failures") or 0)
        return "⇅ sync failing" + (f" ({failures}×)" if failures > 1 else ""), True
    pending = int(sync.get("pending") or 0)
    if pending:
        return f"⇅ {pending} to sync", False
    last = max(last_push, str(sync.get("last_pull") or ""))
    return ("⇅ synced " + local_time(last) if last else "⇅ linked, not synced yet"), False
