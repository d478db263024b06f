"""The player's clock: one rule for every time-of-day feature.

Rules take `now` as an aware UTC instant and, where the hour of the day matters (the Night Watch
window, personalities' activity schedules, the hour an interaction is recorded at, daily quest
resets), the player's time zone as a `tzinfo`. The caller resolves the zone (the server's, or
the player's own setting in hosted mode); nothing here looks anything up. Zones are real zones
(`zoneinfo.ZoneInfo`), so summer time is followed; a fixed offset (`datetime.timezone`) works
too, without it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

__all__ = [
    "UTC",
    "at_local",
    "fixed_zone",
    "local",
    "local_date",
    "local_hour",
    "parse_fixed",
    "zone_name",
]

_OFFSET = re.compile(r"^UTC(?:([+-])(\d{2}):(\d{2}))?$")


def local(now: datetime, tz: tzinfo) -> datetime:
    """`now` on the player's wall clock (aware, in `tz`)."""
    if now.utcoffset() is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return now.astimezone(tz)


def local_hour(now: datetime, tz: tzinfo) -> int:
    """The hour of the day (0–23) on the player's clock."""
    return local(now, tz).hour


def local_date(now: datetime, tz: tzinfo) -> date:
    """The date on the player's clock (daily quests reset when it changes)."""
    return local(now, tz).date()


def at_local(day: date, hour: int, tz: tzinfo) -> datetime:
    """`hour`:00 on `day` on the player's clock, as an aware UTC instant. A wall time skipped by
    a summer-time change is read with the offset before it (02:30 on a spring-forward night is
    03:30 summer time)."""
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def fixed_zone(minutes: int) -> tzinfo:
    """A zone `minutes` ahead of UTC all year (no summer time); 0 is UTC."""
    return UTC if minutes == 0 else timezone(timedelta(minutes=minutes))


def zone_name(tz: tzinfo) -> str:
    """The name a zone is stored and shown by: the IANA key (`Europe/Berlin`), or `UTC±HH:MM`
    for a fixed offset (`UTC` for UTC itself)."""
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    offset = tz.utcoffset(None)
    if offset is None:
        raise ValueError(f"{tz!r} has no fixed offset and no IANA name")
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_fixed(name: str) -> tzinfo | None:
    """`UTC`, `UTC+01:00`, `UTC-05:30` as a fixed zone; None for any other name."""
    match = _OFFSET.match(name)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if sign is None:
        return UTC
    total = int(hours) * 60 + int(minutes)
    if total > 14 * 60 or int(minutes) >= 60:
        return None
    return fixed_zone(total if sign == "+" else -total)
