"""Bearer tokens and API keys. Only SHA-256 digests of the secrets are stored."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository, dumps
from purrr_server.store.users import USER_COLUMNS, User

#: What a credential may do; a session or the local token may do everything.
SCOPES = ("read", "write", "admin")
#: The scopes of a new API key when none are asked for.
DEFAULT_SCOPES = ("read", "write")

_USER_FIELDS = ", ".join(f"u.{c}" for c in USER_COLUMNS.split(", "))


@dataclass(frozen=True, slots=True)
class Credential:
    """A presented secret resolved to its user and what it may do."""

    user: User
    kind: str  # session | local | api_key
    scopes: frozenset[str]
    expires_at: str | None
    allowed_ips: tuple[str, ...] = ()
    key_id: int | None = None


def _key_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "prefix": row["prefix"],
        "scopes": json.loads(row["scopes"]),
        "allowed_ips": json.loads(row["allowed_ips"]),
        "expires_at": row["expires_at"],
        "last_used_at": row["last_used_at"],
        "created_at": row["created_at"],
    }


class CredentialRepository(Repository):
    async def add_token(
        self, user_id: int, token_hash: str, kind: str, now: str, expires_at: str | None
    ) -> None:
        await self.insert(
            "INSERT INTO tokens (user_id, token_hash, kind, created_at, expires_at, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (user_id, token_hash, kind, now, expires_at, self.version),
        )

    async def token(self, token_hash: str) -> Credential | None:
        row = await self.fetchone(
            f"SELECT {_USER_FIELDS}, t.kind, t.expires_at AS cred_expires FROM tokens t"
            " JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        return Credential(
            User.from_row(row),
            row["kind"],
            frozenset(SCOPES),
            row["cred_expires"],
        )

    async def revoke_token(self, token_hash: str) -> bool:
        return await self.execute("DELETE FROM tokens WHERE token_hash = ?", (token_hash,)) > 0

    async def add_key(
        self,
        user_id: int,
        *,
        name: str,
        prefix: str,
        key_hash: str,
        scopes: list[str],
        allowed_ips: list[str],
        expires_at: str | None,
        now: str,
    ) -> dict[str, Any]:
        key_id = await self.insert(
            "INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, allowed_ips,"
            " expires_at, created_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                user_id,
                name,
                prefix,
                key_hash,
                dumps(scopes),
                dumps(allowed_ips),
                expires_at,
                now,
                self.version,
            ),
        )
        return {
            "id": key_id,
            "name": name,
            "prefix": prefix,
            "scopes": scopes,
            "allowed_ips": allowed_ips,
            "expires_at": expires_at,
            "last_used_at": None,
            "created_at": now,
        }

    async def key(self, key_hash: str) -> Credential | None:
        row = await self.fetchone(
            f"SELECT {_USER_FIELDS}, k.id AS key_id, k.scopes, k.allowed_ips,"
            " k.expires_at AS cred_expires FROM api_keys k JOIN users u ON u.id = k.user_id"
            " WHERE k.key_hash = ?",
            (key_hash,),
        )
        if row is None:
            return None
        return Credential(
            User.from_row(row),
            "api_key",
            frozenset(json.loads(row["scopes"])),
            row["cred_expires"],
            tuple(json.loads(row["allowed_ips"])),
            row["key_id"],
        )

    async def keys(self, user_id: int) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            "SELECT id, name, prefix, scopes, allowed_ips, expires_at, last_used_at, created_at"
            " FROM api_keys WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [_key_json(row) for row in rows]

    async def delete_key(self, user_id: int, key_id: int, now: str) -> bool:
        deleted = await self.execute(
            "DELETE FROM api_keys WHERE id = ? AND user_id = ?", (key_id, user_id)
        )
        if deleted:
            await self.tombstone("api_keys", key_id, user_id, now)
        return deleted > 0

    async def touch_key(self, key_id: int, now: str) -> None:
        """Record when a key was last used (no version bump: bookkeeping, not game state)."""
        await self.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, key_id))
