"""Two purrr servers for sync tests: a hosted remote and a local game, plus fault injection.

`Pair` runs both apps in-process (ASGI, no sockets) for fast and seeded tests; the local game's
sync engine reaches the remote through a `FaultTransport`, which can refuse a request, deliver
it and lose the response, deliver it twice, or find the remote down. `Remote.restart()` replaces
the remote app by a fresh one on the same data (a process restart: in-memory state is gone).
The loopback tests (test_loopback.py) use real processes and sockets instead.
"""

from __future__ import annotations

import itertools
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from purrr_server.app import close_app, create_app
from purrr_server.settings import Settings
from purrr_server.sync.engine import SyncEngine

GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"
PASSWORD = "correct horse 9"
_keys = itertools.count(1)
#: Columns that differ between a server and its mirror by design.
UNSHARED = ("user_id", "row_version")


def idem() -> dict[str, str]:
    return {"Idempotency-Key": f"sync-test-{next(_keys)}"}


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "rate_limit": False,
        **overrides,
    }
    return Settings(**values)


def data(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200, 201)), response.text
    return response.json()["data"]


class Fault(Exception):
    """A simulated crash of the local process (raised by the transport)."""


@dataclass
class FaultTransport(httpx.AsyncBaseTransport):
    """Forwards to `target()`'s app, misbehaving as `plan` says, one entry per request:
    None (deliver), "refuse" (never arrives), "lose" (applied, response lost), "twice"
    (delivered twice), "crash" (the local process dies after the remote applied it)."""

    target: Callable[[], FastAPI]
    plan: list[str | None] = field(default_factory=list)
    down: bool = False
    delivered: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.plan.pop(0) if self.plan else None
        if self.down or fault == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        body = await request.aread()
        response = await self._deliver(request, body)
        if fault == "twice":
            response = await self._deliver(request, body)
        if fault == "lose":
            raise httpx.ReadError("connection reset while reading the response", request=request)
        if fault == "crash":
            raise Fault("the local process was killed")
        return response

    async def _deliver(self, request: httpx.Request, body: bytes) -> httpx.Response:
        self.delivered += 1
        inner = httpx.ASGITransport(app=self.target(), raise_app_exceptions=False)
        copy = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        response = await inner.handle_async_request(copy)
        content = await response.aread()
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )


class Server(ABC):
    """One in-process app with an httpx client."""

    def __init__(self, settings: Settings, headers: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.headers = dict(headers or {})
        self.app = create_app(settings)

    def client(self, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(
            transport=transport,
            base_url="http://purrr.test",
            headers={**self.headers, **(headers or {})},
        )

    async def restart(self) -> None:
        """A new process on the same data: in-memory state (locks, caches) is gone."""
        await close_app(self.app)
        self.app = create_app(self.settings)

    async def close(self) -> None:
        await close_app(self.app)

    async def get(self, path: str, **params: Any) -> Any:
        async with self.client() as c:
            return data(await c.get(f"/api/v1/{path}", params=params))

    async def post(
        self, path: str, body: dict[str, Any] | None = None, *statuses: int
    ) -> httpx.Response:
        async with self.client() as c:
            response = await c.post(f"/api/v1/{path}", json=body or {}, headers=idem())
        if statuses:
            assert response.status_code in statuses, response.text
        return response

    async def rows(self) -> dict[str, list[dict[str, Any]]]:
        """This server's syncable rows of its player, without the unshared columns."""
        return shared(await self.app.state.runtime.store.read.sync_local.live(await self.user_id()))

    @abstractmethod
    async def user_id(self) -> int:
        """The player whose game syncs."""


class Remote(Server):
    """The hosted server with one account and an API key for it."""

    key: str = ""
    username: str = ""

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        username: str = "traveller",
        *,
        allow_game_uploads: bool = True,
        database_url: str | None = None,
    ) -> Remote:
        """A hosted server on `data_dir`'s SQLite file, or on the PostgreSQL `database_url`."""
        settings = settings_for(
            data_dir, hosted=True, allow_game_uploads=allow_game_uploads, database_url=database_url
        )
        remote = cls(settings)
        async with remote.client() as c:
            data(
                await c.post(
                    "/api/v1/auth/register",
                    headers=idem(),
                    json={
                        "username": username,
                        "email": f"{username}@example.com",
                        "password": PASSWORD,
                    },
                )
            )
            login = data(
                await c.post(
                    "/api/v1/auth/login",
                    headers=idem(),
                    json={"username": username, "password": PASSWORD},
                )
            )
            token = login["access_token"]
            key = data(
                await c.post(
                    "/api/v1/keys",
                    headers={**idem(), "Authorization": f"Bearer {token}"},
                    json={"name": "sync", "scopes": ["read", "write"]},
                )
            )
        remote.key, remote.username = key["key"], username
        remote.headers = {"X-API-Key": remote.key}
        return remote

    async def user_id(self) -> int:
        found = await self.app.state.runtime.store.read.users.credentials(self.username)
        assert found is not None
        return int(found[0].id)

    async def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        repo = self.app.state.runtime.store.read.sync_log
        return [dict(row) for row in await repo.fetchall(sql, params)]


class Local(Server):
    """The player's local game (local mode, the local player's token)."""

    def __init__(self, data_dir: Path) -> None:
        settings = settings_for(data_dir)
        super().__init__(settings)
        token = settings.token_path.read_text().strip()
        self.headers = {"Authorization": f"Bearer {token}"}

    async def user_id(self) -> int:
        player = await self.app.state.runtime.store.read.users.local()
        assert player is not None
        return int(player.id)

    def engine(self, transport: httpx.AsyncBaseTransport) -> SyncEngine:
        """The app's sync engine, reaching the remote through `transport`."""
        engine = SyncEngine(self.app.state.runtime, transport)
        self.app.state.sync_engine = engine
        return engine

    async def confirmed(self) -> dict[str, list[dict[str, Any]]]:
        return shared(await self.app.state.runtime.store.read.sync_local.confirmed())


def shared(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Rows without the columns that differ between a server and its mirror, sorted."""
    out = {}
    for name, rows in tables.items():
        cleaned = [{k: v for k, v in row.items() if k not in UNSHARED} for row in rows]
        out[name] = sorted(cleaned, key=lambda row: json.dumps(row, sort_keys=True, default=str))
    return {name: rows for name, rows in out.items() if rows}


def ledger_problems(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Broken ledger invariants: a balance that is not the sum of its entries, or negative."""
    problems = []
    sums: dict[str, Decimal] = {}
    for entry in rows.get("ledger_entries", []):
        sums[entry["currency"]] = sums.get(entry["currency"], Decimal(0)) + Decimal(entry["amount"])
    for balance in rows.get("balances", []):
        amount = Decimal(balance["balance"])
        if amount < 0:
            problems.append(f"{balance['currency']} balance {amount} < 0")
        if amount != sums.get(balance["currency"], Decimal(0)):
            problems.append(
                f"{balance['currency']} balance {amount} != ledger sum "
                f"{sums.get(balance['currency'])}"
            )
    return problems


async def adopt(server: Server, name: str) -> dict[str, Any]:
    response = await server.post(
        "cats", {"name": name, "personality_type": "playful", "genotype": GENOTYPE}, 201
    )
    return dict(response.json()["data"])


async def pair(
    tmp: Path, *, allow_game_uploads: bool = True, database_url: str | None = None
) -> tuple[Remote, Local, FaultTransport]:
    """A remote with an account (on SQLite, or PostgreSQL at `database_url`), a local game,
    and the transport between them (not linked)."""
    remote = await Remote.start(
        tmp / "remote", allow_game_uploads=allow_game_uploads, database_url=database_url
    )
    local = Local(tmp / "local")
    transport = FaultTransport(lambda: remote.app)
    local.engine(transport)
    return remote, local, transport


OUTCOMES_SQL = (
    "SELECT mutation_id, status FROM sync_mutations WHERE client_id = ? ORDER BY mutation_id"
)
APPLIED_SQL = (
    "SELECT mutation_id FROM actions WHERE client_id = ? AND mutation_id IS NOT NULL"
    " ORDER BY mutation_id"
)


def accounting(outcomes: list[tuple[int, str]], applied: list[int], queued: int) -> list[str]:
    """Lost or duplicated mutations: every queued id 1..`queued` must have exactly one outcome,
    and exactly the applied ones exactly one action-log row on the remote."""
    problems = []
    ids = [mutation_id for mutation_id, _ in outcomes]
    if ids != list(range(1, queued + 1)):
        missing = sorted(set(range(1, queued + 1)) - set(ids))
        extra = sorted(i for i in set(ids) if ids.count(i) > 1 or i > queued)
        problems.append(f"outcomes: missing {missing[:10]}, duplicated/unknown {extra[:10]}")
    expected = [mutation_id for mutation_id, status in outcomes if status == "applied"]
    if applied != expected:
        problems.append(f"action log {applied[:20]} != applied outcomes {expected[:20]}")
    return problems


async def remote_accounting(remote: Remote, client_id: str, queued: int) -> list[str]:
    outcomes = [
        (r["mutation_id"], r["status"]) for r in await remote.query(OUTCOMES_SQL, (client_id,))
    ]
    applied = [r["mutation_id"] for r in await remote.query(APPLIED_SQL, (client_id,))]
    return accounting(outcomes, applied, queued)
