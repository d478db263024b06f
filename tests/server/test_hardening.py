"""Issue 13, items 4–6, one regression test per finding, over HTTP against the app.

Bounded input and work (body limit, short validation errors, cat and stream caps, heavy reads
off the event loop, Argon2 outside the write transaction, out-of-range numbers, invalid Unicode,
money parse errors, clean labels), operator safety (health details, private database files,
login timing, no SQL parameters in logs, complete GDPR deletion never blocked by a ban) and ids
that are never reused.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from purrr_core.breeding import METHODS
from purrr_server import auth
from purrr_server.app import create_app
from purrr_server.services import accounts as account_service
from purrr_server.services import breeding as breeding_service
from purrr_server.settings import Settings
from purrr_server.store.migrate import MIGRATIONS_DIR, migrate
from tests.server.conftest import NOW, adopt, idem, make_settings

API = "/api/v1"
HUGE = 99999999999999999999999  # beyond SQLite's 64-bit INTEGER
SIRE = "o/Y B/b D/d A/a Mc/mc S/w L/l"
DAM = "O/o B/b D/d a/a Mc/mc w/w C/cs L/l"
Bearer = Callable[[str], dict[str, str]]


@asynccontextmanager
async def serve(settings: Settings, headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://purrr.test", headers=headers
        ) as client:
            client.app_settings = settings  # type: ignore[attr-defined]
            client.app = app  # type: ignore[attr-defined]
            yield client


@asynccontextmanager
async def local_client(tmp_path: Path, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The local player's client of an app with `overrides` in its settings."""
    settings = make_settings(tmp_path / "data", **overrides)
    create_app(settings)  # prepares the data dir and the local token
    token = settings.token_path.read_text().strip()
    async with serve(settings, {"Authorization": f"Bearer {token}"}) as client:
        yield client


@asynccontextmanager
async def hosted_client(tmp_path: Path, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path / "hosted", hosted=True, **overrides)
    async with serve(settings, {}) as client:
        yield client


def refused(r: httpx.Response, status: int, code: str, *words: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    for word in words:
        assert word in body["error"]["message"], body["error"]["message"]
    return dict(body["error"])


async def register(client: httpx.AsyncClient, username: str, **headers: str) -> str:
    """Register and log in `username` (with Idempotency-Keys); return a bearer token."""
    r = await client.post(
        f"{API}/auth/register",
        headers={**idem(), **headers},
        json={"username": username, "email": f"{username}@example.com", "password": "pw-12345678"},
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/auth/login",
        headers={**idem(), **headers},
        json={"username": username, "password": "pw-12345678"},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["data"]["access_token"])


# --- request bodies ---------------------------------------------------------------------------


async def test_default_body_limit_is_one_mebibyte() -> None:
    assert Settings().max_body_bytes == 1_048_576


async def test_a_declared_oversized_body_is_refused_before_parsing(
    tmp_path: Path, database: str | None
) -> None:
    async with hosted_client(tmp_path, database_url=database) as anon:
        body = b'{"username": "' + b"x" * 2_000_000 + b'"}'
        r = await anon.post(
            f"{API}/auth/register", content=body, headers={"content-type": "application/json"}
        )
        error = refused(r, 413, "BAD_REQUEST", "request body too large", "1048576")
        assert error["details"] == {"limit_bytes": 1_048_576}
        assert len(r.content) < 1000 and r.headers["x-request-id"]


async def test_a_streamed_oversized_body_is_refused_as_it_arrives(tmp_path: Path) -> None:
    chunks_sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal chunks_sent
        yield b'{"name": "'
        for _ in range(100):  # 100 x 1 KiB would be 100 KiB: the limit is 4 KiB
            chunks_sent += 1
            yield b"x" * 1024
        yield b'", "personality_type": "playful"}'

    async with local_client(tmp_path, max_body_bytes=4096) as client:
        r = await client.post(
            f"{API}/cats", content=chunks(), headers={"content-type": "application/json"}
        )
        refused(r, 413, "BAD_REQUEST", "4096 bytes")
        assert chunks_sent < 10  # it stopped reading, it did not buffer the rest
        assert (await client.get(f"{API}/cats")).json()["data"] == []
        small = await client.post(f"{API}/cats", json={"name": "Ok", "personality_type": "playful"})
        assert small.status_code == 201, small.text


async def test_validation_errors_do_not_echo_large_values(tmp_path: Path) -> None:
    async with local_client(tmp_path) as client:
        cat = await adopt(client)
        r = await client.put(f"{API}/cats/{cat['id']}", json={"description": "y" * 100_000})
        refused(r, 422, "VALIDATION_ERROR", "description")
        assert len(r.content) < 3000, len(r.content)
        r = await client.post(f"{API}/cats", json=["z" * 50_000] * 10)
        assert r.status_code == 422 and len(r.content) < 3000, (r.status_code, len(r.content))


# --- caps ------------------------------------------------------------------------------------


async def test_cats_per_player_are_capped_with_a_clear_error(tmp_path: Path) -> None:
    async with local_client(tmp_path, max_cats_per_player=3) as client:
        for n in range(3):
            await adopt(client, f"Cat{n}")
        r = await client.post(
            f"{API}/cats", headers=idem(), json={"name": "One more", "personality_type": "playful"}
        )
        error = refused(r, 409, "CONFLICT", "at most 3 cats", "release a cat")
        assert error["details"]["limit"] == 3
        assert len((await client.get(f"{API}/cats")).json()["data"]) == 3


async def test_a_breeding_needs_room_for_its_largest_litter(tmp_path: Path) -> None:
    async with local_client(tmp_path, max_cats_per_player=5) as client:
        sire = await adopt(client, "Tom", genotype=SIRE, sex="male")
        dam = await adopt(client, "Kitty", genotype=DAM, sex="female", personality_type="curious")
        r = await client.post(
            f"{API}/breeding/breed",
            headers=idem(),
            json={"sire_id": sire["id"], "dam_id": dam["id"]},
        )
        refused(r, 409, "CONFLICT", "at most 5 cats", "room for 4")
    async with local_client(tmp_path / "roomy", max_cats_per_player=6) as client:
        sire = await adopt(client, "Tom", genotype=SIRE, sex="male")
        dam = await adopt(client, "Kitty", genotype=DAM, sex="female", personality_type="curious")
        r = await client.post(
            f"{API}/breeding/breed",
            headers=idem(),
            json={"sire_id": sire["id"], "dam_id": dam["id"]},
        )
        assert r.status_code == 201, r.text
        # The kittens on the way keep their room: no adoption fits now.
        r = await client.post(
            f"{API}/cats", headers=idem(), json={"name": "Extra", "personality_type": "playful"}
        )
        refused(r, 409, "CONFLICT", "kittens on the way")


async def test_live_streams_per_player_are_capped(tmp_path: Path) -> None:
    async with local_client(tmp_path, max_streams_per_player=1) as client:
        first = asyncio.create_task(client.get(f"{API}/events", params={"timeout": 1.5}))
        await asyncio.sleep(0.3)
        second = await client.get(f"{API}/events", params={"timeout": 0.1})
        refused(second, 429, "RATE_LIMIT_EXCEEDED", "live event streams", "/events/poll")
        assert second.headers["retry-after"] == "5"
        assert (await first).status_code == 200
        third = await client.get(f"{API}/events", params={"timeout": 0.1})
        assert third.status_code == 200  # the first stream's slot came back when it closed


# --- heavy work --------------------------------------------------------------------------------


async def test_pair_ranking_and_crosses_run_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    rank, cross = breeding_service._rank, breeding_service.cross_genotypes

    def spy_rank(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return rank(*args)

    def spy_cross(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return cross(*args)

    monkeypatch.setattr(breeding_service, "_rank", spy_rank)
    monkeypatch.setattr(breeding_service, "cross_genotypes", spy_cross)
    async with local_client(tmp_path) as client:
        await adopt(client, "Tom", genotype=SIRE, sex="male")
        await adopt(client, "Kitty", genotype=DAM, sex="female")
        r = await client.get(f"{API}/breeding/pairs")
        assert r.status_code == 200 and r.json()["data"][0]["sire_name"] == "Tom", r.text
        r = await client.post(f"{API}/genetics/cross", json={"sire": SIRE, "dam": DAM})
        assert r.status_code == 200, r.text
    main = threading.main_thread().name
    assert len(threads) == 2 and main not in threads, threads


async def test_argon2_runs_before_the_write_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str | None
) -> None:
    seen: list[bool] = []
    original = account_service.hash_password

    async with hosted_client(tmp_path, database_url=database) as anon:
        store = anon.app.state.runtime.store  # type: ignore[attr-defined]

        async def spy(password: str, settings: Settings) -> str:
            seen.append(store.open_writes > 0)
            return await original(password, settings)

        monkeypatch.setattr(account_service, "hash_password", spy)
        await register(anon, "hasher")
    assert seen == [False]


# --- numbers and text the store cannot hold -------------------------------------------------


async def test_integers_beyond_64_bits_are_refused_never_500(tmp_path: Path) -> None:
    """A path id beyond 64 bits names no row: 404, or 422 naming the parameter where the route
    declares its id range (the typed actions' `MAX_ID`); never a 500 from SQLite."""
    async with local_client(tmp_path) as client:
        cat = await adopt(client)
        for path in (
            f"{API}/cats/{HUGE}",
            f"{API}/cats/{HUGE}/history",
            f"{API}/breeding/{HUGE}",
            f"{API}/night-watch/patrols/{HUGE}",
        ):
            r = await client.get(path)
            assert r.status_code in (404, 422), (path, r.text)
        r = await client.delete(f"{API}/cats/{HUGE}", headers=idem())
        assert r.status_code in (404, 422), r.text
        assert "cat_id" in r.text or r.status_code == 404
        r = await client.put(f"{API}/cats/{cat['id']}", headers=idem(), json={"version": HUGE})
        assert r.status_code in (409, 422), r.text
        r = await client.post(
            f"{API}/breeding/breed", headers=idem(), json={"sire_id": HUGE, "dam_id": HUGE}
        )
        assert r.status_code in (404, 422), r.text
        refused(
            await client.get(f"{API}/events/poll", params={"since": HUGE}), 422, "VALIDATION_ERROR"
        )
        r = await client.get(f"{API}/cats", params={"offset": HUGE})
        assert r.status_code == 422, r.text


async def test_a_lone_surrogate_is_a_validation_error(tmp_path: Path, database: str | None) -> None:
    raw = b'{"name": "Bad\\ud800", "personality_type": "playful", "breed": "x\\udc00"}'
    async with local_client(tmp_path) as client:
        r = await client.post(
            f"{API}/cats", content=raw, headers={"content-type": "application/json", **idem()}
        )
        refused(r, 422, "VALIDATION_ERROR")
        r.content.decode("utf-8")  # the error itself is valid UTF-8
        assert (await client.get(f"{API}/cats")).json()["data"] == []
    async with hosted_client(tmp_path, database_url=database) as anon:
        raw = b'{"username": "ab\\ud800c", "email": "a@b.cd", "password": "pw-12345678"}'
        r = await anon.post(
            f"{API}/auth/register", content=raw, headers={"content-type": "application/json"}
        )
        refused(r, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("amount", [1e30, "1e30", "1e999999999", 10**40, "99999999999999999999"])
async def test_money_beyond_range_is_a_validation_error(tmp_path: Path, amount: Any) -> None:
    async with local_client(tmp_path) as client:
        r = await client.post(
            f"{API}/economy/deposit",
            headers=idem(),
            json={"crypto_type": "BTC", "amount_usd": amount},
        )
        refused(r, 422, "VALIDATION_ERROR", "amount_usd")
        r = await client.post(
            f"{API}/economy/withdraw",
            headers=idem(),
            json={"crypto_type": "BTC", "amount": amount, "address": "bc1qexample"},
        )
        refused(r, 422, "VALIDATION_ERROR", "amount")


@pytest.mark.parametrize(
    "text", ["\x1b[31mred\x1b[0m", "bell\x07", "rtl\u202eoverride", "zero\u200bwidth"]
)
async def test_every_stored_label_refuses_control_characters(
    tmp_path: Path, text: str, database: str | None
) -> None:
    async with local_client(tmp_path) as client:
        cat = await adopt(client)
        attempts = [
            client.post(
                f"{API}/cats",
                headers=idem(),
                json={"name": "Ok", "personality_type": "playful", "breed": text},
            ),
            client.put(f"{API}/cats/{cat['id']}", headers=idem(), json={"description": text}),
            client.post(f"{API}/keys", headers=idem(), json={"name": text, "scopes": ["read"]}),
            client.post(
                f"{API}/night-watch/zones",
                headers=idem(),
                json={"type": "safe_haven", "name": text, "location": "Park"},
            ),
            client.post(
                f"{API}/economy/withdraw",
                headers=idem(),
                json={"crypto_type": "BTC", "amount": "0.1", "address": text},
            ),
        ]
        for r in await asyncio.gather(*attempts):
            refused(r, 422, "VALIDATION_ERROR")
            assert "\x1b" not in r.text
        assert [c["breed"] for c in (await client.get(f"{API}/cats")).json()["data"]] == [
            cat["breed"]
        ]
        # Line breaks stay allowed in a description.
        r = await client.put(
            f"{API}/cats/{cat['id']}", headers=idem(), json={"description": "line 1\nline 2"}
        )
        assert r.status_code == 200, r.text
    async with hosted_client(tmp_path, database_url=database) as anon:
        r = await anon.post(
            f"{API}/auth/register",
            json={"username": "okname", "email": f"{text}@example.com", "password": "pw-12345678"},
        )
        refused(r, 422, "VALIDATION_ERROR")


# --- operator safety ---------------------------------------------------------------------------


async def test_detailed_health_needs_an_account_manager_when_hosted(
    tmp_path: Path, bearer: Bearer, database: str | None
) -> None:
    async with hosted_client(tmp_path, database_url=database) as anon:
        refused(await anon.get("/health/detailed"), 401, "UNAUTHORIZED")
        token = await register(anon, "operator")
        r = await anon.post(
            f"{API}/keys", headers={**bearer(token), **idem()}, json={"scopes": ["read"]}
        )
        read_key = r.json()["data"]["key"]
        refused(
            await anon.get("/health/detailed", headers={"X-API-Key": read_key}), 403, "FORBIDDEN"
        )
        r = await anon.get("/health/detailed", headers=bearer(token))
        assert r.status_code == 200 and r.json()["data"]["checks"]["database"]["status"] == "ok"
        assert (await anon.get("/health")).status_code == 200  # the plain probes stay public
        assert (await anon.get("/health/ready")).status_code == 200
    async with local_client(tmp_path) as client:
        assert (
            await client.get("/health/detailed", headers={"Authorization": ""})
        ).status_code == 200


async def test_database_files_are_private(tmp_path: Path) -> None:
    async with local_client(tmp_path) as client:
        await adopt(client)
        db = client.app_settings.db_path  # type: ignore[attr-defined]
        for suffix in ("", "-wal", "-shm"):
            path = db.with_name(db.name + suffix)
            assert path.exists() and path.stat().st_mode & 0o777 == 0o600, (
                path,
                oct(path.stat().st_mode),
            )
        assert db.parent.stat().st_mode & 0o077 == 0
    # An existing database made readable by others is made private again at start.
    os.chmod(db, 0o644)
    create_app(make_settings(tmp_path / "data"))
    assert db.stat().st_mode & 0o777 == 0o600


async def test_login_verifies_one_hash_for_known_and_unknown_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str | None
) -> None:
    verified: list[str | None] = []
    original = auth.verify_password

    async def spy(password_hash: str | None, password: str, settings: Settings) -> bool:
        verified.append(password_hash)
        return await original(password_hash, password, settings)

    monkeypatch.setattr(auth, "verify_password", spy)
    async with hosted_client(tmp_path, database_url=database) as anon:
        await register(anon, "known")
        verified.clear()
        for username in ("known", "nobody-by-this-name"):
            r = await anon.post(
                f"{API}/auth/login", json={"username": username, "password": "wrong-password"}
            )
            refused(r, 401, "UNAUTHORIZED", "invalid username or password")
    assert len(verified) == 2  # one Argon2id verification each: the dummy hash for the unknown
    assert verified[0] is not None and verified[1] is None


async def test_debug_logs_hold_no_sql_parameters(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with hosted_client(tmp_path) as anon:
        token = await register(anon, "logged")
        r = await anon.post(
            f"{API}/economy/2fa", headers={"Authorization": f"Bearer {token}", **idem()}
        )
        assert r.status_code in (200, 201), r.text
        db = anon.app_settings.db_path  # type: ignore[attr-defined]
    with sqlite3.connect(db) as conn:
        password_hash = conn.execute("SELECT password_hash FROM users").fetchone()[0]
        secrets = [row[0] for row in conn.execute("SELECT secret FROM totp_secrets")]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in [password_hash, *secrets]:
        assert secret and secret not in logged
    assert "INSERT INTO" not in logged


async def test_account_deletion_erases_anonymous_idempotency_records(
    tmp_path: Path, bearer: Bearer
) -> None:
    async with hosted_client(tmp_path) as anon:
        token = await register(anon, "leaving")
        other = await register(anon, "staying")
        r = await anon.delete(f"{API}/account", headers={**bearer(token), **idem()})
        assert r.status_code == 200, r.text
        db = anon.app_settings.db_path  # type: ignore[attr-defined]
        assert (await anon.get(f"{API}/auth/profile", headers=bearer(other))).status_code == 200
    with sqlite3.connect(db) as conn:
        # a key's body is its own `response` or rebuilt from the action-log row it names
        stored = [
            row[0] or row[1]
            for row in conn.execute(
                "SELECT k.response, a.result FROM idempotency_keys k"
                " LEFT JOIN actions a ON a.id = k.action_id"
            )
        ]
    assert not any("leaving" in body for body in stored), stored
    assert any("staying" in body for body in stored)  # other players' records are untouched


async def test_export_and_delete_work_while_banned(tmp_path: Path, bearer: Bearer) -> None:
    async with hosted_client(
        tmp_path, tier_limits={"free": 3}, ban_after_violations=1, ban_seconds=3600
    ) as anon:
        token = await register(anon, "banned")
        for _ in range(6):
            r = await anon.get(f"{API}/cats", headers=bearer(token))
        refused(r, 429, "RATE_LIMIT_EXCEEDED", "banned")
        r = await anon.get(f"{API}/account/export", headers=bearer(token))
        assert r.status_code == 200, r.text
        assert r.json()["data"]["tables"]["users"][0]["username"] == "banned"
        r = await anon.delete(f"{API}/account", headers={**bearer(token), **idem()})
        assert r.status_code == 200, r.text


# --- ids ----------------------------------------------------------------------------------------


async def test_a_released_cats_id_is_never_given_again(tmp_path: Path) -> None:
    async with local_client(tmp_path) as client:
        first = await adopt(client, "First")
        newest = await adopt(client, "Newest")
        await client.post(f"{API}/cats/{newest['id']}/feed", headers=idem(), json={})
        assert (
            await client.delete(f"{API}/cats/{newest['id']}", headers=idem())
        ).status_code == 200
        later = await adopt(client, "Later")
        assert later["id"] > newest["id"] > first["id"]
        history = (await client.get(f"{API}/cats/{later['id']}/history")).json()["data"]
        assert [entry["name"] for entry in history] == ["cats.adopt"]


async def test_a_pending_breeding_never_completes_with_a_cat_that_took_a_parents_id(
    tmp_path: Path,
) -> None:
    async with local_client(tmp_path) as client:
        settings: Settings = client.app_settings  # type: ignore[attr-defined]
        sire = await adopt(client, "Tom", genotype=SIRE, sex="male")
        dam = await adopt(client, "Kitty", genotype=DAM, sex="female", personality_type="curious")
        r = await client.post(
            f"{API}/breeding/breed",
            headers=idem(),
            json={"sire_id": sire["id"], "dam_id": dam["id"]},
        )
        breeding_id = r.json()["data"]["breeding_id"]
        assert (await client.delete(f"{API}/cats/{dam['id']}", headers=idem())).status_code == 200
        newcomer = await adopt(client, "Newcomer", genotype=DAM, sex="female")
        assert newcomer["id"] != dam["id"]
        settings.pinned_now = NOW + METHODS["natural"].duration
        done = (await client.get(f"{API}/breeding/{breeding_id}")).json()["data"]
        assert done["status"] == "failed" and "released" in done["reason"]
        assert done["kittens"] == []


def _fresh_schema(path: Path) -> sqlite3.Connection:
    migrate(path)
    return sqlite3.connect(path)


def test_every_table_with_an_integer_id_uses_autoincrement(tmp_path: Path) -> None:
    conn = _fresh_schema(tmp_path / "purrr.db")
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
        columns = {row[1]: row for row in conn.execute(f"PRAGMA table_info({name})")}
        integer_id = "id" in columns and columns["id"][2] == "INTEGER" and columns["id"][5] == 1
        if integer_id and name != "sync_link":
            assert "AUTOINCREMENT" in sql, f"{name}: ids would be reused"


def test_the_migration_keeps_rows_and_starts_past_every_released_id(tmp_path: Path) -> None:
    old = tmp_path / "old_migrations"
    old.mkdir()
    for path in MIGRATIONS_DIR.iterdir():
        if path.name[:4] <= "0007":
            (old / path.name).write_text(path.read_text())
    db = tmp_path / "purrr.db"
    migrate(db, old)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(
        "INSERT INTO users (id, username, created_at) VALUES (1, 'p', 'now'), (2, 'q', 'now')"
    )
    for cat_id in (1, 2, 3):
        conn.execute(
            "INSERT INTO cats (id, user_id, name, data, version, created_at, updated_at)"
            " VALUES (?, 1, 'c', '{}', 1, 'now', 'now')",
            (cat_id,),
        )
    conn.execute(
        "INSERT INTO actions (user_id, cat_id, name, args, fingerprint, seed, result, created_at,"
        " version) VALUES (1, 7, 'cats.feed', '{}', 'f', 1, '{}', 'now', 1)"
    )  # cat 7 was released long ago; only its history remembers it
    conn.execute("DELETE FROM cats WHERE id = 3")
    conn.execute(
        "INSERT INTO tombstones VALUES ('cats', 3, 1, 1, 'now'), ('users', 5, 5, 1, 'now')"
    )
    conn.commit()
    conn.close()
    assert migrate(db)[0] == "0008_ids_never_reused.py"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA foreign_keys=ON")
    assert [r[0] for r in conn.execute("SELECT id FROM cats ORDER BY id")] == [1, 2]
    new_cat = conn.execute(
        "INSERT INTO cats (user_id, name, data, version, created_at, updated_at)"
        " VALUES (1, 'n', '{}', 1, 'now', 'now')"
    ).lastrowid
    assert new_cat == 8
    new_user = conn.execute(
        "INSERT INTO users (username, created_at) VALUES ('r', 'now')"
    ).lastrowid
    assert new_user == 6
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # Foreign keys still hold after the rebuild: deleting a user cascades to their cats.
    conn.execute("DELETE FROM users WHERE id = 1")
    assert conn.execute("SELECT COUNT(*) FROM cats").fetchone()[0] == 0
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"cats_user", "actions_mutation", "breedings_due"} <= indexes
    conn.close()


# --- over real HTTP (uvicorn) ------------------------------------------------------------------


async def _login_over_http(c: httpx.AsyncClient) -> str:
    r = await c.post(
        f"{API}/auth/register",
        json={"username": "proxied", "email": "p@example.com", "password": "pw-12345678"},
    )
    assert r.status_code == 201, r.text
    r = await c.post(f"{API}/auth/login", json={"username": "proxied", "password": "pw-12345678"})
    return str(r.json()["data"]["access_token"])


@pytest.mark.parametrize("trusted", [False, True])
async def test_forwarded_for_is_believed_only_from_a_named_proxy(
    tmp_path: Path, trusted: bool
) -> None:
    from tests.server.test_real_server import Server

    extra = ("--forwarded-allow-ips", "127.0.0.1", "--max-body-bytes", "4096") if trusted else ()
    server = Server(tmp_path / "proxy", "--hosted", *extra).start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as c:
            token = await _login_over_http(c)
            r = await c.post(
                f"{API}/keys",
                headers={"Authorization": f"Bearer {token}"},
                json={"scopes": ["read"], "allowed_ips": ["10.9.8.7"]},
            )
            key = r.json()["data"]["key"]
            r = await c.get(
                f"{API}/cats", headers={"X-API-Key": key, "X-Forwarded-For": "10.9.8.7"}
            )
            if trusted:
                assert r.status_code == 200, r.text  # the named proxy vouches for 10.9.8.7
            else:
                refused(r, 403, "FORBIDDEN", "127.0.0.1")  # the header changed nothing
        limit = 4096 if trusted else 1_048_576
        # Only the headers: a body over the limit is refused before a byte of it is read (a
        # client still writing 1 MiB when the 413 and the close arrive sees a broken pipe).
        status, answer = await _declare_body(server.port, f"{API}/auth/register", limit + 1)
        assert status == 413 and f"{limit} bytes" in answer, answer
    finally:
        server.stop()


async def _declare_body(port: int, path: str, length: int) -> tuple[int, str]:
    """Send a POST that declares `length` body bytes and sends none; the status and text back."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        size = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await asyncio.wait_for(reader.readexactly(size), 10)
        return int(head.split(b" ", 2)[1]), body.decode()
    finally:
        writer.close()


async def test_a_hosted_server_never_links_to_a_remote_or_writes_a_players_path(
    tmp_path: Path,
    database: str | None,
) -> None:
    """The local sync role would let any player point a hosted server at any URL (and have it
    write the backup file where the player says): refused before anything happens."""
    target = tmp_path / "written-by-a-stranger.json"
    async with hosted_client(tmp_path, database_url=database) as client:
        token = await register(client, "stranger")
        auth = {"Authorization": f"Bearer {token}", **idem()}
        r = await client.post(
            f"{API}/sync/link",
            headers={**auth, "X-Remote-Api-Key": "pk_x"},
            json={"url": "http://169.254.169.254", "keep": "remote", "backup": str(target)},
        )
        refused(r, 403, "FORBIDDEN", "hosted server")
        for method, path in (("POST", "run"), ("POST", "unlink"), ("GET", "status")):
            refused(
                await client.request(method, f"{API}/sync/{path}", headers=auth), 403, "FORBIDDEN"
            )
    assert not target.exists()
