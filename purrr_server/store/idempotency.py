"""Idempotency keys: the first response given for (user, key), replayed on retries.

A key's row holds what is the response's own (fingerprint, status, request id); its body is
rebuilt from the action-log row of the same action (migration 0020): a success envelope is
`{"success":true,"data":<the result>,"meta":{"request_id":…,"timestamp":…}}` and the log row
holds that result (`actions.result`, secret fields redacted as the stored response has them)
and the action's instant (`actions.created_at`, the envelope's timestamp). `splice_body` puts
them together, byte for byte what `envelope.success_body` sent. A row whose body cannot be
rebuilt that way, and every row stored before migration 0020, holds the body (`response`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from purrr_server.store.base import Repository

_HEAD = b'{"success":true,"data":'


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: str
    status_code: int
    #: The exact body first sent; None when it cannot be given again (its action-log row is
    #: gone without the body having been kept: only a database edited by hand).
    body: bytes | None


def splice_body(result_json: str, request_id: str, stamp: str) -> bytes | None:
    """`envelope.success_body(result, request_id, now)` from `result`'s stored JSON (as orjson
    wrote it) and `now.isoformat()`, without encoding the result again; None when the meta part
    is not one orjson encodes (then `success_body` would have used the standard library)."""
    try:
        meta = orjson.dumps({"request_id": request_id, "timestamp": stamp})
    except (orjson.JSONEncodeError, TypeError):
        return None
    return b"".join((_HEAD, result_json.encode(), b',"meta":', meta, b"}"))


#: The key's row and what its body is rebuilt from (the action-log row it points at).
_STORED = (
    "k.fingerprint, k.status_code, k.response, k.request_id, a.result, a.created_at"
    " FROM idempotency_keys k LEFT JOIN actions a ON a.id = k.action_id"
)


def stored_response(row: Any, at: int = 0) -> StoredResponse:
    """A `StoredResponse` from the columns of `_STORED`, starting at column `at`."""
    fingerprint, status, response, request_id, result, stamp = tuple(row)[at : at + 6]
    if response is not None:
        body: bytes | None = response.encode()
    elif result is None:
        body = None
    else:
        body = splice_body(result, request_id or "", stamp)
    return StoredResponse(fingerprint, status, body)


class IdempotencyRepository(Repository):
    async def get(self, user_id: int, key: str) -> StoredResponse | None:
        row = await self.fetchone(
            f"SELECT {_STORED} WHERE k.user_id = ? AND k.key = ?", (user_id, key)
        )
        return stored_response(row) if row else None

    async def put(
        self,
        user_id: int,
        key: str,
        *,
        fingerprint: str,
        action_id: int | None,
        status_code: int,
        body: str | None,
        now: str,
        request_id: str = "",
    ) -> None:
        """Store the response (`body` None: rebuilt from the action-log row `action_id`, see
        the module docstring); a key already taken raises `sqlite3.IntegrityError`."""
        await self.insert(
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, action_id, status_code,"
            " response, created_at, row_version, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user_id,
                key,
                fingerprint,
                action_id,
                status_code,
                body,
                now,
                self.version,
                request_id,
            ),
        )

    async def keep_bodies(self, where: str, params: tuple[Any, ...]) -> int:
        """Before action-log rows change or go: the keys whose body is rebuilt from them
        (those of the rows `where`, a condition on the log as `a`, e.g. `a.user_id = ?`)
        store it in full, so a replay still answers what was first sent. How many did."""
        rows = await self.fetchall(
            "SELECT k.user_id, k.key, k.request_id, a.result, a.created_at FROM actions a"
            " JOIN idempotency_keys k ON k.user_id IN (a.user_id, 0) AND k.action_id = a.id"
            f" WHERE k.response IS NULL AND {where}",
            params,
        )
        for user_id, key, request_id, result, stamp in rows:
            body = splice_body(result, request_id or "", stamp)
            await self.execute(
                "UPDATE idempotency_keys SET response = ? WHERE user_id = ? AND key = ?",
                (body.decode() if body is not None else None, user_id, key),
            )
        return len(rows)
