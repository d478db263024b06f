"""The dashboard's idea of "now": `PURRR_NOW` pins it (tests, snapshots), else the UTC clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any


def now() -> datetime:
    pinned = os.environ.get("PURRR_NOW")
    if pinned:
        moment = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def parse(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp from the API, or None."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def countdown(seconds: float) -> str:
    """`2h 05m` / `4m 10s` — short and readable."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def short(value: Any, *, compact: bool = False) -> str:
    """An API timestamp for people, in this machine's time zone: `Sat 12 Apr 22:00`, or with
    `compact` `Sat 22:00`; "" if none."""
    moment = parse(str(value)) if value else None
    if moment is None:
        return ""
    return moment.astimezone().strftime("%a %H:%M" if compact else "%a %d %b %H:%M")
