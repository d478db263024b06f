"""OAuth2 clients, authorization codes and tokens (migration 0016). Secrets are stored as SHA-256
digests only; a token row is looked up by the digest of what the client presents."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository, dumps
from purrr_server.store.credentials import Credential
from purrr_server.store.users import USER_COLUMNS, User

_USER_FIELDS = ", ".join(f"u.{c}" for c in USER_COLUMNS.split(", "))
_CLIENT_COLUMNS = "id, client_id, name, secret_hash, redirect_uris, scopes, user_id, created_at"


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """A registered client (`ref` is its row id, `client_id` its public identifier)."""

    ref: int
    client_id: str
    name: str
    secret_hash: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    user_id: int | None
    created_at: str

    @property
    def public(self) -> bool:
        """A public client has no secret and authenticates its code exchange with PKCE only."""
        return self.secret_hash is None

    def view(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "type": "public" if self.public else "confidential",
            "redirect_uris": list(self.redirect_uris),
            "scopes": list(self.scopes),
            "user_id": self.user_id,
            "created_at": self.created_at,
        }

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> OAuthClient:
        return cls(
            row["id"],
            row["client_id"],
            row["name"],
            row["secret_hash"],
            tuple(json.loads(row["redirect_uris"])),
            tuple(json.loads(row["scopes"])),
            row["user_id"],
            row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class OAuthCode:
    id: int
    client_ref: int
    user_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str
    family: str
    expires_at: str
    used_at: str | None


@dataclass(frozen=True, slots=True)
class OAuthToken:
    id: int
    kind: str
    client_ref: int
    user_id: int
    scopes: tuple[str, ...]
    family: str
    expires_at: str
    rotated_at: str | None
    revoked_at: str | None


class OAuthRepository(Repository):
    # --- clients ---
    async def add_client(
        self,
        *,
        client_id: str,
        name: str,
        secret_hash: str | None,
        redirect_uris: list[str],
        scopes: list[str],
        user_id: int | None,
        now: str,
    ) -> OAuthClient:
        ref = await self.insert(
            "INSERT INTO oauth_clients (client_id, name, secret_hash, redirect_uris, scopes,"
            " user_id, created_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                client_id,
                name,
                secret_hash,
                dumps(redirect_uris),
                dumps(scopes),
                user_id,
                now,
                self.version,
            ),
        )
        return OAuthClient(
            ref, client_id, name, secret_hash, tuple(redirect_uris), tuple(scopes), user_id, now
        )

    async def client(self, client_id: str) -> OAuthClient | None:
        """The client `client_id`, unless it was revoked."""
        row = await self.fetchone(
            f"SELECT {_CLIENT_COLUMNS} FROM oauth_clients"
            " WHERE client_id = ? AND revoked_at IS NULL",
            (client_id,),
        )
        return OAuthClient.from_row(row) if row else None

    async def clients(self) -> list[OAuthClient]:
        rows = await self.fetchall(
            f"SELECT {_CLIENT_COLUMNS} FROM oauth_clients WHERE revoked_at IS NULL ORDER BY id"
        )
        return [OAuthClient.from_row(row) for row in rows]

    async def revoke_client(self, client_id: str, now: str) -> list[str]:
        """Retire a client and every token it holds; the digests of the revoked tokens."""
        row = await self.fetchone(
            "SELECT id FROM oauth_clients WHERE client_id = ? AND revoked_at IS NULL", (client_id,)
        )
        if row is None:
            return []
        await self.execute(
            "UPDATE oauth_clients SET revoked_at = ?, row_version = ? WHERE id = ?",
            (now, self.version, row["id"]),
        )
        return await self._revoke_where("client_ref = ?", (row["id"],), now)

    # --- authorization codes ---
    async def add_code(
        self,
        *,
        code_hash: str,
        client_ref: int,
        user_id: int,
        redirect_uri: str,
        scopes: list[str],
        code_challenge: str,
        family: str,
        expires_at: str,
        now: str,
    ) -> None:
        await self.insert(
            "INSERT INTO oauth_codes (code_hash, client_ref, user_id, redirect_uri, scopes,"
            " code_challenge, family, expires_at, created_at, row_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                code_hash,
                client_ref,
                user_id,
                redirect_uri,
                dumps(scopes),
                code_challenge,
                family,
                expires_at,
                now,
                self.version,
            ),
        )

    async def code(self, code_hash: str) -> OAuthCode | None:
        row = await self.fetchone(
            "SELECT id, client_ref, user_id, redirect_uri, scopes, code_challenge, family,"
            " expires_at, used_at FROM oauth_codes WHERE code_hash = ?",
            (code_hash,),
        )
        if row is None:
            return None
        return OAuthCode(
            row["id"],
            row["client_ref"],
            row["user_id"],
            row["redirect_uri"],
            tuple(json.loads(row["scopes"])),
            row["code_challenge"],
            row["family"],
            row["expires_at"],
            row["used_at"],
        )

    async def use_code(self, code_id: int, now: str) -> bool:
        """Mark a code used; False when it already was (one statement: no race)."""
        changed = await self.execute(
            "UPDATE oauth_codes SET used_at = ?, row_version = ? WHERE id = ? AND used_at IS NULL",
            (now, self.version, code_id),
        )
        return changed > 0

    # --- tokens ---
    async def add_token(
        self,
        *,
        token_hash: str,
        kind: str,
        client_ref: int,
        user_id: int,
        scopes: list[str],
        family: str,
        expires_at: str,
        now: str,
    ) -> None:
        await self.insert(
            "INSERT INTO oauth_tokens (token_hash, kind, client_ref, user_id, scopes, family,"
            " expires_at, created_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                token_hash,
                kind,
                client_ref,
                user_id,
                dumps(scopes),
                family,
                expires_at,
                now,
                self.version,
            ),
        )

    async def token(self, token_hash: str) -> OAuthToken | None:
        row = await self.fetchone(
            "SELECT id, kind, client_ref, user_id, scopes, family, expires_at, rotated_at,"
            " revoked_at FROM oauth_tokens WHERE token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        return OAuthToken(
            row["id"],
            row["kind"],
            row["client_ref"],
            row["user_id"],
            tuple(json.loads(row["scopes"])),
            row["family"],
            row["expires_at"],
            row["rotated_at"],
            row["revoked_at"],
        )

    async def rotate(self, token_id: int, now: str) -> bool:
        """Mark a refresh token used; False when it was already rotated or revoked."""
        changed = await self.execute(
            "UPDATE oauth_tokens SET rotated_at = ?, row_version = ?"
            " WHERE id = ? AND rotated_at IS NULL AND revoked_at IS NULL",
            (now, self.version, token_id),
        )
        return changed > 0

    async def revoke_token(self, token_id: int, now: str) -> list[str]:
        return await self._revoke_where("id = ?", (token_id,), now)

    async def revoke_family(self, family: str, now: str) -> list[str]:
        """Revoke every token of a grant; the digests of those that were live."""
        return await self._revoke_where("family = ?", (family,), now)

    async def _revoke_where(self, condition: str, params: tuple[Any, ...], now: str) -> list[str]:
        rows = await self.fetchall(
            f"UPDATE oauth_tokens SET revoked_at = ?, row_version = ? WHERE {condition}"
            " AND revoked_at IS NULL RETURNING token_hash",
            (now, self.version, *params),
        )
        return [row["token_hash"] for row in rows]

    async def access_credential(self, token_hash: str) -> Credential | None:
        """An access token resolved to its user and scopes (None: unknown, revoked, or its
        client retired). Expiry is checked by the caller, like every credential's."""
        row = await self.fetchone(
            f"SELECT {_USER_FIELDS}, t.scopes AS token_scopes, t.expires_at AS cred_expires"
            " FROM oauth_tokens t JOIN users u ON u.id = t.user_id"
            " JOIN oauth_clients c ON c.id = t.client_ref"
            " WHERE t.token_hash = ? AND t.kind = 'access' AND t.revoked_at IS NULL"
            " AND c.revoked_at IS NULL",
            (token_hash,),
        )
        if row is None:
            return None
        return Credential(
            User.from_row(row),
            "oauth",
            frozenset(json.loads(row["token_scopes"])),
            row["cred_expires"],
        )
