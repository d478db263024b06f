"""The sync protocol version (docs/sync.md, "Protocol versions").

Every sync request names the version it speaks in the `X-Purrr-Sync-Protocol` header (a request
without it is version 1, the protocol before versions were named); a server answers the versions
it supports in every push and pull (`protocol`) and in `/health` (`sync_protocol`), and refuses
a version outside them with BAD_REQUEST, `details.reason` = `SYNC_PROTOCOL_UNSUPPORTED`. A change
to what a request or response means is a new version; a renamed or changed action is a new action
name (the remote runs mutations by name).

This module is imported by `/health`: it must stay free of heavy imports.
"""

from __future__ import annotations

from typing import Any

#: The version this code speaks, and the oldest one a server of this code still serves.
VERSION = 1
MIN_VERSION = 1
HEADER = "X-Purrr-Sync-Protocol"
UNSUPPORTED = "SYNC_PROTOCOL_UNSUPPORTED"


def advertised() -> dict[str, int]:
    return {"version": VERSION, "min": MIN_VERSION, "max": VERSION}


def supported(version: int, by: dict[str, Any]) -> bool:
    """Whether a peer advertising `by` ({min, max}) serves `version`."""
    try:
        return int(by["min"]) <= version <= int(by["max"])
    except (KeyError, TypeError, ValueError):
        return True  # a peer that names no range predates versions: it speaks version 1


def upgrade_message(version: int, by: dict[str, Any], where: str) -> str:
    """The one error a player meets when client and server speak no common version."""
    low, high = by.get("min"), by.get("max")
    if isinstance(high, int) and version > high:
        return (
            f"{where} speaks sync protocol {low}-{high}, older than this purrr's ({version});"
            " the server must be upgraded (or use a purrr release that speaks its version)"
        )
    return (
        f"{where} speaks sync protocol {low}-{high}, newer than this purrr's ({version});"
        " upgrade purrr (pip install -U purrr) and sync again"
    )
