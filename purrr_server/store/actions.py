"""The action log: one row per applied action, with its arguments, seed and result."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository, dumps

_COLUMNS = (
    "id, user_id, cat_id, client_id, mutation_id, name, args, fingerprint, seed, status, result,"
    " created_at, version"
)


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """What the executor writes for one action."""

    user_id: int | None
    cat_id: int | None
    client_id: str | None
    mutation_id: int | None
    name: str
    args: dict[str, Any]
    fingerprint: str
    seed: int
    result: dict[str, Any]
    created_at: str
    #: `dumps(result)` when the caller has it already (the executor: it splices the response
    #: body from it, `store.idempotency.splice_body`), so the result is encoded once.
    result_json: str | None = None


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """The response an Idempotency-Key replays, stored with its action: `body` None when it
    is rebuilt from the action-log row (`store.idempotency`, migration 0020)."""

    user_id: int
    key: str
    fingerprint: str
    status_code: int
    body: str | None
    request_id: str = ""


_INSERT_ACTION = (
    "INSERT INTO actions (user_id, cat_id, client_id, mutation_id, name, args, fingerprint,"
    " seed, status, result, created_at, version, row_version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'applied', ?, ?, ?, ?) RETURNING id"
)
_EVENT_COLUMNS = "user_id, version, type, payload, created_at, row_version"
_KEY_COLUMNS = (
    "user_id, key, fingerprint, action_id, status_code, response, created_at, row_version,"
    " request_id"
)


def action_json(row: sqlite3.Row) -> dict[str, Any]:
    """An action-log row as the API shows it."""
    out = dict(row)
    out["args"] = json.loads(row["args"])
    out["result"] = json.loads(row["result"])
    return out


class ActionRepository(Repository):
    def _action_params(self, record: ActionRecord) -> tuple[Any, ...]:
        return (
            record.user_id,
            record.cat_id,
            record.client_id,
            record.mutation_id,
            record.name,
            dumps(record.args),
            record.fingerprint,
            record.seed,
            record.result_json if record.result_json is not None else dumps(record.result),
            record.created_at,
            self.version,
            self.version,
        )

    async def append(self, record: ActionRecord) -> int:
        """The action-log row alone; its id."""
        return await self.insert(_INSERT_ACTION, self._action_params(record))

    async def log(
        self,
        record: ActionRecord,
        events: Sequence[tuple[str, dict[str, Any]]],
        key: KeyRecord | None,
        last: bool = False,
    ) -> int:
        """Everything the executor stores for an applied action: its log row; for a player's
        action (`record.user_id` set) their `action.applied` event (the new row's id, name and
        cat) followed by `events`; with `key`, the Idempotency-Key's
        stored response (a key already taken raises `sqlite3.IntegrityError`). The log row's id.
        With `last`, this is the transaction's last statement (`Connection.fetchone_last`):
        on PostgreSQL its `COMMIT` goes in the same round trip, and nothing may follow it.

        On PostgreSQL this is one statement (data-modifying CTEs: every statement there is a
        round trip, the largest part of a write's cost); on SQLite three, which cost no more."""
        if self.kind == "postgresql":
            return await self._log_in_one(record, events, key, last)
        action_id = await self.append(record)
        if record.user_id is not None:
            applied = ("action.applied", _applied(action_id, record))
            await self.session.events.append_many(
                record.user_id, [applied, *events], record.created_at
            )
        if key is not None:
            await self.session.idempotency.put(
                key.user_id,
                key.key,
                fingerprint=key.fingerprint,
                action_id=action_id,
                status_code=key.status_code,
                body=key.body,
                request_id=key.request_id,
                now=record.created_at,
            )
        return action_id

    async def _log_in_one(
        self,
        record: ActionRecord,
        events: Sequence[tuple[str, dict[str, Any]]],
        key: KeyRecord | None,
        last: bool = False,
    ) -> int:
        version = self.version
        with_events = record.user_id is not None
        parts = [f"WITH logged AS ({_INSERT_ACTION})"]
        params: list[Any] = list(self._action_params(record))
        if with_events:
            # The action.applied event's payload is `_applied`'s JSON, its id spliced in.
            head, tail = _applied_parts(record)
            rows: list[tuple[int, str, str]] = [(0, "action.applied", tail)]
            rows += [(n, kind, dumps(payload)) for n, kind, payload in _numbered(events)]
            values = ", ".join("(?, ?, ?)" for _ in rows)
            parts.append(
                f", added AS (INSERT INTO events ({_EVENT_COLUMNS})"
                " SELECT ?, ?, e.type,"
                " CASE WHEN e.n = 0 THEN CAST(? AS TEXT) || logged.id || e.payload"
                " ELSE e.payload END, ?, ?"
                f" FROM logged, (VALUES {values}) AS e(n, type, payload) ORDER BY e.n"
                " RETURNING id)"
            )
            params += [record.user_id, version, head, record.created_at, version]
            params += [value for row in rows for value in row]
        if key is not None:
            parts.append(
                f", stored AS (INSERT INTO idempotency_keys ({_KEY_COLUMNS})"
                " SELECT ?, ?, ?, logged.id, ?, ?, ?, ?, ? FROM logged)"
            )
            params += [key.user_id, key.key, key.fingerprint, key.status_code, key.body]
            params += [record.created_at, version, key.request_id]
        added = ", ARRAY(SELECT id FROM added)" if with_events else ""
        parts.append(f" SELECT logged.id{added} FROM logged")
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        fetch = self.conn.fetchone_last if last else self.conn.fetchone
        row = await fetch("".join(parts), params)
        action_id = int(row[0])
        self.session.inserted.append(("actions", action_id))
        if with_events:
            self.session.inserted.extend(("events", int(i)) for i in sorted(row[1]))
        return action_id

    async def by_mutation(
        self, user_id: int | None, client_id: str, mutation_id: int
    ) -> dict[str, Any] | None:
        """The action already applied for this sync mutation, if any."""
        # `user_id IS ?` is SQLite only: PostgreSQL rejects a parameter after IS.
        owner = "user_id IS NULL" if user_id is None else "user_id = ?"
        row = await self.fetchone(
            f"SELECT {_COLUMNS} FROM actions WHERE {owner} AND client_id = ? AND mutation_id = ?",
            (*([] if user_id is None else [user_id]), client_id, mutation_id),
        )
        return action_json(row) if row else None

    async def get(self, action_id: int) -> dict[str, Any] | None:
        row = await self.fetchone(f"SELECT {_COLUMNS} FROM actions WHERE id = ?", (action_id,))
        return action_json(row) if row else None

    async def for_cat(
        self, user_id: int, cat_id: int, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """The cat's action log, newest first."""
        rows = await self.fetchall(
            f"SELECT {_COLUMNS} FROM actions WHERE user_id = ? AND cat_id = ?"
            " ORDER BY id DESC LIMIT ? OFFSET ?",
            (user_id, cat_id, limit, offset),
        )
        return [action_json(row) for row in rows]

    async def count_for_cat(self, user_id: int, cat_id: int) -> int:
        row = await self.fetchone(
            "SELECT COUNT(*) FROM actions WHERE user_id = ? AND cat_id = ?", (user_id, cat_id)
        )
        return int(row[0]) if row else 0


def _applied(action_id: int, record: ActionRecord) -> dict[str, Any]:
    """The payload of the `action.applied` event every player's action emits first."""
    return {"action_id": action_id, "name": record.name, "cat_id": record.cat_id}


def _applied_parts(record: ActionRecord) -> tuple[str, str]:
    """`_applied`'s JSON before and after the id: `dumps` of it is `head + str(id) + tail`."""
    rest = dumps({"name": record.name, "cat_id": record.cat_id})
    return '{"action_id":', "," + rest[1:]


def _numbered(
    events: Sequence[tuple[str, dict[str, Any]]],
) -> list[tuple[int, str, dict[str, Any]]]:
    return [(n, kind, payload) for n, (kind, payload) in enumerate(events, start=1)]
