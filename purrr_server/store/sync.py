"""Sync tables (migration 0005) and the registry of *syncable* user-owned tables.

Every user-owned table (it has `user_id` and `row_version`) is either **syncable** — its rows are
the player's game state, sent by `GET /api/v1/sync/pull` and mirrored by linked local games — or
**local only** (credentials, the action log, live events, …). A feature table joins sync by
declaring itself once, next to its repository::

    from purrr_server.store.sync import syncable
    syncable("breeding_pairs", refs=("pair_id",))

`key` names the primary-key columns other than `user_id` (default `("id",)`); `refs` names the
action arguments that hold ids of this table (an int or a list of ints), so a mutation made offline
can refer to a row that only exists provisionally (docs/sync.md). A table that must never leave the
server is declared with `local_only("name")`; tests/sync checks that every user-owned table is one
or the other.

The repositories: `sync_log` (remote role: the processed-mutation log and the change feed) and
`sync_local` (local role: the link, the outbox, the confirmed state and the rebuild).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from purrr_server.store.base import Repository, dumps


@dataclass(frozen=True, slots=True)
class SyncTable:
    """A user-owned table whose rows sync (see the module docstring)."""

    name: str
    key: tuple[str, ...] = ("id",)
    refs: tuple[str, ...] = ()
    #: Where this table's rows hold ids of (other) syncable tables, as (path, table) pairs: a
    #: column (`cat_id`), or a path into a JSON column: `.` for a key, `[]` for every item of a
    #: list, `{}` for every key of a dict, `*` for every value (`data.roles{}`,
    #: `data.cats[].id`). A restore that gives rows new ids rewrites them all (sync/backup.py).
    ids: tuple[tuple[str, str], ...] = ()

    @property
    def integer_id(self) -> bool:
        """Rows have their own INTEGER PRIMARY KEY `id` (ids the remote assigns)."""
        return self.key == ("id",)

    def row_key(self, row: dict[str, Any]) -> str:
        return dumps([row[column] for column in self.key])


#: Syncable tables in declaration order (parents before children).
SYNC_TABLES: dict[str, SyncTable] = {}
#: User-owned tables that never sync.
LOCAL_ONLY: set[str] = set()


def syncable(
    name: str,
    *,
    key: tuple[str, ...] = ("id",),
    refs: tuple[str, ...] = (),
    ids: dict[str, str] | None = None,
) -> SyncTable:
    """Declare table `name` syncable (idempotent for the same declaration)."""
    table = SyncTable(name, key, refs, tuple((ids or {}).items()))
    if SYNC_TABLES.get(name, table) != table:
        raise ValueError(f"table {name!r} is already declared syncable differently")
    SYNC_TABLES[name] = table
    return table


def local_only(*names: str) -> None:
    """Declare user-owned tables that never sync."""
    LOCAL_ONLY.update(names)


def table_for_ref(arg: str) -> SyncTable | None:
    """The syncable table whose ids an action argument named `arg` holds."""
    for table in SYNC_TABLES.values():
        if arg in table.refs:
            return table
    return None


# Platform tables (0001) and the feature tables of 0002–0004. New feature tables declare
# themselves in their own store module.
_CAT = ("id", "sire_id", "dam_id")
syncable(
    "cats",
    refs=("cat_id", "cat_ids", "sire_id", "dam_id"),
    ids={f"data.{name}": "cats" for name in _CAT},
)
syncable("interactions", ids={"cat_id": "cats"})
syncable("night_watch_systems", key=(), ids={"record.specializations{}": "cats"})
syncable(
    "night_patrols",
    refs=("patrol_id",),
    ids={
        "data.id": "night_patrols",
        "data.cats[].id": "cats",
        "data.roles{}": "cats",
        "data.results{}": "cats",
        "data.results*.cat_id": "cats",
        "data.encounters[].injured_cat_ids[]": "cats",
        "data.zones[].id": "protection_zones",
    },
)
syncable("protection_zones", refs=("zone_id",))
syncable("community_alerts", refs=("alert_id",), ids={"patrol_id": "night_patrols"})
syncable("balances", key=("currency",))
syncable("ledger_entries")
syncable("charges", key=("charge_id",))
syncable("withdrawals", refs=("withdrawal_id",))
syncable("inventory", key=("item_id",))
syncable(
    "game_results",
    ids={"cat_id": "cats", **{f"cat_snapshot.{name}": "cats" for name in _CAT}},
)
syncable("quest_progress", key=("quest_id",))
syncable("player_counters", key=("counter",))
syncable(
    "breedings",
    refs=("breeding_id",),
    ids={"sire_id": "cats", "dam_id": "cats", "kitten_ids[]": "cats"},
)
syncable("territories", refs=("territory_id",), ids={"cat_id": "cats"})
local_only(
    "users",
    "tokens",
    "api_keys",
    "actions",
    "idempotency_keys",
    "events",
    "tombstones",
    "totp_secrets",
    # A device key is a credential of the server that issued it (store/devices.py).
    "cat_devices",
    "cat_device_readings",
    # Multiplayer rooms live on the hosted server that holds them (store/rooms.py).
    "room_members",
    # OAuth2 clients, codes and tokens are credentials of the issuing server (store/oauth.py).
    "oauth_clients",
    "oauth_codes",
    "oauth_tokens",
)


async def _tables(repo: Repository) -> set[str]:
    return set(await repo.table_names())


async def present_tables(repo: Repository) -> list[SyncTable]:
    """The declared syncable tables that exist in this database, in declaration order."""
    existing = await _tables(repo)
    return [table for name, table in SYNC_TABLES.items() if name in existing]


async def user_owned_tables(repo: Repository) -> list[str]:
    """Every table with `user_id` and `row_version` columns."""
    out = []
    for name in sorted(await _tables(repo)):
        columns = set(await repo.columns(name))
        if {"user_id", "row_version"} <= columns:
            out.append(name)
    return out


#: Columns that differ between a remote's rows and a local game's copy of them by design.
UNSHARED = frozenset({"user_id", "row_version"})


def digest(tables: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Per syncable table, a hash of its rows (unshared columns left out, in key order): the
    agreement check compares a local game's confirmed state with the remote's this way."""
    out: dict[str, str] = {}
    for name, rows in tables.items():
        table = SYNC_TABLES.get(name)
        if table is None or not rows:
            continue
        lines = sorted(
            (
                table.row_key(row),
                json.dumps(
                    {k: v for k, v in row.items() if k not in UNSHARED},
                    sort_keys=True,
                    separators=(",", ":"),
                    default=str,
                ),
            )
            for row in rows
        )
        text = "\n".join(f"{key}\t{body}" for key, body in lines)
        out[name] = hashlib.sha256(text.encode()).hexdigest()[:32]
    return out


def disagreeing(local: dict[str, str], remote: dict[str, str]) -> list[str]:
    """The tables whose hashes differ (tables this game does not know are not compared)."""
    names = (set(local) | set(remote)) & set(SYNC_TABLES)
    return sorted(name for name in names if local.get(name) != remote.get(name))


def _outcome(row: sqlite3.Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row["mutation_id"],
        "name": row["name"],
        "status": row["status"],
        "created": json.loads(row["created"]),
        "version": row["version"],
    }
    out["result" if row["status"] == "applied" else "error"] = json.loads(row["result"])
    return out


class SyncLogRepository(Repository):
    """Remote role: which mutations each client has had processed, and the change feed."""

    async def last_mutation_id(self, user_id: int, client_id: str) -> int:
        row = await self.fetchone(
            "SELECT MAX(mutation_id) FROM sync_mutations WHERE user_id = ? AND client_id = ?",
            (user_id, client_id),
        )
        return int(row[0]) if row and row[0] is not None else 0

    async def outcome(
        self, user_id: int, client_id: str, mutation_id: int
    ) -> dict[str, Any] | None:
        """The stored outcome of a processed mutation, with its fingerprint."""
        row = await self.fetchone(
            "SELECT * FROM sync_mutations WHERE user_id = ? AND client_id = ? AND mutation_id = ?",
            (user_id, client_id, mutation_id),
        )
        return _outcome(row) | {"fingerprint": row["fingerprint"]} if row else None

    async def record(
        self,
        user_id: int,
        client_id: str,
        mutation_id: int,
        *,
        name: str,
        fingerprint: str,
        status: str,
        result: dict[str, Any],
        created: list[tuple[str, int]],
        now: str,
    ) -> None:
        """Store a mutation's outcome (a second outcome for the same id violates the key)."""
        await self.insert(
            "INSERT INTO sync_mutations (user_id, client_id, mutation_id, name, fingerprint,"
            " status, result, created, version, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user_id,
                client_id,
                mutation_id,
                name,
                fingerprint,
                status,
                dumps(result),
                dumps(created),
                self.version,
                now,
            ),
        )

    async def outcomes_since(
        self, user_id: int, client_id: str, cursor: int, upto: int
    ) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            "SELECT * FROM sync_mutations WHERE user_id = ? AND client_id = ? AND version > ?"
            " AND version <= ? ORDER BY mutation_id",
            (user_id, client_id, cursor, upto),
        )
        return [_outcome(row) for row in rows]

    async def changes(
        self, user_id: int, cursor: int, upto: int
    ) -> dict[str, list[dict[str, Any]]]:
        """Rows of every syncable table written after `cursor` (up to `upto`), by table."""
        out: dict[str, list[dict[str, Any]]] = {}
        for table in await present_tables(self):
            rows = await self.fetchall(
                f"SELECT * FROM {table.name} WHERE user_id = ? AND row_version > ?"
                " AND row_version <= ?",
                (user_id, cursor, upto),
            )
            if rows:
                out[table.name] = [dict(row) for row in rows]
        return out

    async def game(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every row of the player's syncable tables (for the agreement check's digest)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for table in await present_tables(self):
            rows = await self.fetchall(f"SELECT * FROM {table.name} WHERE user_id = ?", (user_id,))
            if rows:
                out[table.name] = [dict(row) for row in rows]
        return out

    async def take_lease(
        self, user_id: int, client_id: str, now: str, expires_at: str
    ) -> dict[str, Any] | None:
        """Take or renew the account's sync lease for `client_id`; None when it is taken, else
        the holder ({client_id, expires_at}) that keeps it."""
        taken = await self.execute(
            "INSERT INTO sync_leases (user_id, client_id, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET client_id = excluded.client_id,"
            " expires_at = excluded.expires_at"
            " WHERE sync_leases.client_id = excluded.client_id OR sync_leases.expires_at <= ?",
            (user_id, client_id, expires_at, now),
        )
        if taken:
            return None
        row = await self.fetchone(
            "SELECT client_id, expires_at FROM sync_leases WHERE user_id = ?", (user_id,)
        )
        return dict(row) if row else {"client_id": "?", "expires_at": now}

    async def release_lease(self, user_id: int, client_id: str) -> bool:
        changed = await self.execute(
            "DELETE FROM sync_leases WHERE user_id = ? AND client_id = ?", (user_id, client_id)
        )
        return changed == 1

    async def tombstones(self, user_id: int, cursor: int, upto: int) -> list[dict[str, Any]]:
        names = tuple(SYNC_TABLES)
        rows = await self.fetchall(
            "SELECT table_name, row_id, row_version FROM tombstones WHERE user_id = ?"
            f" AND row_version > ? AND row_version <= ? AND table_name IN"
            f" ({', '.join('?' * len(names))})",
            (user_id, cursor, upto, *names),
        )
        return [dict(row) for row in rows]


@dataclass(frozen=True, slots=True)
class Link:
    """The local game's link to its remote (the `sync_link` row)."""

    user_id: int
    remote_url: str
    remote_user: dict[str, Any]
    client_id: str
    next_mutation_id: int
    pushed_through: int
    cursor: int
    interval_seconds: int
    needs_rebuild: bool
    linked_at: str
    last_push: str | None
    last_pull: str | None
    last_attempt: str | None
    last_error: str | None
    failures: int
    last_check: str | None = None
    last_check_ok: bool | None = None
    mismatches: int = 0
    last_repull: dict[str, Any] | None = None
    clock_skew_seconds: float | None = None
    remote_protocol: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Link:
        data = dict(row)
        data.pop("id")
        data["remote_user"] = json.loads(data["remote_user"])
        data["needs_rebuild"] = bool(data["needs_rebuild"])
        for column in ("last_repull", "remote_protocol"):
            if data.get(column) is not None:
                data[column] = json.loads(data[column])
        if data.get("last_check_ok") is not None:
            data["last_check_ok"] = bool(data["last_check_ok"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Pending:
    """One outbox row: a mutation applied provisionally, not yet acknowledged by a pull."""

    mutation_id: int
    name: str
    args: dict[str, Any]
    seed: int
    created_at: str
    action_id: int | None
    local_status: str
    remote_status: str | None
    remote_result: dict[str, Any] | None
    remote_created: list[list[Any]] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Pending:
        data = dict(row)
        for column in ("args", "remote_result", "remote_created"):
            if data[column] is not None:
                data[column] = json.loads(data[column])
        return cls(**data)


_LINK_FIELDS = frozenset(
    {
        "pushed_through",
        "cursor",
        "interval_seconds",
        "needs_rebuild",
        "last_push",
        "last_pull",
        "last_attempt",
        "last_error",
        "failures",
        "last_check",
        "last_check_ok",
        "mismatches",
        "last_repull",
        "clock_skew_seconds",
        "remote_protocol",
    }
)


class SyncLocalRepository(Repository):
    """Local role: the link, the outbox, provisional ids, the confirmed state and the rebuild."""

    async def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """One statement for many rows, inside the unit of work (bulk rebuilds)."""
        self.session.version  # noqa: B018 - refuse writes outside a unit of work
        if rows:
            await self.executemany(sql, rows)

    # --- link ---

    async def link(self) -> Link | None:
        row = await self.fetchone("SELECT * FROM sync_link WHERE id = 1")
        return Link.from_row(row) if row else None

    async def create_link(
        self,
        user_id: int,
        remote_url: str,
        remote_user: dict[str, Any],
        client_id: str,
        interval_seconds: int,
        now: str,
    ) -> None:
        await self.insert(
            "INSERT INTO sync_link (id, user_id, remote_url, remote_user, client_id,"
            " interval_seconds, linked_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (user_id, remote_url, dumps(remote_user), client_id, interval_seconds, now),
        )

    async def update_link(self, **fields: Any) -> None:
        unknown = set(fields) - _LINK_FIELDS
        if unknown:
            raise ValueError(f"not sync_link fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        values = tuple(dumps(v) if isinstance(v, dict) else v for v in fields.values())
        await self.execute(f"UPDATE sync_link SET {assignments} WHERE id = 1", values)

    async def advance_cursor(self, expected: int, cursor: int, now: str) -> bool:
        """Move the cursor from `expected` to `cursor` (False if another sync moved it first)."""
        changed = await self.execute(
            "UPDATE sync_link SET cursor = ?, last_pull = ?, needs_rebuild = 1, last_error = NULL,"
            " failures = 0 WHERE id = 1 AND cursor = ?",
            (cursor, now, expected),
        )
        return changed == 1

    async def restart_from_scratch(self) -> None:
        """Forget the confirmed state and the cursor: the next pull fetches everything again."""
        await self.execute("DELETE FROM sync_confirmed")
        await self.execute("UPDATE sync_link SET cursor = 0 WHERE id = 1")

    async def take_mutation_id(self) -> int:
        row = await self.fetchone(
            "UPDATE sync_link SET next_mutation_id = next_mutation_id + 1 WHERE id = 1"
            " RETURNING next_mutation_id - 1"
        )
        assert row is not None
        return int(row[0])

    async def forget(self) -> None:
        """Unlink: drop the link and every sync table's local-role rows."""
        for table in (
            "sync_link",
            "sync_outbox",
            "sync_provisional",
            "sync_ids",
            "sync_confirmed",
            "sync_rejections",
        ):
            await self.execute(f"DELETE FROM {table}")

    # --- outbox ---

    async def append(
        self,
        mutation_id: int,
        name: str,
        args: dict[str, Any],
        seed: int,
        created_at: str,
        action_id: int,
    ) -> None:
        await self.insert(
            "INSERT INTO sync_outbox (mutation_id, name, args, seed, created_at, action_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (mutation_id, name, dumps(args), seed, created_at, action_id),
        )

    async def pending(self, after: int = 0, limit: int = 1_000_000) -> list[Pending]:
        rows = await self.fetchall(
            "SELECT * FROM sync_outbox WHERE mutation_id > ? ORDER BY mutation_id LIMIT ?",
            (after, limit),
        )
        return [Pending.from_row(row) for row in rows]

    async def count_pending(self) -> int:
        row = await self.fetchone("SELECT COUNT(*) FROM sync_outbox")
        return int(row[0]) if row else 0

    async def set_outcomes(self, outcomes: list[dict[str, Any]]) -> None:
        """Record the remote's outcomes ({id, status, result | error, created}) on the outbox."""
        await self._many(
            "UPDATE sync_outbox SET remote_status = ?, remote_result = ?, remote_created = ?"
            " WHERE mutation_id = ?",
            [
                (
                    o["status"],
                    dumps(o.get("result") if o["status"] == "applied" else o.get("error")),
                    dumps(o.get("created") or []),
                    int(o["id"]),
                )
                for o in outcomes
            ],
        )

    async def set_applied(self, mutation_id: int, action_id: int | None) -> None:
        """Record the outcome of re-applying a pending mutation (None: it failed locally)."""
        await self.execute(
            "UPDATE sync_outbox SET action_id = ?, local_status = ? WHERE mutation_id = ?",
            (action_id, "applied" if action_id is not None else "failed", mutation_id),
        )

    async def drop_through(self, mutation_id: int) -> None:
        """Drop acknowledged mutations (and, once nothing is pending, the id map)."""
        await self.execute("DELETE FROM sync_outbox WHERE mutation_id <= ?", (mutation_id,))
        await self.execute("DELETE FROM sync_provisional WHERE mutation_id <= ?", (mutation_id,))
        if not await self.count_pending():
            await self.execute("DELETE FROM sync_ids")

    async def delete_action(self, action_id: int) -> None:
        """Forget the action-log row of a superseded provisional application."""
        await self.session.idempotency.keep_bodies("a.id = ?", (action_id,))
        await self.execute("DELETE FROM actions WHERE id = ?", (action_id,))

    # --- ids ---

    async def add_provisional(
        self, mutation_id: int, created: Iterable[tuple[str, int, int]]
    ) -> None:
        """Rows a pending mutation created locally: (table, local id, ordinal)."""
        for table, local_id, ordinal in created:
            await self.insert(
                "INSERT INTO sync_provisional (table_name, local_id, mutation_id, ordinal)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (table_name, local_id) DO UPDATE SET"
                " mutation_id = excluded.mutation_id, ordinal = excluded.ordinal",
                (table, local_id, mutation_id, ordinal),
            )

    async def provisional(self, table: str, local_id: int) -> tuple[int, int] | None:
        """(creating mutation, ordinal) of a provisional row, if it is one."""
        row = await self.fetchone(
            "SELECT mutation_id, ordinal FROM sync_provisional WHERE table_name = ?"
            " AND local_id = ?",
            (table, local_id),
        )
        return (int(row[0]), int(row[1])) if row else None

    async def local_id(self, mutation_id: int, table: str, ordinal: int) -> int | None:
        row = await self.fetchone(
            "SELECT local_id FROM sync_provisional WHERE mutation_id = ? AND table_name = ?"
            " AND ordinal = ?",
            (mutation_id, table, ordinal),
        )
        return int(row[0]) if row else None

    async def add_remote_ids(
        self, mutation_id: int, created: Iterable[tuple[str, int, int]]
    ) -> None:
        """Rows an acknowledged mutation created on the remote: (table, remote id, ordinal)."""
        for table, remote_id, ordinal in created:
            await self.insert(
                "INSERT INTO sync_ids (mutation_id, table_name, ordinal, remote_id)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (mutation_id, table_name, ordinal)"
                " DO UPDATE SET remote_id = excluded.remote_id",
                (mutation_id, table, ordinal, remote_id),
            )

    async def remote_id(self, mutation_id: int, table: str, ordinal: int) -> int | None:
        row = await self.fetchone(
            "SELECT remote_id FROM sync_ids WHERE mutation_id = ? AND table_name = ?"
            " AND ordinal = ?",
            (mutation_id, table, ordinal),
        )
        return int(row[0]) if row else None

    # --- rejections ---

    async def reject(
        self, client_id: str, pending: Pending, error: dict[str, Any], now: str
    ) -> None:
        await self.insert(
            "INSERT INTO sync_rejections (mutation_id, client_id, name, args, error, rejected_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, mutation_id) DO UPDATE SET"
            " name = excluded.name, args = excluded.args, error = excluded.error,"
            " rejected_at = excluded.rejected_at",
            (pending.mutation_id, client_id, pending.name, dumps(pending.args), dumps(error), now),
        )

    async def rejections(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = await self.fetchall(
            "SELECT mutation_id, name, args, error, rejected_at FROM sync_rejections"
            " ORDER BY rejected_at DESC, mutation_id DESC LIMIT ?",
            (limit,),
        )
        return [
            {
                "mutation_id": row["mutation_id"],
                "name": row["name"],
                "args": json.loads(row["args"]),
                "error": json.loads(row["error"]),
                "rejected_at": row["rejected_at"],
            }
            for row in rows
        ]

    # --- confirmed state and the rebuild ---

    async def confirm(
        self, changes: dict[str, list[dict[str, Any]]], tombstones: list[dict[str, Any]]
    ) -> None:
        """Apply a pull's tombstones, then its rows, to the confirmed state (a row re-created
        with a deleted row's id is newer than that row's tombstone)."""
        await self._many(
            "DELETE FROM sync_confirmed WHERE table_name = ? AND row_key = ?",
            [(stone["table_name"], dumps([stone["row_id"]])) for stone in tombstones],
        )
        await self._many(
            "INSERT INTO sync_confirmed (table_name, row_key, data) VALUES (?, ?, ?)"
            " ON CONFLICT (table_name, row_key) DO UPDATE SET data = excluded.data",
            [
                (name, SYNC_TABLES[name].row_key(row), dumps(row))
                for name, rows in changes.items()
                if name in SYNC_TABLES
                for row in rows
            ],
        )

    async def confirmed(self) -> dict[str, list[dict[str, Any]]]:
        """The confirmed state: rows by table, as the remote sent them, ordered by key."""
        out: dict[str, list[dict[str, Any]]] = {}
        rows = await self.fetchall(
            "SELECT table_name, data FROM sync_confirmed ORDER BY table_name, row_key"
        )
        for row in rows:
            out.setdefault(row[0], []).append(json.loads(row[1]))
        return out

    async def replace_live(self, user_id: int) -> int:
        """Make the player's syncable rows exactly the confirmed state; return rows written.

        Runs inside one transaction with foreign keys checked at commit, so tables can be
        emptied and refilled in any order. Provisional ids are forgotten: pending mutations are
        re-applied on top next.
        """
        await self.defer_foreign_keys()
        tables = await present_tables(self)
        for table in reversed(tables):
            await self.execute(f"DELETE FROM {table.name} WHERE user_id = ?", (user_id,))
        await self.execute("DELETE FROM sync_provisional")
        confirmed = await self.confirmed()
        written = 0
        for table in tables:
            rows = confirmed.get(table.name, [])
            if not rows:
                continue
            present = set(await self.columns(table.name))
            names = [c for c in rows[0] if c in present and c not in ("user_id", "row_version")]
            await self._many(
                f"INSERT INTO {table.name} ({', '.join([*names, 'user_id', 'row_version'])})"
                f" VALUES ({', '.join('?' * (len(names) + 2))})",
                [(*(row.get(c) for c in names), user_id, self.version) for row in rows],
            )
            written += len(rows)
        return written

    async def history_count(self, user_id: int) -> int:
        row = await self.fetchone("SELECT COUNT(*) FROM actions WHERE user_id = ?", (user_id,))
        return int(row[0]) if row else 0

    async def forget_history(self, user_id: int) -> int:
        """Drop the player's action log (its game was replaced; the history went with it)."""
        await self.session.idempotency.keep_bodies("a.user_id = ?", (user_id,))
        return await self.execute("DELETE FROM actions WHERE user_id = ?", (user_id,))

    async def live(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """The player's syncable rows as they are now (tests compare them with the remote's)."""
        out: dict[str, list[dict[str, Any]]] = {}
        for table in await present_tables(self):
            order = ", ".join(table.key) or "user_id"
            rows = await self.fetchall(
                f"SELECT * FROM {table.name} WHERE user_id = ? ORDER BY {order}", (user_id,)
            )
            if rows:
                out[table.name] = [dict(row) for row in rows]
        return out
