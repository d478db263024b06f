"""The security event log (failed logins, bans, forbidden access) and persisted rate-limit bans."""

from __future__ import annotations

from typing import Any

from purrr_server.store.base import Repository, dumps


class SecurityRepository(Repository):
    async def log(
        self,
        event_type: str,
        *,
        user_id: int | None,
        ip: str | None,
        details: dict[str, Any],
        now: str,
    ) -> None:
        await self.insert(
            "INSERT INTO security_events (user_id, type, ip, details, created_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (user_id, event_type, ip, dumps(details), now),
        )

    async def recent(self, user_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest security events, all of them or one user's."""
        where, params = ("WHERE user_id = ?", [user_id]) if user_id is not None else ("", [])
        rows = await self.fetchall(
            "SELECT id, user_id, type, ip, details, created_at FROM security_events"
            f" {where} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [dict(row) for row in rows]

    async def ban(self, subject: str, until: str, violations: int, now: str) -> None:
        await self.insert(
            "INSERT INTO rate_limit_bans (subject, banned_until, violations, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (subject) DO UPDATE SET"
            " banned_until = excluded.banned_until, violations = excluded.violations,"
            " created_at = excluded.created_at",
            (subject, until, violations, now),
        )

    async def active_bans(self, now: str) -> dict[str, str]:
        """subject → banned_until for every ban still running at `now`."""
        rows = await self.fetchall(
            "SELECT subject, banned_until FROM rate_limit_bans WHERE banned_until > ?", (now,)
        )
        return {row[0]: row[1] for row in rows}
