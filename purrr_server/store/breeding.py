"""Breedings: one row per breeding a player started (migration 0004)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from purrr_server.store.base import Repository, dumps, user_where

_COLUMNS = (
    "id, sire_id, dam_id, method, cost, seed, success_probability, compatibility, coi, status,"
    " started_at, estimated_completion, completed_at, kitten_ids, outcome"
)


@dataclass(frozen=True, slots=True)
class Breeding:
    """A stored breeding. `success_probability` and `coi` are exact fractions."""

    sire_id: int
    dam_id: int
    method: str
    cost: int
    seed: int
    success_probability: Fraction
    compatibility: int
    coi: Fraction
    started_at: datetime
    estimated_completion: datetime
    status: str = "pending"
    completed_at: datetime | None = None
    kitten_ids: tuple[int, ...] = ()
    outcome: dict[str, Any] = field(default_factory=dict)
    id: int = 0

    def due(self, now: datetime) -> bool:
        """Pending and its time has come."""
        return self.status == "pending" and self.estimated_completion <= now


def _breeding(row: sqlite3.Row) -> Breeding:
    return Breeding(
        id=row["id"],
        sire_id=row["sire_id"],
        dam_id=row["dam_id"],
        method=row["method"],
        cost=row["cost"],
        seed=row["seed"],
        success_probability=Fraction(row["success_probability"]),
        compatibility=row["compatibility"],
        coi=Fraction(row["coi"]),
        status=row["status"],
        started_at=datetime.fromisoformat(row["started_at"]),
        estimated_completion=datetime.fromisoformat(row["estimated_completion"]),
        completed_at=datetime.fromisoformat(row["completed_at"]) if row["completed_at"] else None,
        kitten_ids=tuple(json.loads(row["kitten_ids"])),
        outcome=json.loads(row["outcome"]),
    )


class BreedingRepository(Repository):
    async def add(self, user_id: int, breeding: Breeding, now: str) -> Breeding:
        """Store a new pending breeding; returns it with its id."""
        new_id = await self.insert(
            "INSERT INTO breedings (user_id, sire_id, dam_id, method, cost, seed,"
            " success_probability, compatibility, coi, status, started_at, estimated_completion,"
            " created_at, updated_at, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                breeding.sire_id,
                breeding.dam_id,
                breeding.method,
                breeding.cost,
                breeding.seed,
                str(breeding.success_probability),
                breeding.compatibility,
                str(breeding.coi),
                breeding.started_at.isoformat(),
                breeding.estimated_completion.isoformat(),
                now,
                now,
                self.version,
            ),
        )
        found = await self.get(user_id, new_id)
        assert found is not None
        return found

    async def get(self, user_id: int, breeding_id: int) -> Breeding | None:
        row = await self.fetchone(
            f"SELECT {_COLUMNS} FROM breedings WHERE id = ? AND user_id = ?",
            (breeding_id, user_id),
        )
        return _breeding(row) if row else None

    async def for_user(
        self, user_id: int, limit: int = 50, offset: int = 0, status: str | None = None
    ) -> list[Breeding]:
        """The user's breedings, newest first (optionally only one status)."""
        where, params = user_where(user_id, status=status)
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM breedings WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_breeding(row) for row in rows]

    async def count(self, user_id: int, status: str | None = None) -> int:
        where, params = user_where(user_id, status=status)
        row = await self.fetchone(f"SELECT COUNT(*) FROM breedings WHERE {where}", params)
        return int(row[0]) if row else 0

    async def pending(self, user_id: int) -> list[Breeding]:
        """Breedings still under way (due or not), oldest first."""
        if self.session.knows_none_pending(user_id, "breedings"):
            return []
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM breedings WHERE user_id = ? AND status = 'pending'"
            " ORDER BY id",
            (user_id,),
        )
        return [_breeding(row) for row in rows]

    async def finish(self, user_id: int, breeding: Breeding, now: str) -> None:
        """Record a breeding's end: its status, completion time, kittens and outcome."""
        changed = await self.execute(
            "UPDATE breedings SET status = ?, completed_at = ?, kitten_ids = ?, outcome = ?,"
            " updated_at = ?, row_version = ? WHERE id = ? AND user_id = ? AND status = 'pending'",
            (
                breeding.status,
                breeding.completed_at.isoformat() if breeding.completed_at else None,
                dumps(list(breeding.kitten_ids)),
                dumps(breeding.outcome),
                now,
                self.version,
                breeding.id,
                user_id,
            ),
        )
        if changed != 1:
            raise LookupError(f"breeding {breeding.id} is no longer pending")
