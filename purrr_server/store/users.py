"""Accounts: the `users` table."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository

USER_COLUMNS = "id, username, email, role, tier, is_local, created_at, last_login_at, timezone"


@dataclass(frozen=True, slots=True)
class User:
    """An account as the server sees it (never the password hash)."""

    id: int
    username: str
    email: str | None
    role: str
    tier: str
    is_local: bool
    created_at: str
    last_login_at: str | None = None
    #: The player's time zone (IANA name or `UTC±HH:MM`); None: the server's.
    timezone: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row | dict[str, Any]) -> User:
        return cls(
            id=row["id"],
            username=row["username"],
            email=row["email"],
            role=row["role"],
            tier=row["tier"],
            is_local=bool(row["is_local"]),
            created_at=row["created_at"],
            last_login_at=row["last_login_at"],
            timezone=row["timezone"],
        )

    def public(self) -> dict[str, Any]:
        """The profile shown to its owner."""
        return {
            "id": self.id,
            "username": self.username,
            "email": self.email,
            "role": self.role,
            "tier": self.tier,
            "is_local": self.is_local,
            "created_at": self.created_at,
            "last_login_at": self.last_login_at,
            "timezone": self.timezone,
        }


def _fold(name: str) -> str:
    """ASCII letters lowered, as SQLite's NOCASE and PostgreSQL's citext compare them."""
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class UserRepository(Repository):
    async def get(self, user_id: int) -> User | None:
        row = await self.fetchone(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return User.from_row(row) if row else None

    async def local(self) -> User | None:
        """The local player, if local mode has created one."""
        row = await self.fetchone(
            f"SELECT {USER_COLUMNS} FROM users WHERE is_local = 1 ORDER BY id LIMIT 1"
        )
        return User.from_row(row) if row else None

    async def credentials(self, username: str) -> tuple[User, str | None] | None:
        """The user named `username` (case-insensitive) with its password hash."""
        row = await self.fetchone(
            f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?", (username,)
        )
        return (User.from_row(row), row["password_hash"]) if row else None

    async def taken(self, username: str, email: str | None) -> str | None:
        """Which of `username` / `email` already belongs to an account, if any."""
        rows = await self.fetchall(
            "SELECT username FROM users WHERE username = ? OR (email IS NOT NULL AND email = ?)"
            " LIMIT 2",
            (username, email),
        )
        if not rows:
            return None
        # Both columns compare without case (SQLite NOCASE, PostgreSQL citext: ASCII letters).
        same = any(_fold(row["username"]) == _fold(username) for row in rows)
        return "username" if same else "email"

    async def create(
        self,
        *,
        username: str,
        email: str | None,
        password_hash: str | None,
        now: str,
        role: str = "user",
        tier: str = "free",
        is_local: bool = False,
    ) -> User:
        """Create the account; a transaction that acted for nobody yet (register) now acts for
        the new player, whose version counter starts here."""
        act_as = getattr(self.session, "act_as", None)
        if act_as is None:
            raise RuntimeError("writes need a unit of work: use `async with store.write()`")
        if self.session.player is None and self.session.bump:  # type: ignore[attr-defined]
            # An anonymous write (register): the new player's counter starts with this row.
            row = await self.conn.fetchone(
                "INSERT INTO users (username, email, password_hash, role, tier, is_local,"
                " created_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, 0) RETURNING id",
                (username, email, password_hash, role, tier, int(is_local), now),
            )
            assert row is not None
            user_id = int(row[0])
            version = await act_as(user_id)
            await self.execute("UPDATE users SET row_version = ? WHERE id = ?", (version, user_id))
        else:
            user_id = await self.insert(
                "INSERT INTO users (username, email, password_hash, role, tier, is_local,"
                " created_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (username, email, password_hash, role, tier, int(is_local), now, self.version),
            )
        return User(user_id, username, email, role, tier, is_local, now)

    async def set_timezone(self, user_id: int, timezone: str | None) -> None:
        """Set (None: clear) the player's time zone."""
        await self.execute(
            "UPDATE users SET timezone = ?, row_version = ? WHERE id = ?",
            (timezone, self.version, user_id),
        )

    async def record_login(self, user_id: int, now: str) -> None:
        await self.execute(
            "UPDATE users SET last_login_at = ?, row_version = ? WHERE id = ?",
            (now, self.version, user_id),
        )
