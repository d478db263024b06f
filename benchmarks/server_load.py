"""Server load benchmark: purrr against a bare FastAPI hello-world, driven by wrk, in the same run.

Starts four servers on loopback as subprocesses: a fixed-response asyncio server (wrk's
ceiling: what wrk can drive at all on this machine), a bare FastAPI hello-world on uvicorn (the
floor every FastAPI app pays), the write floor (`benchmarks/write_floor.py`: a bare FastAPI app
running the statements of purrr's write on the same database, and nothing else), and the hosted
purrr server (`--hosted --no-rate-limit`, API key auth, one player with 20 cats). It first checks that wrk is not the bottleneck: wrk must drive the
ceiling server at least 1.2x faster than the hello-world (or, failing that, agree with itself at 1
and 2 threads within 20 %); otherwise it prints the figures but refuses to print ratios.

Then, per run, with 32 connections: the hello-world, an authenticated `GET /api/v1/cats/{id}`,
`GET /api/v1/cats` (20 cats), an always-valid write through the whole action path
(`PUT /api/v1/cats/{id}` with a unique `Idempotency-Key` per request, generated in wrk's Lua), the
same requests to the write floor (what the write's statements cost with no purrr code: the last
line compares the write with it), and a mixed run (the cat read measured while writes run on 8 more connections). Each scenario runs
in 3 slices alternating with slices of the hello-world, and its ratio is to those hello-world
slices: the machine's load from other processes changes by the second, and interleaving makes
both sides see the same load. It prints req/s, p50 (mean of the slices), p99 (worst slice) and
errors for each, the hello-world figure it is compared with, and the ratio.

Examples:

    python benchmarks/server_load.py                       # 3 runs of 8 s per scenario, SQLite
    python benchmarks/server_load.py --runs 1 --duration 5
    python benchmarks/server_load.py --database sqlite,postgresql   # both, the same table each
    python benchmarks/server_load.py --database postgresql://purrr@/purrr   # an existing database
    python benchmarks/server_load.py --json                # one JSON object per result line

`--database postgresql` starts a throw-away PostgreSQL 15 cluster the way the tests do
(tests/postgres.py: Unix socket, fsync and synchronous_commit off, so a commit costs what a
SQLite commit with synchronous=NORMAL costs: no disk flush) and removes it afterwards; it needs
the `postgresql` package (`apt-get install -y postgresql`).

Exit codes: 0 every goal met; 1 a goal missed or a write failed; 2 wrk or PostgreSQL is missing
or a server did not start; 3 wrk could not saturate the hello-world (no ratios reported).

Needs wrk (Debian/Ubuntu: `apt-get install -y wrk`; macOS: `brew install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
HELLO_APP = """
import uvicorn
from fastapi import FastAPI
app = FastAPI()

@app.get("/")
async def hello():
    return {"message": "hello world"}

uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False,
            server_header=False)
"""
#: wrk's ceiling: a keep-alive HTTP/1.1 server that answers every GET with the same bytes.
CEILING_APP = """
import asyncio

RESPONSE = (b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\n"
            b"content-length: 25\\r\\n\\r\\n" + b'{"message":"hello world"}')

class Fixed(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        count = self.buffer.count(b"\\r\\n\\r\\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\\r\\n\\r\\n") + 4:]
            self.transport.write(RESPONSE * count)

async def main():
    server = await asyncio.get_running_loop().create_server(Fixed, "127.0.0.1", {port})
    await server.serve_forever()

asyncio.run(main())
"""
GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"
CATS = 20
#: Ratio goals (docs/architecture.md, "Performance").
GOALS = {"GET cat": 0.5, "GET cats (20)": 0.3, "PUT cat (write)": 0.35}
WRITE = "PUT cat (write)"
WRITE_FLOOR = "PUT, write floor (bare)"
#: The write's p99 goal, milliseconds.
WRITE_P99_MS = 50.0
#: Each scenario is measured in this many slices, alternating with slices of the hello-world.
SLICES = 3
#: Connections writing during the mixed run (the reads keep --connections), and their line.
MIXED_WRITERS = 8
MIXED_WRITES = f"  the writes ({MIXED_WRITERS} conn.)"
#: The generator is not the bottleneck when it drives the ceiling server this much faster.
HEADROOM = 1.2
#: A slice with fewer requests per connection than this has a p99 that includes its
#: connections' starts: each slice opens its connections at once, and plain uvloop (libuv >=
#: 1.45; the hello-world's and the write floor's loop) accepts one connection per turn of the
#: event loop, so under load the last of 32 new connections waits ~32 turns for its first
#: answer (purrr's served loop accepts them at once: docs/architecture.md, "Performance").
STEADY_PER_CONNECTION = 200

LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"status\\":%d,\\"socket\\":%d,"
    .. "\\"p50_us\\":%d,\\"p99_us\\":%d}\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""
LUA_GET = (
    """
wrk.method = "GET"
wrk.headers["X-API-Key"] = "@KEY@"
"""
    + LUA_DONE
)
#: Every request a new Idempotency-Key (run tag, thread number, counter) and the next cat.
LUA_WRITE = (
    """
local cats = {@CATS@}
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
function request()
  counter = counter + 1
  local cat = cats[(counter % #cats) + 1]
  return wrk.format("PUT", "/api/v1/cats/" .. cat, {
    ["X-API-Key"] = "@KEY@",
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "@TAG@-" .. thread_number .. "-" .. counter,
  }, '{"description":"edited by the load test, request ' .. counter .. '"}')
end
"""
    + LUA_DONE
)


def fill(script: str, **values: str) -> str:
    """`script` with each `@NAME@` replaced by `values["name"]`."""
    for name, value in values.items():
        script = script.replace(f"@{name.upper()}@", value)
    return script


@dataclass
class Result:
    scenario: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    #: CPU time the server process spent meanwhile (Linux: /proc), None when unknown
    cpu_seconds: float | None = None
    #: Requests per connection in the shortest slice (None: one wrk run, not slices)
    per_connection: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_us(self) -> float | None:
        """Server CPU per request, microseconds: unlike req/s, barely moved by other
        processes taking turns on the machine's cores."""
        if self.cpu_seconds is None or not self.requests:
            return None
        return self.cpu_seconds / self.requests * 1e6


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` and its threads so far (None off Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(pid: int, run: Callable[[], Result]) -> Result:
    """`run()` with the CPU time process `pid` spent during it."""
    before = cpu_seconds(pid)
    result = run()
    after = cpu_seconds(pid)
    if before is not None and after is not None:
        result.cpu_seconds = after - before
    return result


class BenchError(Exception):
    """A setup failure: the message says what to do; exit code 2."""


def find_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchError(
            "wrk not found on PATH: install it (Debian/Ubuntu: `apt-get install -y wrk`, "
            "macOS: `brew install wrk`) and run again"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server for {url} exited with code {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise BenchError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def running(
    argv: list[str], url: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    process = subprocess.Popen(argv, env=env)
    try:
        wait_up(url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def python_script(source: str, port: int) -> list[str]:
    return [sys.executable, "-c", source.replace("{port}", str(port))]


def purrr_argv(port: int, data_dir: Path) -> list[str]:
    argv = [sys.executable, "-m", "purrr_server", "--data-dir", str(data_dir), "--port", str(port)]
    return argv + ["--hosted", "--no-rate-limit", "--log-level", "warning"]


def prepare_player(base: str) -> tuple[str, list[int]]:
    """Register a player, create an API key, adopt 20 cats; return the key and the cats' ids."""
    tag = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=base, timeout=60) as c:

        def post(path: str, body: dict[str, object], **headers: str) -> dict[str, object]:
            response = c.post(
                path, json=body, headers={"Idempotency-Key": uuid.uuid4().hex, **headers}
            )
            if response.status_code >= 300:
                raise BenchError(f"setup: POST {path} answered {response.text[:300]}")
            data: dict[str, object] = response.json()["data"]
            return data

        user = {"username": f"bench{tag}", "email": f"bench{tag}@example.com"}
        post("/api/v1/auth/register", {**user, "password": "benchmark password"})
        login = post(
            "/api/v1/auth/login", {"username": user["username"], "password": "benchmark password"}
        )
        bearer = f"Bearer {login['access_token']}"
        key = str(post("/api/v1/keys", {"name": "load test"}, Authorization=bearer)["key"])
        cats = [
            int(
                str(
                    post(
                        "/api/v1/cats",
                        {"name": f"Bench {n}", "personality_type": "playful", "genotype": GENOTYPE},
                        **{"X-API-Key": key},
                    )["id"]
                )
            )
            for n in range(CATS)
        ]
    return key, cats


class Wrk:
    def __init__(self, binary: str, duration: float, workdir: Path) -> None:
        self.binary = binary
        self.duration = duration
        self.workdir = workdir

    def script(self, text: str) -> Path:
        path = self.workdir / f"{uuid.uuid4().hex}.lua"
        path.write_text(text)
        return path

    def start(
        self,
        url: str,
        script: str,
        connections: int,
        threads: int = 1,
        duration: float | None = None,
    ) -> subprocess.Popen[str]:
        seconds = max(1, round(duration or self.duration))
        argv = [
            self.binary,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
        ]
        argv += ["-s", str(self.script(script)), url]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def collect(name: str, process: subprocess.Popen[str]) -> Result:
        out, err = process.communicate()
        for line in out.splitlines():
            if line.startswith("BENCH_JSON "):
                data = json.loads(line.removeprefix("BENCH_JSON "))
                return Result(
                    name,
                    data["requests"],
                    data["duration_us"] / 1e6,
                    data["status"] + data["socket"],
                    data["p50_us"] / 1000,
                    data["p99_us"] / 1000,
                )
        raise BenchError(f"wrk gave no result for {name}: {err.strip() or out.strip()}")

    def run(self, name: str, url: str, script: str, connections: int, threads: int = 1) -> Result:
        self.start(url, "", connections, threads, 1).communicate()  # warm up
        return self.collect(name, self.start(url, script, connections, threads))


@dataclass
class Run:
    database: str
    ceiling: Result
    hello_t1: Result
    hello_t2: Result
    results: list[Result]
    #: scenario → the hello-world measured in the slices interleaved with it
    floors: dict[str, Result]

    @property
    def hello(self) -> Result:
        distinct = {id(floor): floor for floor in self.floors.values()}
        return merge("hello-world", list(distinct.values()))

    @property
    def saturating(self) -> bool:
        """Whether wrk, not the server, limits the hello-world figure: no when wrk drives the
        fixed-bytes server HEADROOM times faster, or wrk -t1 and -t2 agree within 20 %."""
        if self.ceiling.rps >= HEADROOM * self.hello_t1.rps:
            return True
        return abs(self.hello_t2.rps - self.hello_t1.rps) <= 0.2 * self.hello_t1.rps

    def ratio(self, result: Result) -> float:
        floor = self.floors.get(result.scenario, self.hello)
        return result.rps / floor.rps

    def cpu_ratio(self, result: Result) -> float | None:
        """The hello-world's CPU per request over this scenario's (the throughput ratio a
        server would reach on a core of its own)."""
        floor = self.floors.get(result.scenario, self.hello)
        if result.cpu_us is None or floor.cpu_us is None:
            return None
        return floor.cpu_us / result.cpu_us


def merge(name: str, parts: list[Result], connections: int = 0) -> Result:
    """Slices of one scenario as one result: requests, time, errors and CPU add up; p50 is
    the slices' mean, p99 the worst slice's (with `connections`, each slice's wrk
    connections, it also keeps the fewest requests per connection of a slice)."""
    cpu = [p.cpu_seconds for p in parts]
    return Result(
        name,
        sum(p.requests for p in parts),
        sum(p.seconds for p in parts),
        sum(p.errors for p in parts),
        sum(p.p50_ms for p in parts) / len(parts),
        max(p.p99_ms for p in parts),
        None if None in cpu else sum(c or 0.0 for c in cpu),
        min(p.per_connection or p.requests / connections for p in parts) if connections else None,
    )


def interleaved(
    wrk: Wrk,
    hello: tuple[str, int],
    connections: int,
    scenario: Callable[[float], list[Result]],
) -> tuple[Result, list[Result]]:
    """Run `scenario` in SLICES slices alternating with slices of the hello-world, so that both
    see the same machine load (other processes come and go): the ratio compares like with like."""
    seconds = max(1.0, wrk.duration / SLICES)
    floors: list[Result] = []
    slices: list[list[Result]] = []
    hello_url, hello_pid = hello
    for _ in range(SLICES):
        floors.append(
            timed(
                hello_pid,
                lambda: wrk.collect(
                    "hello-world", wrk.start(hello_url, LUA_DONE, connections, duration=seconds)
                ),
            )
        )
        slices.append(scenario(seconds))
    merged = [
        merge(part[0].scenario, list(part), slice_connections(part[0].scenario, connections))
        for part in zip(*slices, strict=True)
    ]
    return merge("hello-world", floors, connections), merged


def slice_connections(scenario: str, connections: int) -> int:
    """The wrk connections a slice of `scenario` opens."""
    return MIXED_WRITERS if scenario == MIXED_WRITES else connections


def one_run(
    wrk: Wrk,
    hello: tuple[str, int],
    ceiling_url: str,
    purrr: tuple[str, int],
    write_floor: tuple[str, int],
    key: str,
    cats: list[int],
    label: str,
    connections: int,
) -> Run:
    ceiling = wrk.run("ceiling (fixed bytes)", ceiling_url, LUA_DONE, connections)
    hello_url = hello[0]
    base, purrr_pid = purrr
    hello_t1 = wrk.run("hello-world", hello_url, LUA_DONE, connections)
    hello_t2 = wrk.run("hello-world, wrk -t2", hello_url, LUA_DONE, connections, threads=2)
    get = fill(LUA_GET, key=key)
    one_cat = f"{base}/api/v1/cats/{cats[0]}"
    ids = ",".join(map(str, cats))

    def single(
        name: str, url: str, script: Callable[[], str], pid: int = purrr_pid
    ) -> Callable[[float], list[Result]]:
        def go(seconds: float) -> list[Result]:
            process = wrk.start(url, script(), connections, duration=seconds)
            return [timed(pid, lambda: wrk.collect(name, process))]

        return go

    def write_script(cat_ids: str = ids) -> str:  # a new tag per slice: a new key per request
        return fill(LUA_WRITE, key=key, cats=cat_ids, tag=uuid.uuid4().hex[:12])

    floor_ids = ",".join(str(n) for n in range(1, CATS + 1))

    def mixed(seconds: float) -> list[Result]:
        writes = wrk.start(base, write_script(), MIXED_WRITERS, duration=seconds)
        reads = wrk.start(one_cat, get, connections, duration=seconds)
        return [
            wrk.collect("GET cat, writes running", reads),
            wrk.collect(MIXED_WRITES, writes),
        ]

    wrk.start(one_cat, get, connections, duration=1).communicate()  # warm up
    scenarios = [
        single("GET cat", one_cat, lambda: get),
        single("GET cats (20)", f"{base}/api/v1/cats", lambda: get),
        single(WRITE, base, write_script),
        single(WRITE_FLOOR, write_floor[0], lambda: write_script(floor_ids), write_floor[1]),
        mixed,
    ]
    results: list[Result] = []
    floors: dict[str, Result] = {}
    for scenario in scenarios:
        floor, measured = interleaved(wrk, hello, connections, scenario)
        for result in measured:
            results.append(result)
            floors[result.scenario] = floor
    return Run(label, ceiling, hello_t1, hello_t2, results, floors)


@contextmanager
def database_url(database: str) -> Iterator[str | None]:
    """The PURRR_DATABASE_URL for `database`: None for "sqlite" (the data dir's file), a URL as
    given, or for "postgresql" a database in a throw-away cluster, stopped and removed after."""
    if database == "sqlite":
        yield None
        return
    if database.startswith(("postgresql://", "postgres://")):
        yield database
        return
    sys.path.insert(0, str(ROOT))
    from tests.postgres import Cluster

    try:
        cluster = Cluster()
    except RuntimeError as exc:  # no initdb: the message says how to install it
        raise BenchError(str(exc)) from None
    try:
        try:
            cluster.start()
            url = cluster.new_database()
        except RuntimeError as exc:
            raise BenchError(f"the throw-away PostgreSQL cluster did not start: {exc}") from None
        yield url
    finally:
        cluster.stop()


def measure(wrk: Wrk, runs: int, connections: int, database: str, workdir: Path) -> list[Run]:
    hello_port, ceiling_port, purrr_port = free_port(), free_port(), free_port()
    floor_port = free_port()
    floor_base = f"http://127.0.0.1:{floor_port}"
    hello_url = f"http://127.0.0.1:{hello_port}/"
    ceiling_url = f"http://127.0.0.1:{ceiling_port}/"
    base = f"http://127.0.0.1:{purrr_port}"
    label = "sqlite" if database == "sqlite" else "postgresql"
    data_dir = workdir / f"data-{label}"
    out: list[Run] = []
    with (
        database_url(database) as url,
        running(python_script(CEILING_APP, ceiling_port), ceiling_url),
        running(python_script(HELLO_APP, hello_port), hello_url) as hello,
        running(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "write_floor.py"),
                *("--port", str(floor_port), "--database", url or str(workdir / "floor.db")),
            ],
            f"{floor_base}/openapi.json",
        ) as floor,
        running(
            purrr_argv(purrr_port, data_dir),
            f"{base}/health/live",
            {"PURRR_DATABASE_URL": url} if url else None,
        ) as purrr,
    ):
        key, cats = prepare_player(base)
        for _ in range(runs):
            out.append(
                one_run(
                    wrk,
                    (hello_url, hello.pid),
                    ceiling_url,
                    (base, purrr.pid),
                    (floor_base, floor.pid),
                    key,
                    cats,
                    label,
                    connections,
                )
            )
            print_run(out[-1])
    return out


def print_run(run: Run) -> None:
    print(
        f"\n[{run.database}] generator: ceiling {run.ceiling.rps:.0f} req/s, hello-world "
        f"{run.hello_t1.rps:.0f} (wrk -t1) / {run.hello_t2.rps:.0f} (wrk -t2) req/s: "
        + ("wrk is not the bottleneck" if run.saturating else "wrk may be the bottleneck"),
        file=sys.stderr,
    )
    print(
        f"{'scenario':26} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'hello':>6} {'ratio':>6} {'CPU us':>7} {'CPU ratio':>9}"
    )
    for r in [run.hello, *run.results]:
        cpu = f"{r.cpu_us:7.0f}" if r.cpu_us is not None else "      -"
        cpu_ratio = run.cpu_ratio(r)
        by_cpu = f"{cpu_ratio:9.2f}" if cpu_ratio is not None else "        -"
        floor = run.floors.get(r.scenario, run.hello).rps
        ratio = f"{run.ratio(r):6.2f}" if run.saturating else "     -"
        goal = GOALS.get(r.scenario)
        verdict = (
            ""
            if goal is None or not run.saturating
            else (" ok" if run.ratio(r) >= goal else f" < {goal}")
        )
        starts = "*" if starts_in_p99(r) else " "
        print(
            f"{r.scenario:26} {r.rps:7.0f} {r.p50_ms:7.2f} {r.p99_ms:7.2f}{starts}{r.errors:5d} "
            f"{floor:6.0f} {ratio} {cpu} {by_cpu}{verdict}"
        )
    if any(starts_in_p99(r) for r in run.results):
        print(
            f"* fewer than {STEADY_PER_CONNECTION} requests per connection in a slice: its p99"
            " includes the first answers on its new connections (plain uvloop lets them in one"
            " per turn of a loaded loop); a longer --duration gives the steady-state p99"
        )
    rps, floor_cpu = against_floor(run)
    by_cpu = f", {floor_cpu:.2f}x by CPU" if floor_cpu is not None else ""
    print(f"the write against the write floor: {rps:.2f}x by req/s{by_cpu}")


def starts_in_p99(result: Result) -> bool:
    """Whether `result`'s p99 includes its connections' starts (STEADY_PER_CONNECTION)."""
    return result.per_connection is not None and result.per_connection < STEADY_PER_CONNECTION


def against_floor(run: Run) -> tuple[float, float | None]:
    """The write's throughput over the write floor's, measured and by CPU per request."""
    write = next(r for r in run.results if r.scenario == WRITE)
    floor = next(r for r in run.results if r.scenario == WRITE_FLOOR)
    by_cpu = floor.cpu_us / write.cpu_us if floor.cpu_us is not None and write.cpu_us else None
    return write.rps / floor.rps if floor.rps else 0.0, by_cpu


def summarize(runs: list[Run]) -> int:
    """Ranges over the runs; the exit code (0 goals met, 1 missed, 3 generator-bound)."""
    if not all(r.saturating for r in runs):
        print(
            "wrk could not saturate the hello-world in every run: no ratios reported",
            file=sys.stderr,
        )
        return 3
    failed = False
    print(
        f"\n{'summary (min-max over runs)':36} {'req/s':>13} {'ratio':>11} {'p99 ms':>13} "
        f"{'errors':>6} {'CPU ratio':>11}"
    )
    for database in dict.fromkeys(r.database for r in runs):
        mine = [r for r in runs if r.database == database]
        names = ["hello-world", *[x.scenario for x in mine[0].results]]
        for name in names:
            picked = [
                (
                    r,
                    r.hello
                    if name == "hello-world"
                    else next(x for x in r.results if x.scenario == name),
                )
                for r in mine
            ]
            rps = [x.rps for _, x in picked]
            ratios = [r.ratio(x) for r, x in picked]
            p99 = [x.p99_ms for _, x in picked]
            starts = "*" if any(starts_in_p99(x) for _, x in picked) else ""
            worst_p99 = f"{max(p99):.1f}{starts}"
            errors = sum(x.errors for _, x in picked)
            by_cpu = [c for c in (r.cpu_ratio(x) for r, x in picked) if c is not None]
            cpu_range = f"{min(by_cpu):5.2f}-{max(by_cpu):<5.2f}" if by_cpu else "-"
            print(
                f"[{database}] {name:26} {min(rps):6.0f}-{max(rps):<6.0f} "
                f"{min(ratios):5.2f}-{max(ratios):<5.2f} {min(p99):6.1f}-{worst_p99:<7}"
                f"{errors:5d} {cpu_range}"
            )
            goal = GOALS.get(name)
            failed |= goal is not None and min(ratios) < goal
            if "write" in name:
                failed |= errors > 0
            if name == WRITE:
                failed |= max(p99) >= WRITE_P99_MS
        floors = [against_floor(r) for r in mine]
        cpus = [c for _, c in floors if c is not None]
        cpu_range = f", {min(cpus):.2f}-{max(cpus):.2f} by CPU" if cpus else ""
        print(
            f"[{database}] the write against the write floor: "
            f"{min(f for f, _ in floors):.2f}-{max(f for f, _ in floors):.2f} by req/s{cpu_range}"
        )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=__doc__[__doc__.index("Examples:") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=3, help="measurements per database (default 3)")
    parser.add_argument(
        "--duration", type=float, default=8, help="seconds per scenario (default 8)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument(
        "--database",
        default="sqlite",
        metavar="DB[,DB]",
        help="the databases to measure, in order: sqlite (default), postgresql (a throw-away "
        "cluster) or a postgresql:// URL; comma-separated for several",
    )
    parser.add_argument("--json", action="store_true", help="print every result as JSON lines too")
    args = parser.parse_args()
    databases = [d.strip() for d in args.database.split(",") if d.strip()]
    unknown = [
        d
        for d in databases
        if d not in ("sqlite", "postgresql") and not d.startswith(("postgresql://", "postgres://"))
    ]
    if unknown or not databases:
        parser.error(
            f"--database: unknown {', '.join(unknown) or 'nothing'}; "
            "give sqlite, postgresql or a postgresql:// URL"
        )
    try:
        wrk = Wrk(find_wrk(), args.duration, Path())
        with tempfile.TemporaryDirectory() as tmp:
            wrk.workdir = Path(tmp)
            runs = []
            for database in databases:
                runs += measure(wrk, args.runs, args.connections, database, Path(tmp))
    except BenchError as exc:
        print(f"server_load: {exc}", file=sys.stderr)
        return 2
    if args.json:
        for run in runs:
            for r in [run.ceiling, run.hello_t1, run.hello_t2, *run.results]:
                print(json.dumps({"database": run.database, **asdict(r), "rps": r.rps}))
    return summarize(runs)


if __name__ == "__main__":
    sys.exit(main())
