"""Night Watch tables (migration 0002): systems, patrols, protection zones, community alerts.

The rule models are imported where rows become models, not at import: cat reads check for
unsettled patrols with this repository (`has_unsettled_patrols`) and should not pay for the
Night Watch rules when there are none.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from purrr_server.store.base import Repository, user_where

if TYPE_CHECKING:
    from purrr_core.nightwatch import Alert, NightWatchRecord, Patrol, Zone


@dataclass(frozen=True, slots=True)
class NightWatchSystem:
    """A player's night-watch system row (their coins are in the economy's wallet)."""

    record: NightWatchRecord
    night_seed: int


@dataclass(frozen=True, slots=True)
class StoredPatrol:
    patrol: Patrol
    settled: bool


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """A community alert with the patrol that raised it."""

    alert: Alert
    patrol_id: int


def _zone(row: sqlite3.Row) -> Zone:
    from purrr_core.nightwatch import Zone

    return Zone(
        id=row["id"],
        type=row["type"],
        name=row["name"],
        location=row["location"],
        radius=row["radius"],
        cost=row["cost"],
    )


def _alert(row: sqlite3.Row) -> StoredAlert:
    from purrr_core.nightwatch import Alert

    alert = Alert(
        id=row["id"],
        type=row["type"],
        level=row["level"],
        message=row["message"],
        raised_at=datetime.fromisoformat(row["raised_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
        npc_responders=row["npc_responders"],
        npc_response_minutes=row["npc_response_minutes"],
        responded_at=datetime.fromisoformat(row["responded_at"]) if row["responded_at"] else None,
    )
    return StoredAlert(alert, row["patrol_id"])


def _patrol(row: sqlite3.Row) -> StoredPatrol:
    from purrr_core.nightwatch import Patrol

    return StoredPatrol(Patrol.model_validate_json(row["data"]), bool(row["settled"]))


class NightWatchRepository(Repository):
    # --- the system row ------------------------------------------------------------------

    async def system(self, user_id: int) -> NightWatchSystem | None:
        row = await self.fetchone(
            "SELECT record, night_seed FROM night_watch_systems WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        from purrr_core.nightwatch import NightWatchRecord

        return NightWatchSystem(
            NightWatchRecord.model_validate_json(row["record"]), row["night_seed"]
        )

    async def create_system(self, user_id: int, system: NightWatchSystem, now: str) -> None:
        await self.insert(
            "INSERT INTO night_watch_systems (user_id, record, night_seed, created_at,"
            " updated_at, row_version) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, system.record.model_dump_json(), system.night_seed, now, now, self.version),
        )

    async def save_system(self, user_id: int, system: NightWatchSystem, now: str) -> None:
        await self.execute(
            "UPDATE night_watch_systems SET record = ?, updated_at = ?, row_version = ?"
            " WHERE user_id = ?",
            (system.record.model_dump_json(), now, self.version, user_id),
        )

    # --- patrols -------------------------------------------------------------------------

    async def add_patrol(self, user_id: int, patrol: Patrol, now: str) -> Patrol:
        """Insert a new patrol; its id is assigned here and written into its data."""
        patrol_id = await self.insert(
            "INSERT INTO night_patrols (user_id, status, area, seed, started_at, ends_at, data,"
            " created_at, updated_at, row_version) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?, ?) RETURNING id",
            (
                user_id,
                patrol.status,
                patrol.area,
                patrol.seed,
                patrol.started_at.isoformat(),
                patrol.ends_at.isoformat(),
                now,
                now,
                self.version,
            ),
        )
        saved = patrol.model_copy(update={"id": patrol_id})
        await self.save_patrol(user_id, saved, now)
        return saved

    async def save_patrol(
        self, user_id: int, patrol: Patrol, now: str, settled: bool = False
    ) -> None:
        await self.execute(
            "UPDATE night_patrols SET status = ?, ended_at = ?, settled = ?, data = ?,"
            " updated_at = ?, row_version = ? WHERE id = ? AND user_id = ?",
            (
                patrol.status,
                patrol.ended_at.isoformat() if patrol.ended_at else None,
                int(settled),
                patrol.model_dump_json(),
                now,
                self.version,
                patrol.id,
                user_id,
            ),
        )

    async def patrol(self, user_id: int, patrol_id: int) -> StoredPatrol | None:
        row = await self.fetchone(
            "SELECT data, settled FROM night_patrols WHERE id = ? AND user_id = ?",
            (patrol_id, user_id),
        )
        return _patrol(row) if row else None

    async def has_unsettled_patrols(self, user_id: int) -> bool:
        if self.session.knows_none_pending(user_id, "patrols"):
            return False
        row = await self.fetchone(
            "SELECT 1 FROM night_patrols WHERE user_id = ? AND settled = 0 LIMIT 1", (user_id,)
        )
        return row is not None

    async def unsettled_patrols(self, user_id: int) -> list[Patrol]:
        """Patrols whose results have not been applied yet (active ones included), oldest first."""
        if self.session.knows_none_pending(user_id, "patrols"):
            return []
        rows = await self.fetchall(
            "SELECT data, settled FROM night_patrols WHERE user_id = ? AND settled = 0 ORDER BY id",
            (user_id,),
        )
        return [_patrol(row).patrol for row in rows]

    async def patrols(self, user_id: int, limit: int = 50, offset: int = 0) -> list[StoredPatrol]:
        """History, newest first."""
        rows = await self.fetchall(
            "SELECT data, settled FROM night_patrols WHERE user_id = ? ORDER BY id DESC"
            " LIMIT ? OFFSET ?",
            (user_id, limit, offset),
        )
        return [_patrol(row) for row in rows]

    async def count_patrols(self, user_id: int) -> int:
        row = await self.fetchone(
            "SELECT COUNT(*) FROM night_patrols WHERE user_id = ?", (user_id,)
        )
        return int(row[0]) if row else 0

    # --- zones ---------------------------------------------------------------------------

    async def zones(self, user_id: int) -> list[Zone]:
        rows = await self.fetchall(
            "SELECT * FROM protection_zones WHERE user_id = ? ORDER BY id", (user_id,)
        )
        return [_zone(row) for row in rows]

    async def add_zone(self, user_id: int, zone: Zone, now: str) -> Zone:
        zone_id = await self.insert(
            "INSERT INTO protection_zones (user_id, type, name, location, radius, cost,"
            " created_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                zone.type,
                zone.name,
                zone.location,
                zone.radius,
                zone.cost,
                now,
                self.version,
            ),
        )
        return zone.model_copy(update={"id": zone_id})

    # --- alerts --------------------------------------------------------------------------

    async def add_alert(self, user_id: int, patrol_id: int, seq: int, alert: Alert) -> None:
        """Store alert number `seq` of a patrol (once: a replayed catch-up changes nothing)."""
        await self.insert(
            "INSERT INTO community_alerts (user_id, patrol_id, seq, type, level, message,"
            " raised_at, expires_at, npc_responders, npc_response_minutes, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (patrol_id, seq) DO NOTHING RETURNING id",
            (
                user_id,
                patrol_id,
                seq,
                alert.type,
                alert.level,
                alert.message,
                alert.raised_at.isoformat(),
                alert.expires_at.isoformat(),
                alert.npc_responders,
                alert.npc_response_minutes,
                self.version,
            ),
        )

    async def alert(self, user_id: int, alert_id: int) -> StoredAlert | None:
        row = await self.fetchone(
            "SELECT * FROM community_alerts WHERE id = ? AND user_id = ?", (alert_id, user_id)
        )
        return _alert(row) if row else None

    async def alerts(
        self, user_id: int, limit: int = 50, offset: int = 0, patrol_id: int | None = None
    ) -> list[StoredAlert]:
        """Alerts newest first (optionally one patrol's)."""
        where, params = user_where(user_id, patrol_id=patrol_id)
        rows = await self.fetchall(
            f"SELECT * FROM community_alerts WHERE {where} ORDER BY raised_at DESC, id DESC"
            " LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_alert(row) for row in rows]

    async def respond_alert(self, user_id: int, alert_id: int, responded_at: str) -> None:
        await self.execute(
            "UPDATE community_alerts SET responded_at = ?, row_version = ?"
            " WHERE id = ? AND user_id = ?",
            (responded_at, self.version, alert_id, user_id),
        )
