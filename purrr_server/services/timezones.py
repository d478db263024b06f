"""Which clock a player's time-of-day rules read (docs/time.md): one rule for every feature.

The player's zone is their account's `timezone` when they set one (`account.timezone`), else the
server's (`PURRR_TIMEZONE`, else the machine's `TZ`). The Night Watch window and its ticks'
schedules, play's activity schedules, the hour interactions are recorded at and daily quest
resets all take it from `player_zone`; purrr_core is given the `tzinfo` and looks nothing up.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

from purrr_core import clock

if TYPE_CHECKING:
    from purrr_server.actions import ActionContext
    from purrr_server.settings import Settings
    from purrr_server.store.users import User

#: What a bad name is told.
EXPECTED = (
    "expected an IANA time zone name (e.g. Europe/Berlin, America/New_York, UTC) or UTC±HH:MM"
)


@lru_cache(maxsize=512)
def resolve(name: str) -> tzinfo:
    """The zone named `name`: an IANA name (`Europe/Berlin`, summer time included) or a fixed
    offset (`UTC+01:00`). ValueError naming what is expected otherwise."""
    fixed = clock.parse_fixed(name)
    if fixed is not None:
        return fixed
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"unknown time zone {name!r}: {EXPECTED}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r}: {EXPECTED}") from None


def checked(name: str) -> str:
    """`name` if it names a zone (ValueError otherwise): for validators."""
    resolve(name)
    return name


def machine_zone() -> tzinfo:
    """The machine's local zone (`TZ`, else /etc/localtime): the IANA zone when the system names
    one, so summer time is followed; else its current offset."""
    import os

    named = os.environ.get("TZ", "").lstrip(":")
    if named:
        try:
            return resolve(named)
        except ValueError:
            pass
    try:
        link = os.readlink("/etc/localtime")
    except OSError:
        link = ""
    if "zoneinfo/" in link:
        try:
            return resolve(link.split("zoneinfo/", 1)[1])
        except ValueError:
            pass
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def server_zone(settings: Settings) -> tzinfo:
    """The server's zone: `PURRR_TIMEZONE` (or its old names), else the machine's."""
    if settings.timezone:
        return resolve(settings.timezone)
    legacy = settings.night_watch.utc_offset_minutes
    if legacy is not None:
        return clock.fixed_zone(legacy)
    return machine_zone()


def player_zone(settings: Settings, user: User | None) -> tzinfo:
    """The zone `user`'s time-of-day rules read: their own setting, else the server's."""
    if user is not None and user.timezone:
        try:
            return resolve(user.timezone)
        except ValueError:  # a zone the system's tz database no longer knows
            pass
    return server_zone(settings)


def zone_of(ctx: ActionContext) -> tzinfo:
    """The acting player's zone."""
    return player_zone(ctx.settings, ctx.user)
