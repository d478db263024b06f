"""The security event log (failed logins, bans, forbidden access) and the state every server process
shares: rate-limit counters and bans, failed logins (docs/hosting.md)."""

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
        await self.execute(
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

    async def add_hits(
        self, subject: str, window_start: int, hits: int, violations: int
    ) -> tuple[int, int]:
        """Add one process's counts to a subject's window; the totals of every process."""
        row = await self.fetchone(
            "INSERT INTO rate_limit_counters (subject, window_start, hits, violations)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (subject, window_start) DO UPDATE SET"
            " hits = rate_limit_counters.hits + excluded.hits,"
            " violations = rate_limit_counters.violations + excluded.violations"
            " RETURNING hits, violations",
            (subject, window_start, hits, violations),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def drop_windows_before(self, window_start: int) -> None:
        await self.execute(
            "DELETE FROM rate_limit_counters WHERE window_start < ?", (window_start,)
        )

    async def login_failures(self, username: str, ip: str, since: float) -> list[float]:
        """When (epoch seconds) `username` failed to log in from `ip` after `since`, oldest first."""
        rows = await self.fetchall(
            "SELECT failed_at FROM login_failures WHERE username = ? AND ip = ? AND failed_at > ?"
            " ORDER BY failed_at",
            (username, ip, since),
        )
        return [float(row[0]) for row in rows]

    async def add_login_failure(
        self, username: str, ip: str, at: float, forget_before: float
    ) -> None:
        """Record a failed login, removing this (username, ip)'s failures older than the lockout."""
        await self.execute(
            "DELETE FROM login_failures WHERE username = ? AND ip = ? AND failed_at <= ?",
            (username, ip, forget_before),
        )
        await self.insert(
            "INSERT INTO login_failures (username, ip, failed_at) VALUES (?, ?, ?) RETURNING id",
            (username, ip, at),
        )
