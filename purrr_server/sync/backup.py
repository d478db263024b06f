"""Backups of a game and the `game.restore` action (docs/sync.md, "Backup and restore").

A backup is the GDPR export (`GET /api/v1/account/export`: every row the player owns, table by
table) plus `format`, `format_version` and `schema` (the migrations of the server that wrote it).
`game.restore` replaces the caller's game — every syncable table and the action log (history) —
by a backup's, in the action's one transaction. Rows keep their ids where this database has them
free; otherwise they get new ones, and every reference to them (columns, and the paths into JSON
columns each syncable table declares with `syncable(ids=…)`) is rewritten. So a backup restores
into the game it came from, into another local game, or uploads a game to a hosted account.
Rows a restore removes get tombstones, so the account's other linked devices drop them too.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field

from purrr_server.actions import ActionArgs, ActionContext, ActionResult, action
from purrr_server.envelope import ApiError
from purrr_server.runtime import Runtime
from purrr_server.store.accounts import decode_json
from purrr_server.store.base import Repository, dumps
from purrr_server.store.sync import SYNC_TABLES, SyncTable, present_tables, table_for_ref

FORMAT = "purrr-backup"
FORMAT_VERSION = 1
#: Local-only tables a backup carries that a restore brings back besides the syncable ones.
HISTORY = "actions"
#: Action-log columns a restore copies (ids, clients and mutation ids belong to the old game).
HISTORY_COLUMNS = ("cat_id", "name", "args", "fingerprint", "seed", "status", "result")
HISTORY_COLUMNS_AT = ("created_at", "version")
Ids = dict[str, dict[int, int]]


# --- writing backups ---


async def export_game(runtime: Runtime, user_id: int) -> dict[str, Any]:
    """The player's backup document (the GDPR export plus format and schema)."""
    from purrr_server.store.accounts import export_user

    schema = await runtime.store.applied_migrations()
    tables = await export_user(runtime.store.read, user_id)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": runtime.settings.now().isoformat(),
        "schema": schema,
        "tables": tables,
    }


def backups_dir(runtime: Runtime) -> Path:
    return runtime.settings.data_dir / "backups"


def default_path(runtime: Runtime, reason: str) -> Path:
    """`<data dir>/backups/<reason>-<UTC time>.json` (not yet existing)."""
    stamp = runtime.settings.now().strftime("%Y%m%dT%H%M%SZ")
    path = backups_dir(runtime) / f"{reason}-{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = backups_dir(runtime) / f"{reason}-{stamp}-{n}.json"
    return path


async def write_backup(runtime: Runtime, user_id: int, path: Path) -> dict[str, Any]:
    """Write the player's backup to `path` (atomically, readable by its owner only)."""
    document = await export_game(runtime, user_id)
    text = json.dumps(document, indent=1, default=str)

    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)

    await asyncio.to_thread(write)
    return {"path": str(path), "rows": summary(document["tables"])}


def restorable(document: dict[str, Any]) -> dict[str, Any]:
    """A backup without what a restore ignores (credentials' metadata, events, sync state):
    what an upload sends to a remote."""
    tables = {
        name: rows
        for name, rows in document["tables"].items()
        if name in SYNC_TABLES or name in (HISTORY, "users")
    }
    return {**document, "tables": tables}


def summary(tables: dict[str, Any]) -> dict[str, int]:
    """Rows per restorable table (syncable ones and the history)."""
    return {
        name: len(rows)
        for name, rows in tables.items()
        if (name in SYNC_TABLES or name == HISTORY) and isinstance(rows, list) and rows
    }


# --- reading backups ---


def _bad(message: str, **details: Any) -> ApiError:
    return ApiError(
        "VALIDATION_ERROR",
        f"not a restorable purrr backup: {message}",
        details={"field": "backup", **details},
    )


def check_backup(document: Any, schema: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The restorable tables of a backup document, or a VALIDATION_ERROR naming what is wrong.

    Accepts a backup (`purrr backup`), a GDPR export's data, or the export's whole response
    envelope. Refuses another format, and a backup from a newer schema than `schema`.
    """
    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        document = document["data"]  # the export's response envelope, saved as it came
    if not isinstance(document, dict) or not isinstance(document.get("tables"), dict):
        raise _bad("expected a JSON object with `tables` (the output of `purrr backup`)")
    if document.get("format", FORMAT) != FORMAT:
        raise _bad(f"its format is {document.get('format')!r}, not {FORMAT!r}")
    version = document.get("format_version", FORMAT_VERSION)
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise _bad(
            f"format version {version!r} is newer than this server's ({FORMAT_VERSION});"
            " upgrade purrr to restore it",
            format_version=version,
        )
    newer = sorted(set(document.get("schema") or []) - set(schema))
    if newer:
        raise _bad(
            f"it was written by a newer purrr (migrations {', '.join(newer)});"
            " upgrade purrr to restore it",
            migrations=newer,
        )
    tables = document["tables"]
    users = tables.get("users")
    if not isinstance(users, list) or len(users) != 1:
        raise _bad("`tables.users` must hold exactly the one player it was taken from")
    out: dict[str, list[dict[str, Any]]] = {}
    for name, rows in tables.items():
        if name not in SYNC_TABLES and name != HISTORY:
            continue
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise _bad(f"`tables.{name}` must be a list of row objects", table=name)
        out[name] = rows
    return out


# --- id rewriting ---


def _rewrite(value: Any, steps: list[str], remap: Callable[[Any], Any]) -> Any:
    """`value` with `remap` applied at the path `steps` (see `SyncTable.ids`)."""
    if not steps:
        return remap(value)
    step, rest = steps[0], steps[1:]
    if step == "[]":
        return [_rewrite(v, rest, remap) for v in value] if isinstance(value, list) else value
    if step == "{}":
        if not isinstance(value, dict):
            return value
        return {str(remap(_int_key(k))): v for k, v in value.items()}
    if step == "*":
        if not isinstance(value, dict):
            return value
        return {k: _rewrite(v, rest, remap) for k, v in value.items()}
    if isinstance(value, dict) and step in value:
        return {**value, step: _rewrite(value[step], rest, remap)}
    return value


def _int_key(key: Any) -> Any:
    try:
        return int(key)
    except (TypeError, ValueError):
        return key


def _steps(path: str) -> list[str]:
    steps: list[str] = []
    for part in path.split("."):
        name = part.rstrip("[]{}*")
        if name:
            steps.append(name)
        suffix = part[len(name) :]
        while suffix:
            token = suffix[:2] if suffix[:2] in ("[]", "{}") else suffix[:1]
            steps.append(token)
            suffix = suffix[len(token) :]
    return steps


def _mapper(mapping: dict[int, int]) -> Callable[[Any], Any]:
    def remap(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return value
        return mapping.get(value, value)

    return remap


def rewrite_row(table: SyncTable, row: dict[str, Any], ids: Ids) -> dict[str, Any]:
    """A row with its own id and every id it holds moved to their new values."""
    out = dict(row)
    if table.integer_id and table.name in ids and isinstance(out.get("id"), int):
        out["id"] = ids[table.name].get(out["id"], out["id"])
    for path, target in table.ids:
        mapping = ids.get(target)
        if not mapping:
            continue
        column, *steps = _steps(path)
        if column in out:
            out[column] = _rewrite(decode_json(out[column]), steps, _mapper(mapping))
    return out


def rewrite_refs(values: Any, ids: Ids) -> Any:
    """Top-level action arguments (or results) naming rows (`cat_id`, `cat_ids`, …), moved."""
    if not isinstance(values, dict):
        return values
    out = dict(values)
    for name, value in values.items():
        table = table_for_ref(name)
        if table is None or table.name not in ids:
            continue
        remap = _mapper(ids[table.name])
        out[name] = [remap(v) for v in value] if isinstance(value, list) else remap(value)
    return out


# --- restoring ---


def _stored(value: Any) -> Any:
    """A JSON column's value as stored (compact; non-ASCII kept, as pydantic writes it)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return value


async def _columns(repo: Repository, table: str) -> set[str]:
    return set(await repo.columns(table))


async def _allocate(
    repo: Repository, table: str, user_id: int, wanted: list[int]
) -> dict[int, int]:
    """New ids for the backup's ids of `table`: the same where free in this database (after the
    player's rows were deleted), else fresh ones above every id in use or tombstoned."""
    if not wanted:
        return {}
    rows = await repo.fetchall(f"SELECT id FROM {table}")
    taken = {int(row[0]) for row in rows}
    stones = await repo.fetchall(
        "SELECT row_id FROM tombstones WHERE table_name = ? AND user_id != ?", (table, user_id)
    )
    taken |= {int(row[0]) for row in stones}
    top = max([*taken, *wanted, 0])
    out: dict[int, int] = {}
    for old in sorted(set(wanted)):
        if old in taken or old < 1:
            top += 1
            out[old] = top
    return out


async def game_rows(repo: Repository, user_id: int) -> int:
    """How many rows the player's game has (syncable tables)."""
    total = 0
    for table in await present_tables(repo):
        row = await repo.fetchone(
            f"SELECT COUNT(*) FROM {table.name} WHERE user_id = ?", (user_id,)
        )
        total += int(row[0]) if row else 0
    return total


async def restore_game(
    repo: Repository, user_id: int, tables: dict[str, list[dict[str, Any]]], now: str
) -> dict[str, Any]:
    """Replace the player's game by `tables` (checked by `check_backup`), inside the caller's
    unit of work; returns rows restored per table and the ids that changed."""
    await repo.defer_foreign_keys()
    present = await present_tables(repo)
    known = {table.name for table in present}
    unknown = sorted(set(tables) - known - {HISTORY})
    if unknown:
        raise _bad(f"tables unknown to this server: {', '.join(unknown)}", tables=unknown)
    before: dict[str, set[int]] = {}
    for table in reversed(present):
        if table.integer_id:
            rows = await repo.fetchall(f"SELECT id FROM {table.name} WHERE user_id = ?", (user_id,))
            before[table.name] = {int(row[0]) for row in rows}
        await repo.execute(f"DELETE FROM {table.name} WHERE user_id = ?", (user_id,))
    ids: Ids = {}
    for table in present:
        if table.integer_id:
            wanted = [
                row["id"] for row in tables.get(table.name, []) if isinstance(row.get("id"), int)
            ]
            ids[table.name] = await _allocate(repo, table.name, user_id, wanted)
    restored: dict[str, int] = {}
    for table in present:
        moved = [rewrite_row(table, row, ids) for row in tables.get(table.name, [])]
        if not moved:
            continue
        columns = await _columns(repo, table.name)
        names = sorted({c for row in moved for c in row} - {"user_id", "row_version"})
        strange = [c for c in names if c not in columns]
        if strange:
            raise _bad(
                f"`{table.name}` has columns this server does not know ({', '.join(strange)});"
                " upgrade purrr to restore it",
                table=table.name,
                columns=strange,
            )
        sql = (
            f"INSERT INTO {table.name} ({', '.join([*names, 'user_id', 'row_version'])})"
            f" VALUES ({', '.join('?' * (len(names) + 2))})"
        )
        for n, item in enumerate(moved):
            try:
                await repo.insert(
                    sql, (*(_stored(item.get(c)) for c in names), user_id, repo.version)
                )
            except Exception as exc:  # sqlite3.IntegrityError and friends: the data is bad
                raise _bad(
                    f"row {n} of `{table.name}` does not fit ({exc})", table=table.name, row=n
                ) from exc
        restored[table.name] = len(moved)
        if table.integer_id:
            await repo.ids_used(table.name)
    for name, old_ids in before.items():
        kept = {row["id"] for row in await _rows_ids(repo, name, user_id)}
        for row_id in sorted(old_ids - kept):
            await repo.tombstone(name, row_id, user_id, now)
    history = await _restore_history(repo, user_id, tables.get(HISTORY, []), ids)
    problem = await repo.foreign_key_problem()
    if problem is not None:
        child, parent = problem
        raise _bad(f"`{child}` refers to a missing `{parent}` row", table=child, parent=parent)
    changed = {
        name: {str(old): new for old, new in mapping.items()}
        for name, mapping in ids.items()
        if mapping
    }
    return {"restored": restored, "history": history, "ids": changed}


async def _rows_ids(repo: Repository, table: str, user_id: int) -> list[dict[str, Any]]:
    rows = await repo.fetchall(f"SELECT id FROM {table} WHERE user_id = ?", (user_id,))
    return [dict(row) for row in rows]


async def _restore_history(
    repo: Repository, user_id: int, rows: list[dict[str, Any]], ids: Ids
) -> int:
    """The action log: the replaced game's goes, the backup's comes (ids moved, no sync ids)."""
    await repo.session.idempotency.keep_bodies("a.user_id = ?", (user_id,))
    await repo.execute("DELETE FROM actions WHERE user_id = ?", (user_id,))
    await rewrite_history(repo, user_id, ids, rows)
    return len(rows)


async def rewrite_history(
    repo: Repository, user_id: int, ids: Ids, rows: list[dict[str, Any]] | None = None
) -> int:
    """Insert `rows` as the player's action log with `ids` applied; without `rows`, move the ids
    of the player's own action log in place (after its game was uploaded and renumbered)."""
    cats = _mapper(ids.get("cats", {}))
    if rows is None:
        # a key's response is rebuilt from its log row (store/idempotency.py): keep what was sent
        await repo.session.idempotency.keep_bodies("a.user_id = ?", (user_id,))
        found = await repo.fetchall(
            "SELECT id, cat_id, args, result FROM actions WHERE user_id = ?", (user_id,)
        )
        for old in found:
            await repo.execute(
                "UPDATE actions SET cat_id = ?, args = ?, result = ? WHERE id = ?",
                (
                    cats(old["cat_id"]),
                    dumps(rewrite_refs(json.loads(old["args"]), ids)),
                    dumps(rewrite_refs(json.loads(old["result"]), ids)),
                    old["id"],
                ),
            )
        return len(found)
    for n, row in enumerate(rows):
        try:
            values = (
                cats(row.get("cat_id")),
                str(row["name"]),
                dumps(rewrite_refs(decode_json(row.get("args") or {}), ids)),
                str(row.get("fingerprint") or ""),
                int(row.get("seed") or 0),
                str(row.get("status") or "applied"),
                dumps(rewrite_refs(decode_json(row.get("result") or {}), ids)),
                str(row["created_at"]),
                int(row.get("version") or 0),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _bad(f"history row {n} is incomplete ({exc})", table=HISTORY, row=n) from exc
        await repo.insert(
            f"INSERT INTO actions (user_id, {', '.join(HISTORY_COLUMNS + HISTORY_COLUMNS_AT)},"
            " row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, *values, repo.version),
        )
    return len(rows)


class RestoreArgs(ActionArgs):
    backup: dict[str, Any] = Field(..., description="A backup (`GET /api/v1/backup`).")
    replace: bool = Field(False, description="Replace a game that is not empty.")


class Restored(ActionResult):
    restored: dict[str, int]
    history: int
    replaced: int
    ids: dict[str, Any] = Field(..., description="Per table, the ids the restore changed.")


@action(
    "game.restore",
    args=RestoreArgs,
    result=Restored,
    scope="write",
    syncs=False,
    secret_args=("backup",),
)
async def restore(ctx: ActionContext, args: RestoreArgs) -> dict[str, Any]:
    """Replace the caller's game by a backup's; a game with rows is replaced only with
    `replace`. Refused on a local game linked to a remote, and on a hosted server unless its
    operator accepts uploaded games (`allow_game_uploads`): a backup is the client's word for
    every stat, coin and balance, which a server with many players must not take."""
    if ctx.settings.hosted and not ctx.settings.allow_game_uploads:
        raise ApiError(
            "FORBIDDEN",
            "this server does not accept uploaded games (a backup could set any balance);"
            " its operator can allow it with --allow-game-uploads",
            details={"setting": "allow_game_uploads"},
        )
    repo = ctx.store.sync_local
    schema = [row[0] for row in await repo.fetchall("SELECT name FROM schema_migrations")]
    tables = check_backup(args.backup, schema)
    link = await repo.link()
    if link is not None and not ctx.settings.hosted:
        raise ApiError(
            "CONFLICT",
            f"this game is linked to {link.remote_url}; a restore would be undone by the next"
            " sync. Run `purrr remote unlink` first (then link again to upload it)",
            details={"remote": link.remote_url},
        )
    existing = await game_rows(repo, ctx.user_id)
    if existing and not args.replace:
        raise ApiError(
            "CONFLICT",
            f"this account's game is not empty ({existing} rows); restore with replace to"
            " overwrite it",
            details={"rows": existing, "field": "replace"},
        )
    result = await restore_game(repo, ctx.user_id, tables, ctx.stamp)
    ctx.emit("game.restored", {"restored": result["restored"], "history": result["history"]})
    return {**result, "replaced": existing}
