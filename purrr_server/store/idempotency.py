"""Idempotency keys: the first response given for (user, key), replayed on retries."""

from __future__ import annotations

from dataclasses import dataclass

from purrr_server.store.base import Repository


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: str
    status_code: int
    body: str


class IdempotencyRepository(Repository):
    async def get(self, user_id: int, key: str) -> StoredResponse | None:
        row = await self.fetchone(
            "SELECT fingerprint, status_code, response FROM idempotency_keys"
            " WHERE user_id = ? AND key = ?",
            (user_id, key),
        )
        return StoredResponse(row[0], row[1], row[2]) if row else None

    async def put(
        self,
        user_id: int,
        key: str,
        *,
        fingerprint: str,
        action_id: int | None,
        status_code: int,
        body: str,
        now: str,
    ) -> None:
        """Store the response; a key already taken raises `sqlite3.IntegrityError`."""
        await self.insert(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, action_id, status_code,"
            " response, created_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, key, fingerprint, action_id, status_code, body, now, self.version),
        )
