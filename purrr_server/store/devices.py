"""Health devices and their readings (migration 0011). Device keys are stored as SHA-256 digests.

A device names its cat by id and `created_at`, and every read joins the cat on both: a released
cat's devices disappear with it and never reattach to a later cat given the same id.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository, dumps
from purrr_server.store.users import User

# Both tables are declared local-only in store/sync.py: a device key is a credential of the
# server that issued it, so neither table leaves it.

#: Readings scanned per query when looking for a metric's previous value.
_PAGE = 100
_DEVICE_FIELDS = (
    "d.id, d.cat_id, d.device_type, d.name, d.key_prefix, d.created_at, d.last_reading_at"
)
_CAT_JOIN = (
    " JOIN cats c ON c.id = d.cat_id AND c.user_id = d.user_id AND c.created_at = d.cat_created_at"
)


@dataclass(frozen=True, slots=True)
class DeviceKeyOwner:
    """A presented device key resolved to its device and the player who owns it."""

    user: User
    device: dict[str, Any]


def _device(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "cat_id": row["cat_id"],
        "device_type": row["device_type"],
        "name": row["name"],
        "key_prefix": row["key_prefix"],
        "created_at": row["created_at"],
        "last_reading_at": row["last_reading_at"],
    }


def _reading(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "device_id": row["device_id"],
        "cat_id": row["cat_id"],
        "source": row["source"],
        "measured_at": row["measured_at"],
        "metrics": json.loads(row["metrics"]),
        "alerts": json.loads(row["alerts"]),
    }


class DeviceRepository(Repository):
    async def add(
        self,
        user_id: int,
        cat_id: int,
        *,
        device_type: str,
        name: str,
        key_prefix: str,
        key_hash: str,
        now: str,
    ) -> dict[str, Any]:
        """Register a device on the user's cat `cat_id` (the caller checked it exists)."""
        device_id = await self.insert(
            "INSERT INTO cat_devices (user_id, cat_id, cat_created_at, device_type, name,"
            " key_prefix, key_hash, created_at, row_version)"
            " SELECT user_id, id, created_at, ?, ?, ?, ?, ?, ? FROM cats"
            " WHERE id = ? AND user_id = ? RETURNING id",
            (device_type, name, key_prefix, key_hash, now, self.version, cat_id, user_id),
        )
        device = await self.get(user_id, cat_id, device_id)
        if device is None:
            raise LookupError(f"cat {cat_id} vanished while registering a device")
        return device

    async def get(self, user_id: int, cat_id: int, device_id: int) -> dict[str, Any] | None:
        """The user's device `device_id` on cat `cat_id`, or None."""
        row = await self.fetchone(
            f"SELECT {_DEVICE_FIELDS} FROM cat_devices d{_CAT_JOIN}"
            " WHERE d.id = ? AND d.user_id = ? AND d.cat_id = ?",
            (device_id, user_id, cat_id),
        )
        return _device(row) if row else None

    async def for_cat(self, user_id: int, cat_id: int) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            f"SELECT {_DEVICE_FIELDS} FROM cat_devices d{_CAT_JOIN}"
            " WHERE d.user_id = ? AND d.cat_id = ? ORDER BY d.id",
            (user_id, cat_id),
        )
        return [_device(row) for row in rows]

    async def count_for_cat(self, user_id: int, cat_id: int) -> int:
        row = await self.fetchone(
            f"SELECT COUNT(*) FROM cat_devices d{_CAT_JOIN} WHERE d.user_id = ? AND d.cat_id = ?",
            (user_id, cat_id),
        )
        return int(row[0]) if row else 0

    async def by_key(self, key_hash: str) -> DeviceKeyOwner | None:
        """The device whose key has this digest, with its owner (None: unknown key, or its cat
        was released)."""
        row = await self.fetchone(
            f"SELECT {_DEVICE_FIELDS}, d.user_id FROM cat_devices d{_CAT_JOIN}"
            " WHERE d.key_hash = ?",
            (key_hash,),
        )
        if row is None:
            return None
        user = await self.session.users.get(row["user_id"])
        return DeviceKeyOwner(user, _device(row)) if user else None

    async def delete(self, user_id: int, device_id: int) -> bool:
        """Remove a device and its readings (its key stops working at once)."""
        deleted = await self.execute(
            "DELETE FROM cat_devices WHERE id = ? AND user_id = ?", (device_id, user_id)
        )
        return deleted > 0

    async def add_reading(
        self,
        user_id: int,
        device: dict[str, Any],
        *,
        source: str,
        measured_at: str,
        metrics: dict[str, float],
        alerts: list[dict[str, Any]],
        now: str,
    ) -> dict[str, Any]:
        reading_id = await self.insert(
            "INSERT INTO cat_device_readings (user_id, device_id, cat_id, source, measured_at,"
            " metrics, alerts, alert_count, created_at, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                device["id"],
                device["cat_id"],
                source,
                measured_at,
                dumps(metrics),
                dumps(alerts),
                len(alerts),
                now,
                self.version,
            ),
        )
        await self.execute(
            "UPDATE cat_devices SET row_version = ?, last_reading_at = CASE"
            " WHEN last_reading_at IS NULL OR last_reading_at < ? THEN ? ELSE last_reading_at END"
            " WHERE id = ?",
            (self.version, measured_at, measured_at, device["id"]),
        )
        return {
            "id": reading_id,
            "device_id": device["id"],
            "cat_id": device["cat_id"],
            "source": source,
            "measured_at": measured_at,
            "metrics": metrics,
            "alerts": alerts,
        }

    async def previous_values(
        self, user_id: int, cat_id: int, metric_ids: tuple[str, ...], before: str
    ) -> dict[str, float]:
        """The cat's latest value of each metric measured at or before `before`, from any of its
        devices (what a change alert compares with)."""
        out: dict[str, float] = {}
        wanted = set(metric_ids)
        offset = 0
        while wanted:  # newest first, a page at a time, until every metric has a value
            rows = await self.fetchall(
                "SELECT r.metrics FROM cat_device_readings r"
                " JOIN cat_devices d ON d.id = r.device_id" + _CAT_JOIN + " WHERE r.user_id = ?"
                " AND r.cat_id = ? AND r.measured_at <= ?"
                " ORDER BY r.measured_at DESC, r.id DESC LIMIT ? OFFSET ?",
                (user_id, cat_id, before, _PAGE, offset),
            )
            for row in rows:
                metrics = json.loads(row[0])
                for metric_id in list(wanted):
                    if metrics.get(metric_id) is not None:
                        out[metric_id] = float(metrics[metric_id])
                        wanted.discard(metric_id)
            if len(rows) < _PAGE:
                break
            offset += _PAGE
        return out

    async def readings(
        self, user_id: int, cat_id: int, device_id: int, limit: int, offset: int
    ) -> list[dict[str, Any]]:
        """A device's readings, newest measurement first."""
        rows = await self.fetchall(
            "SELECT r.* FROM cat_device_readings r JOIN cat_devices d ON d.id = r.device_id"
            + _CAT_JOIN
            + " WHERE r.user_id = ? AND r.cat_id = ? AND r.device_id = ?"
            " ORDER BY r.measured_at DESC, r.id DESC LIMIT ? OFFSET ?",
            (user_id, cat_id, device_id, limit, offset),
        )
        return [_reading(row) for row in rows]

    async def alerts(self, user_id: int, cat_id: int, limit: int) -> list[dict[str, Any]]:
        """The cat's latest `limit` alerts from all its devices, newest first."""
        rows = await self.fetchall(
            "SELECT r.*, d.device_type, d.name AS device_name FROM cat_device_readings r"
            " JOIN cat_devices d ON d.id = r.device_id" + _CAT_JOIN + " WHERE r.user_id = ?"
            " AND r.cat_id = ? AND r.alert_count > 0"
            " ORDER BY r.measured_at DESC, r.id DESC LIMIT ?",
            (user_id, cat_id, limit),
        )
        out: list[dict[str, Any]] = []
        for row in rows:
            for alert in json.loads(row["alerts"]):
                out.append(
                    {
                        "reading_id": row["id"],
                        "device_id": row["device_id"],
                        "device_type": row["device_type"],
                        "device_name": row["device_name"],
                        "cat_id": row["cat_id"],
                        "measured_at": row["measured_at"],
                        "source": row["source"],
                        **alert,
                    }
                )
        return out[:limit]
