"""The Jepsen-style sync fault soak on real processes (tests/sync/test_soak.py runs it).

One run is one seed: a fresh account on a hosted remote process (SQLite or PostgreSQL), a fresh
local game process linked to it through a `FaultProxy`, and a seeded schedule of steps: play on
either side, and syncs that meet lost requests, lost answers, duplicated deliveries, delays,
partitions, SIGSTOP pauses of the client or the server mid-sync (some longer than the client's
timeout, so the remote applies a push whose answer nobody waits for any more), and kill -9 of the
client or the server mid-sync (restarted on the same data). Then the faults heal and the run
checks, against the remote's database and both servers' APIs:

* **lost**: a queued mutation without an outcome, or applied without a remote action-log row;
* **duplicated**: a mutation with two outcomes or two action-log rows;
* **stuck**: actions still pending after the healed syncs;
* **disagreeing**: a sync whose agreement check disagreed (or re-pulled), or, at the end, local
  cats or wallet different from the remote's, or a recorded mismatch;
* **crashed**: a mutation the remote rejected because it crashed on it.

Timing makes a run's interleavings vary; the seed fixes the schedule of steps and faults.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.sync.harness import APPLIED_SQL, OUTCOMES_SQL
from tests.sync.servers import GENOTYPE, ServerProcess, _read_message, register

#: The local game waits this long for the remote (PURRR_SYNC_TIMEOUT_SECONDS): a server paused
#: longer than this applies a push whose client has given up.
CLIENT_TIMEOUT = 2.0
LOCAL_ENV = {"PURRR_SYNC_BACKGROUND": "0", "PURRR_SYNC_TIMEOUT_SECONDS": str(CLIENT_TIMEOUT)}
REMOTE_ENV = {"PURRR_ALLOW_GAME_UPLOADS": "1"}
#: Faults the proxy applies to one request (None: delivered as is).
REQUEST_FAULTS = [None, None, None, "drop", "lose", "twice", "delay"]
#: How a sync step is disturbed (None: only the proxy's per-request faults).
SYNC_FAULTS = [
    None,
    None,
    "pause-client",
    "pause-server",
    "kill-client",
    "kill-server",
]
CARE = [
    ("feed", {"food_item": "salmon"}),
    ("play", {"game": "yarn_chase"}),
    ("pet", {}),
    ("groom", {"kind": "brushing"}),
    ("rest", {}),
]
REJECTED_SQL = (
    "SELECT mutation_id, result FROM sync_mutations WHERE client_id = ? AND status = 'rejected'"
)
#: Healed syncs allowed at the end before the queue counts as stuck.
FINAL_SYNCS = 8


class FaultProxy:
    """A TCP proxy to the remote on loopback that misbehaves per request: `drop` (the request
    never arrives), `lose` (the remote answers, the answer is dropped), `twice` (delivered twice,
    the second answer passed on), `delay`; while `partitioned`, every connection is cut, and
    a request whose first line contains `cut` is dropped."""

    def __init__(self, upstream_port: int, rng: random.Random) -> None:
        self.upstream_port = upstream_port
        self.rng = rng
        self.fault_rate = 0.0
        self.partitioned = False
        #: Requests whose first line contains this are cut (never reach the remote).
        self.cut: str | None = None
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(32)
        self.port = int(self._server.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _draw(self, request: bytes) -> str | None:
        with self._lock:
            if self.cut and self.cut.encode() in request.split(b"\r\n", 1)[0]:
                fault: str | None = "drop"
            elif self.partitioned:
                fault = "partition"
            elif self.rng.random() < self.fault_rate:
                fault = self.rng.choice([f for f in REQUEST_FAULTS if f])
            else:
                fault = None
            if fault:
                self.counts[fault] = self.counts.get(fault, 0) + 1
            return fault

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            client.settimeout(60)
            while True:
                request = _read_message(client)
                if not request:
                    return
                fault = self._draw(request)
                if fault in ("partition", "drop"):
                    return  # cut: the request never reaches the remote
                if fault == "delay":
                    time.sleep(self.rng.uniform(0.05, 0.4))
                if upstream is None:
                    upstream = socket.create_connection(("127.0.0.1", self.upstream_port), 60)
                upstream.sendall(request)
                response = _read_message(upstream)
                if not response:
                    return
                if fault == "twice":
                    with socket.create_connection(("127.0.0.1", self.upstream_port), 60) as again:
                        again.sendall(request)
                        response = _read_message(again) or response
                if fault == "lose":
                    return  # applied; the answer is dropped with the connection
                client.sendall(response)
        except OSError:
            return  # the remote died or the client gave up: the connection ends
        finally:
            client.close()
            if upstream is not None:
                upstream.close()

    def close(self) -> None:
        self._server.close()


class Client:
    """A small synchronous API client with unique idempotency keys (a restarted server keeps
    its idempotency records, so keys must never repeat)."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=f"{url}/api/v1", headers=headers, timeout=90)

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        extra = {"Idempotency-Key": uuid.uuid4().hex} if method != "GET" else {}
        return self.http.request(method, path, json=body, headers={**extra, **headers})

    def ok(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        response = self.call(method, path, body, **headers)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()["data"]

    def close(self) -> None:
        self.http.close()


def local_client(server: ServerProcess) -> Client:
    token = (server.data_dir / "local-token").read_text().strip()
    return Client(server.url, {"Authorization": f"Bearer {token}"})


def play(api: Client, rng: random.Random, n: int) -> None:
    """`n` random player actions (refusals by the rules are fine; a server error is not)."""
    for _ in range(n):
        cats = api.ok("GET", "cats?limit=1000")
        roll = rng.random()
        if not cats or roll < 0.15:
            body = {
                "name": f"Cat{rng.randrange(10_000)}",
                "personality_type": "playful",
                "genotype": GENOTYPE,
            }
            response = api.call("POST", "cats", body)
        else:
            cat = rng.choice(cats)["id"]
            if roll < 0.65:
                name, care = rng.choice(CARE)
                response = api.call("POST", f"cats/{cat}/{name}", care)
            elif roll < 0.72:
                response = api.call("PUT", f"cats/{cat}", {"name": f"R{rng.randrange(999)}"})
            elif roll < 0.8:
                response = api.call("DELETE", f"cats/{cat}")
            elif roll < 0.9:
                game = rng.choice(["yarn_chase", "laser_pointer"])
                response = api.call("POST", f"games/{game}/play", {"cat_id": cat})
            else:
                body = {"item_id": "premium_food", "quantity": 1}
                response = api.call("POST", "store/purchase", body)
        assert response.status_code < 500, f"server error while playing: {response.text}"


@dataclass
class Remote:
    """The hosted remote process and how to read its database (SQLite file or PostgreSQL)."""

    server: ServerProcess
    database_url: str | None = None

    def start(self) -> None:
        env = dict(REMOTE_ENV)
        if self.database_url:
            env["PURRR_DATABASE_URL"] = self.database_url
        self.server.start(**env)

    def alive(self) -> bool:
        process = self.server.process
        return process is not None and process.poll() is None

    def resume(self) -> None:
        """SIGCONT, should a run have left it paused."""
        if self.server.process is not None and self.alive():
            os.kill(self.server.process.pid, signal.SIGCONT)

    def ensure_running(self) -> None:
        if self.alive():
            self.resume()
        else:
            self.start()

    def query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self.database_url is None:
            uri = f"file:{self.server.data_dir / 'purrr.db'}?mode=ro"
            with sqlite3.connect(uri, uri=True) as db:
                return db.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return [tuple(row) for row in conn.execute(sql.replace("?", "%s"), params)]


@dataclass
class RunResult:
    seed: int
    database: str
    steps: int
    queued: int = 0
    syncs: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    lost: list[int] = field(default_factory=list)
    duplicated: list[int] = field(default_factory=list)
    stuck: int = 0
    disagreeing: list[str] = field(default_factory=list)
    #: Mutations the remote rejected because it crashed on them (the soak queues none that
    #: should fail): sync that "works" by dropping everything is not sync.
    crashed: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.stuck or self.disagreeing or self.crashed)

    def log(self) -> None:
        """Append this run to `PURRR_SOAK_LOG` (a JSON line), if set."""
        path = os.environ.get("PURRR_SOAK_LOG")
        if path:
            with open(path, "a") as out:
                out.write(json.dumps(asdict(self), sort_keys=True) + "\n")


class Run:
    """One seeded run (see the module docstring)."""

    def __init__(self, seed: int, database: str, remote: Remote, tmp: Path, steps: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.remote = remote
        self.result = RunResult(seed, database, steps)
        self.local = ServerProcess(tmp / "local", hosted=False)
        self.proxy = FaultProxy(remote.server.port, random.Random(seed * 7919 + 1))
        self.key = ""
        self._api: Client | None = None
        self._remote_api: Client | None = None

    @property
    def api(self) -> Client:
        """The local game's API (the player's token)."""
        assert self._api is not None, "the run has not started"
        return self._api

    @property
    def remote_api(self) -> Client:
        """The remote's API (the run's account key)."""
        assert self._remote_api is not None, "the run has not started"
        return self._remote_api

    def start(self) -> None:
        self.remote.ensure_running()
        self.key = register(self.remote.server.url, f"soak{self.seed}x{uuid.uuid4().hex[:6]}")
        self._remote_api = Client(self.remote.server.url, {"X-API-Key": self.key})
        self.local.start(**LOCAL_ENV)
        self._api = local_client(self.local)

    def count(self, fault: str) -> None:
        self.result.faults[fault] = self.result.faults.get(fault, 0) + 1

    def close(self) -> None:
        """Whatever happened: nothing paused, the local game stopped (the remote is shared)."""
        for process in (self.local.process, self.remote.server.process):
            if process is not None and process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
        self.local.stop()
        self.proxy.close()
        for api in (self._api, self._remote_api):
            if api is not None:
                api.close()

    # --- the schedule ---

    def execute(self) -> RunResult:
        started = time.monotonic()
        self.start()
        rng = self.rng
        play(self.remote_api, rng, rng.randrange(3))
        if rng.random() < 0.5:  # played offline before linking: uploaded, or a choice
            play(self.api, rng, rng.randrange(1, 4))
        body: dict[str, Any] = {"url": self.proxy.url, "interval_seconds": 3600}
        key = {"X-Remote-Api-Key": self.key}
        asked = self.api.call("POST", "sync/link", body, **key)
        if asked.status_code == 409:  # both games have rows (not only cats): the player chooses
            assert "choice" in asked.json()["error"]["details"], asked.text
            body["keep"] = rng.choice(["remote", "local"])
            asked = self.api.call("POST", "sync/link", body, **key)
        assert asked.status_code == 200, f"link: {asked.status_code} {asked.text}"
        link = asked.json()["data"]
        client_id = link["remote"]["client_id"]
        for _ in range(self.result.steps):
            roll = rng.random()
            if roll < 0.3:
                play(self.api, rng, rng.randrange(1, 5))
            elif roll < 0.4:
                play(self.remote_api, rng, rng.randrange(1, 3))
            elif roll < 0.45:
                self.proxy.partitioned = not self.proxy.partitioned
                self.count("partition")
            else:
                self.proxy.fault_rate = rng.choice([0.0, 0.2, 0.5])
                self.sync_step(rng.choice(SYNC_FAULTS))
        self.heal()
        self.final_checks(client_id)
        for name, n in self.proxy.counts.items():
            self.result.faults[f"proxy-{name}"] = n
        self.result.seconds = round(time.monotonic() - started, 2)
        return self.result

    def sync(self) -> httpx.Response | None:
        """One `sync/run` of the local game; None when the local process died under it."""
        self.result.syncs += 1
        try:
            response = self.api.call("POST", "sync/run", **{"X-Remote-Api-Key": self.key})
        except httpx.TransportError:
            return None
        self.judge(response)
        return response

    def judge(self, response: httpx.Response) -> None:
        body = response.json()
        if response.status_code == 200:
            report = body["data"]["report"]
            if report["agreed"] is False or report["repulled"]:
                self.result.disagreeing.append(f"sync {self.result.syncs}: {report}")
            return
        code = body.get("error", {}).get("code")
        assert (response.status_code, code) == (503, "REMOTE_UNREACHABLE"), (
            f"a sync under faults failed otherwise than 'unreachable': {response.text}"
        )

    def sync_step(self, fault: str | None) -> None:
        if fault is None:
            self.sync()
            return
        self.count(fault)
        target = self.local if fault.endswith("client") else self.remote.server
        assert target.process is not None
        pid = target.process.pid
        answer: list[httpx.Response | None] = []
        syncing = threading.Thread(target=lambda: answer.append(self.sync()), daemon=True)
        syncing.start()
        time.sleep(self.rng.uniform(0.0, 0.25))
        if fault.startswith("pause"):
            os.kill(pid, signal.SIGSTOP)
            long = self.rng.random() < 0.3  # past the client's timeout
            time.sleep(CLIENT_TIMEOUT + 0.5 if long else self.rng.uniform(0.05, 0.8))
            os.kill(pid, signal.SIGCONT)
            syncing.join(120)
        else:
            target.kill()
            syncing.join(120)
            if target is self.local:
                self.local.start(**LOCAL_ENV)
                self.api.close()
                self._api = local_client(self.local)
            else:
                self.remote.start()
        assert not syncing.is_alive(), f"a sync did not end after {fault}"

    def heal(self) -> None:
        self.proxy.partitioned = False
        self.proxy.fault_rate = 0.0
        self.remote.ensure_running()

    # --- the checks ---

    def final_checks(self, client_id: str) -> None:
        status: dict[str, Any] = {}
        for _ in range(FINAL_SYNCS):
            response = self.sync()
            status = self.api.ok("GET", "sync/status")
            if response is not None and response.status_code == 200 and not status["pending"]:
                break
            time.sleep(0.2)
        result = self.result
        result.stuck = int(status["pending"])
        result.queued = int(status["next_mutation_id"]) - 1
        outcomes = [row[0] for row in self.remote.query(OUTCOMES_SQL, (client_id,))]
        statuses = dict(self.remote.query(OUTCOMES_SQL, (client_id,)))
        applied = [row[0] for row in self.remote.query(APPLIED_SQL, (client_id,))]
        expected = set(range(1, result.queued + 1))
        result.lost = sorted(
            (expected - set(outcomes))
            | {i for i, s in statuses.items() if s == "applied" and i not in applied}
        )
        result.duplicated = sorted(
            {i for i in outcomes if outcomes.count(i) > 1 or i not in expected}
            | {i for i in applied if applied.count(i) > 1 or statuses.get(i) != "applied"}
        )
        rejected = self.remote.query(REJECTED_SQL, (client_id,))
        result.crashed = [i for i, error in rejected if "INTERNAL_SERVER_ERROR" in error]
        agreement = status["agreement"]
        if agreement["mismatches"] or agreement["agreed"] is False:
            result.disagreeing.append(f"status: {agreement}")
        for what, read in _views().items():
            mine, theirs = read(self.api), read(self.remote_api)
            if mine != theirs:
                result.disagreeing.append(f"{what}: local {mine} != remote {theirs}")


def _views() -> dict[str, Callable[[Client], Any]]:
    return {
        "cats": lambda api: sorted(
            (c["id"], c["name"], c["version"]) for c in api.ok("GET", "cats?limit=1000")
        ),
        "wallet": lambda api: api.ok("GET", "economy/balance"),
    }
