"""Accounts: the `users` table."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository

USER_COLUMNS = "id, username, email, role, tier, is_local, created_at, last_login_at"


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
        }


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
        row = await self.fetchone(
            "SELECT username = ? COLLATE NOCASE AS same_name FROM users"
            " WHERE username = ? OR (email IS NOT NULL AND email = ?) LIMIT 1",
            (username, username, email),
        )
        if row is None:
            return None
        return "username" if row["same_name"] else "email"

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
        user_id = await self.insert(
            "INSERT INTO users (username, email, password_hash, role, tier, is_local, created_at,"
            " row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (username, email, password_hash, role, tier, int(is_local), now, self.version),
        )
        return User(user_id, username, email, role, tier, is_local, now)

    async def record_login(self, user_id: int, now: str) -> None:
        await self.execute(
            "UPDATE users SET last_login_at = ?, row_version = ? WHERE id = ?",
            (now, self.version, user_id),
        )
