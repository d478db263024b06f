"""The write floor: a bare FastAPI app that runs the statements of purrr's write and nothing else.

`benchmarks/server_load.py` starts it next to the hello-world and drives it with the same wrk
script as purrr's `PUT /api/v1/cats/{id}`. It answers that route with one transaction of the
statements purrr's write runs (tests/server/test_statement_count.py pins them): the player's
version, the Idempotency-Key lookup (a stored response is replayed), the cat, its update, the
action log row, the two events, the key's response, then the commit, on the same database
settings (SQLite: WAL, synchronous=NORMAL, one writer; PostgreSQL: a pool, prepared statements).
It has no authentication, rate limit, game rules, validation beyond the body's model, or
presenters: what a write costs with none of purrr's code, so purrr's write can be compared with
the least any write of this shape costs here, not only with a hello-world that writes nothing.

    python benchmarks/write_floor.py --port 8001 --database /tmp/floor.db
    python benchmarks/write_floor.py --port 8001 --database postgresql://purrr@/purrr
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel

#: Twenty cats of one player, each row about the size of a purrr cat's stored JSON.
CATS = 20
CAT_DATA = json.dumps(
    {
        "stats": {"hunger": 50, "energy": 50, "happiness": 50, "health": 90, "cleanliness": 80},
        "genotype": "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l",
        "traits": {"curiosity": 0.5, "playfulness": 0.8, "independence": 0.3}
        | {f"trait_{n}": n / 10 for n in range(30)},
    }
)
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS floor_versions (user_id BIGINT PRIMARY KEY, version BIGINT)",
    "CREATE TABLE IF NOT EXISTS floor_cats (id BIGINT PRIMARY KEY, user_id BIGINT, "
    "description TEXT, data TEXT, version BIGINT)",
    "CREATE TABLE IF NOT EXISTS floor_actions (id {serial}, user_id BIGINT, cat_id BIGINT, "
    "name TEXT, args TEXT, result TEXT, created_at TEXT)",
    "CREATE TABLE IF NOT EXISTS floor_events (id {serial}, user_id BIGINT, version BIGINT, "
    "kind TEXT, payload TEXT, created_at TEXT)",
    "CREATE TABLE IF NOT EXISTS floor_keys (user_id BIGINT, key TEXT, status BIGINT, "
    "response TEXT, PRIMARY KEY (user_id, key))",
]
SEED = [
    ("INSERT INTO floor_versions VALUES (1, 0) ON CONFLICT DO NOTHING", ()),
    *[
        (
            "INSERT INTO floor_cats VALUES (?, 1, '', ?, 0) ON CONFLICT DO NOTHING",
            (n, CAT_DATA),
        )
        for n in range(1, CATS + 1)
    ],
]
BUMP = (
    "INSERT INTO floor_versions (user_id, version) VALUES (1, 1) ON CONFLICT (user_id) "
    "DO UPDATE SET version = floor_versions.version + 1 RETURNING version"
)
KEY = "SELECT status, response FROM floor_keys WHERE user_id = 1 AND key = ?"
CAT = "SELECT data, version FROM floor_cats WHERE id = ? AND user_id = 1"
UPDATE = "UPDATE floor_cats SET description = ?, version = version + 1 WHERE id = ?"
LOG = (
    "INSERT INTO floor_actions (user_id, cat_id, name, args, result, created_at) "
    "VALUES (1, ?, 'cats.update', ?, ?, ?) RETURNING id"
)
EVENTS = (
    "INSERT INTO floor_events (user_id, version, kind, payload, created_at) "
    "VALUES (1, ?, 'action.applied', ?, ?), (1, ?, 'cat.updated', ?, ?)"
)
PUT_KEY = "INSERT INTO floor_keys VALUES (1, ?, 200, ?)"
NOW = "2026-12-07T00:00:00+00:00"
#: PostgreSQL: the statements above as purrr's PostgreSQL write combines them (CTEs).
BUMP_AND_KEY = (
    "WITH v AS (INSERT INTO floor_versions (user_id, version) VALUES (1, 1) "
    "ON CONFLICT (user_id) DO UPDATE SET version = floor_versions.version + 1 "
    "RETURNING version) SELECT v.version, k.status, k.response FROM v "
    "LEFT JOIN floor_keys k ON k.user_id = 1 AND k.key = %s"
)
LOG_EVENTS_AND_KEY = (
    "WITH a AS (INSERT INTO floor_actions (user_id, cat_id, name, args, result, created_at) "
    "VALUES (1, %(cat)s, 'cats.update', %(args)s, %(body)s, %(now)s) RETURNING id), "
    "e AS (INSERT INTO floor_events (user_id, version, kind, payload, created_at) "
    "VALUES (1, %(version)s, 'action.applied', %(payload)s, %(now)s), "
    "(1, %(version)s, 'cat.updated', %(payload)s, %(now)s)), "
    "k AS (INSERT INTO floor_keys VALUES (1, %(key)s, 200, %(body)s)) SELECT id FROM a"
)


class Edit(BaseModel):
    description: str | None = None


class Replayed(Exception):
    """A stored response for the key: the transaction rolls back and this is the answer."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__("replayed")
        self.status, self.body = status, body


Run = Callable[[str, Sequence[Any]], Any]


def write(one: Run, all_rows: Run, cat_id: int, key: str, edit: Edit) -> tuple[int, bytes]:
    """The write's statements between BEGIN and COMMIT; (status, body)."""
    version = one(BUMP, ())[0]
    found = one(KEY, (key,))
    if found is not None:
        return int(found[0]), found[1].encode()
    data, cat_version = one(CAT, (cat_id,))
    one(UPDATE, (edit.description, cat_id))
    cat = {"id": cat_id, "description": edit.description, "version": cat_version + 1}
    body = json.dumps({"success": True, "data": cat | json.loads(data)}).encode()
    args = edit.model_dump_json()
    one(LOG, (cat_id, args, body.decode(), NOW))
    payload = json.dumps({"cat_id": cat_id})
    all_rows(EVENTS, (version, payload, NOW, version, payload, NOW))
    all_rows(PUT_KEY, (key, body.decode()))
    return 200, body


def sqlite_app(path: str) -> FastAPI:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        db.execute(f"PRAGMA {pragma}")
    for statement in SCHEMA:
        db.execute(statement.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"))
    for statement, params in SEED:
        db.execute(statement, params)

    def one(sql: str, params: Sequence[Any]) -> Any:
        return db.execute(sql, params).fetchone()

    def all_rows(sql: str, params: Sequence[Any]) -> Any:
        return db.execute(sql, params).fetchall()

    app = FastAPI()

    @app.put("/api/v1/cats/{cat_id}")
    async def put(cat_id: int, edit: Edit, request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        db.execute("BEGIN IMMEDIATE")
        try:
            status, body = write(one, all_rows, cat_id, key, edit)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT" if status == 200 else "ROLLBACK")
        return Response(body, status, media_type="application/json")

    return app


def postgresql_app(url: str) -> FastAPI:
    import psycopg
    from psycopg_pool import AsyncConnectionPool

    def numbered(sql: str) -> str:  # psycopg's placeholders
        return sql.replace("?", "%s")

    with psycopg.connect(url, autocommit=True) as setup:
        for statement in SCHEMA:
            setup.execute(statement.format(serial="BIGINT GENERATED BY DEFAULT AS IDENTITY"))
        for statement, params in SEED:
            setup.execute(statement.replace("?", "%s"), params)

    pool = AsyncConnectionPool(
        url, min_size=8, max_size=8, open=False, kwargs={"prepare_threshold": 0}
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.put("/api/v1/cats/{cat_id}")
    async def put(cat_id: int, edit: Edit, request: Request) -> Response:
        key = request.headers.get("idempotency-key", "")
        try:
            async with pool.connection() as conn, conn.transaction():
                body = await statements(conn, cat_id, key, edit)
        except Replayed as replayed:  # raised inside: the transaction rolled back
            return Response(replayed.body, replayed.status, media_type="application/json")
        return Response(body, 200, media_type="application/json")

    async def statements(conn: Any, cat_id: int, key: str, edit: Edit) -> str:
        """The same statements as `write`, combined into as few round trips as purrr's
        PostgreSQL write makes (the bump with the key lookup, the log with the events and the
        key: with BEGIN, the cat, its update and COMMIT, six)."""
        bumped = await (await conn.execute(BUMP_AND_KEY, (key,))).fetchone()
        version, status, response = bumped
        if status is not None:
            raise Replayed(int(status), response)
        row = await (await conn.execute(numbered(CAT), (cat_id,))).fetchone()
        await conn.execute(numbered(UPDATE), (edit.description, cat_id))
        cat = {"id": cat_id, "description": edit.description, "version": row[1] + 1}
        body = json.dumps({"success": True, "data": cat | json.loads(row[0])})
        payload = json.dumps({"cat_id": cat_id})
        await conn.execute(
            LOG_EVENTS_AND_KEY,
            {
                "cat": cat_id,
                "args": edit.model_dump_json(),
                "body": body,
                "now": NOW,
                "version": version,
                "payload": payload,
                "key": key,
            },
        )
        return body

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="a SQLite file or a postgresql:// URL")
    args = parser.parse_args()
    postgres = args.database.startswith(("postgresql://", "postgres://"))
    app = postgresql_app(args.database) if postgres else sqlite_app(args.database)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
