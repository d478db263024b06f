"""Write throughput for many players: one server process vs two on the same database, with the
CPU each process spent per request, so that the ratio can be explained and not only read.

Starts two hosted servers on one database at once: `--workers 1` and `--workers 2` (rate limits
on, with a limit no run reaches, so the shared counters are part of the cost). It registers
`--players` players with a cat each, then drives `POST /api/v1/cats/{id}/feed` with wrk: every
request a write of one of the players, each with its own Idempotency-Key; each wrk thread starts
at its own offset in the player list, so the requests in flight at once are for different players
(no two wait on one player's row lock). The two servers are measured in turn, `--rounds` times,
alternating which goes first, so both see the same machine (other people's work comes and goes).

How to read it. Each run prints req/s, p50/p99, and the CPU spent per request by each server
worker (`w1`, `w2`), by PostgreSQL (every process of the cluster: the backends running the
statements, the WAL writer…), by wrk, and by everything else on the machine (`other`: other
people's work, as µs per request of this run), and how many cores were busy. The summary names
S (the server's CPU per request, all workers), P (PostgreSQL's), G (wrk's) and two bounds:

- `N/S`: what N workers can serve when each has a core of its own;
- `C/(S+P+G)`: what the C cores left free by others can serve, every request costing S + P + G
  on them (the limit of a small machine that runs the database and the load generator too).

Req/s sits at or below the smaller bound. One worker is limited by its own core (N/S) as long
as P + G < S; then two workers on C = 2 free cores serve at most 2S/(S+P+G) times as much
(the second worker brings its PostgreSQL work onto the same two cores). With the figures of
docs/hosting.md (S ≈ 2.5 ms, P ≈ 1.2 ms per feed) that is about 1.3×, and
the rest of the machine's load comes off it: `other` says how many cores someone else took during the run. Compare rounds
only when it is small. Two uneven workers (`w1` far from `w2`: wrk's connections are kept and
were not split evenly when accepted) lower the two-worker figure too.

The database is a throw-away PostgreSQL 15 cluster (tests/postgres.py: Unix socket, fsync off)
unless `--database URL` names one (then PostgreSQL's CPU is not measured: it may be elsewhere);
`--database sqlite` runs the same on one SQLite file.

    python benchmarks/multiworker.py [--players 256] [--seconds 5] [--rounds 3] [--connections 32]
    python benchmarks/multiworker.py --database sqlite --rounds 2
    python benchmarks/multiworker.py --json          # one JSON object per run too

Exit codes: 0 done with no failed request; 1 some request failed; 2 wrk or PostgreSQL missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
GENOTYPE = "o/Y B/B D/d dm/dm A/a Mc/mc ta/ta sp/sp w/w C/C I/i Wb/wb L/l"
PASSWORD = "benchmark password"
CLOCK = os.sysconf("SC_CLK_TCK")

#: Each thread walks the players from its own offset; every request has a new key.
LUA = """
local players = @PLAYERS@
local threads = 0
local counter = 0
local offset = 0
local thread_number = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  offset = math.floor((thread_number - 1) * #players / @THREADS@)
end

request = function()
  counter = counter + 1
  local p = players[((offset + counter) % #players) + 1]
  return wrk.format("POST", "/api/v1/cats/" .. p[2] .. "/feed", {
    ["Authorization"] = "Bearer " .. p[1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "@RUN@-" .. thread_number .. "-" .. counter,
  }, '{"food_item":"catnip"}')
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    data_dir: Path, database: str | None, workers: int, port: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PURRR_TIER_LIMITS": json.dumps({"free": 10**9}),
        "PURRR_ARGON2_TIME_COST": "1",
        "PURRR_ARGON2_MEMORY_KIB": "256",
    }
    if database:
        env["PURRR_DATABASE_URL"] = database
    command = [sys.executable, "-m", "purrr_server", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--hosted", "--workers", str(workers)]
    command += ["--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
    url = f"http://127.0.0.1:{port}/health/ready"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()[-2000:]}")
        try:
            if (
                httpx.get(url, timeout=1).status_code == 200
                and len(server_pids(process.pid)) == workers
            ):
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server did not come up:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def server_pids(pid: int) -> list[int]:
    """The processes serving requests: the server itself (one worker) or its workers (uvicorn's
    supervisor forks them; its own multiprocessing helpers have no socket work to do)."""
    workers = [p for p in children(pid) if b"purrr_server" in _cmdline(p) or _is_worker(p)]
    return workers or [pid]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _is_worker(pid: int) -> bool:
    return b"multiprocessing" in _cmdline(pid) and b"resource_tracker" not in _cmdline(pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of `pid` so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK


def machine_busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / CLOCK


@dataclass
class Snapshot:
    at: float
    machine: float
    workers: dict[int, float]
    postgres: dict[int, float]
    wrk: float


def snapshot(workers: list[int], postmaster: int | None) -> Snapshot:
    pg = [postmaster, *children(postmaster)] if postmaster else []
    return Snapshot(
        time.monotonic(),
        machine_busy_seconds(),
        {p: cpu_seconds(p) for p in workers},
        {p: cpu_seconds(p) for p in pg},
        _children_cpu(),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Run:
    workers: int
    round: int
    rps: float
    p50: str
    p99: str
    failed: int
    seconds: float
    #: CPU µs per request: each worker, PostgreSQL (None when not measured), wrk, the rest
    worker_us: list[float] = field(default_factory=list)
    postgres_us: float | None = None
    wrk_us: float = 0.0
    other_us: float = 0.0
    cores_busy: float = 0.0

    @property
    def server_us(self) -> float:
        return sum(self.worker_us)


def measure(
    workers: int,
    pids: list[int],
    postmaster: int | None,
    run_wrk: Callable[[], dict[str, Any]],
    round_number: int,
) -> Run:
    before = snapshot(pids, postmaster)
    out = run_wrk()
    after = snapshot(pids, postmaster)
    seconds = after.at - before.at
    requests = max(1, out["requests"])

    def per_request(delta: float) -> float:
        return delta / requests * 1e6

    worker_us = [per_request(after.workers[p] - before.workers[p]) for p in pids]
    postgres_us = None
    if postmaster:
        postgres_us = per_request(
            sum(cpu - before.postgres.get(p, 0.0) for p, cpu in after.postgres.items())
        )
    wrk_us = per_request(after.wrk - before.wrk)
    busy = after.machine - before.machine
    ours = (sum(worker_us) + (postgres_us or 0.0) + wrk_us) * requests / 1e6
    return Run(
        workers,
        round_number,
        out["rps"],
        out["p50"],
        out["p99"],
        out["failed"],
        seconds,
        worker_us,
        postgres_us,
        wrk_us,
        per_request(max(0.0, busy - ours)),
        busy / seconds,
    )


def prepare_players(base: str, count: int) -> list[tuple[str, int]]:
    """Register `count` players with one cat each; (token, cat id) of each."""
    players = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for n in range(count):
            name = f"bench{n}"
            c.post(
                "/api/v1/auth/register",
                headers={"Idempotency-Key": f"reg-{n}"},
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            ).raise_for_status()
            login = c.post(
                "/api/v1/auth/login",
                headers={"Idempotency-Key": f"login-{n}"},
                json={"username": name, "password": PASSWORD},
            )
            login.raise_for_status()
            token = login.json()["data"]["access_token"]
            cat = c.post(
                "/api/v1/cats",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"cat-{n}"},
                json={"name": f"Bench{n}", "personality_type": "playful", "genotype": GENOTYPE},
            )
            cat.raise_for_status()
            players.append((token, int(cat.json()["data"]["id"])))
    return players


def wrk(
    url: str, seconds: int, connections: int, threads: int, script: Path | None
) -> dict[str, Any]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    found = re.search(r"(\d+) requests in", out)
    if found is None:
        raise SystemExit(f"wrk gave no result:\n{out}{done.stderr}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    return {
        "requests": int(found.group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": latency.get("50", "-"),
        "p99": latency.get("99", "-"),
        "failed": (int(bad.group(1)) if bad else 0)
        + (sum(int(g) for g in errors.groups()) if errors else 0),
    }


def print_run(run: Run) -> None:
    workers = " ".join(f"{us:5.0f}" for us in run.worker_us)
    pg = f"{run.postgres_us:5.0f}" if run.postgres_us is not None else "    -"
    print(
        f"{run.workers:>7} {run.round:>5} {run.rps:7.0f} {run.p50:>8} {run.p99:>8} "
        f"{run.failed:>6}   {workers:<11} {pg} {run.wrk_us:4.0f} {run.other_us:5.0f} "
        f"{run.cores_busy:5.2f}",
        flush=True,
    )


def summarize(runs: list[Run], cores: int) -> None:
    print()
    by = {w: [r for r in runs if r.workers == w] for w in (1, 2)}
    medians = {w: statistics.median(r.rps for r in rs) for w, rs in by.items()}
    pairs = [two.rps / one.rps for one, two in zip(by[1], by[2], strict=True)]
    print(
        f"median req/s: 1 worker {medians[1]:.0f}, 2 workers {medians[2]:.0f}; "
        f"ratio of medians {medians[2] / medians[1]:.2f} "
        f"(per round: {', '.join(f'{p:.2f}' for p in pairs)})"
    )
    for w, rs in by.items():
        s = statistics.median(r.server_us for r in rs)
        pg = [r.postgres_us for r in rs if r.postgres_us is not None]
        p = statistics.median(pg) if pg else 0.0
        g = statistics.median(r.wrk_us for r in rs)
        other = statistics.median(r.other_us * r.rps for r in rs) / 1e6  # cores others took
        free = max(0.1, cores - other)
        print(
            f"{w} worker{'s' if w > 1 else ' '}: S={s:.0f} µs, P={p:.0f} µs, G={g:.0f} µs per "
            f"request; others took {other:.2f} of {cores} cores. Bounds: N/S "
            f"{w * 1e6 / s:.0f} req/s, C/(S+P+G) {free * 1e6 / (s + p + g):.0f} req/s "
            f"({free:.2f} free cores)"
        )
    s1 = statistics.median(r.server_us for r in by[1])
    pg1 = [r.postgres_us for r in by[1] if r.postgres_us is not None]
    g1 = statistics.median(r.wrk_us for r in by[1])
    total = s1 + (statistics.median(pg1) if pg1 else 0.0) + g1
    one, two = min(1 / s1, cores / total), min(2 / s1, cores / total)
    print(
        f"on {cores} idle cores two workers could serve at most {two / one:.2f}x one worker "
        "(min(N/S, C/(S+P+G)) with the one-worker S, P and G)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        epilog="See the module docstring (and docs/hosting.md) for how to read the table.",
    )
    parser.add_argument("--players", type=int, default=256)
    parser.add_argument("--seconds", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server (default 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk -t (default 1)")
    parser.add_argument(
        "--database", help="a postgresql:// URL, or 'sqlite' (default: a throw-away cluster)"
    )
    parser.add_argument("--json", action="store_true", help="print each run as JSON too")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install -y wrk", file=sys.stderr)
        return 2
    cores = os.cpu_count() or 1
    runs: list[Run] = []
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="purrr-bench-")))
        database: str | None = args.database
        postmaster: int | None = None
        if database is None:
            sys.path.insert(0, str(ROOT))
            from tests.postgres import Cluster

            try:
                cluster = Cluster()
            except RuntimeError as exc:
                print(exc, file=sys.stderr)
                return 2
            stack.callback(cluster.stop)
            cluster.start()
            database = cluster.new_database()
            postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        elif database == "sqlite":
            database = None
        kind = "sqlite" if database is None else "postgresql"
        servers: dict[int, tuple[str, list[int]]] = {}
        for workers in (1, 2):
            port = free_port()
            log = work / f"server-{workers}.log"
            process = start_server(work / "data", database, workers, port, log)
            stack.callback(stop, process)
            servers[workers] = (f"http://127.0.0.1:{port}", server_pids(process.pid))
        players = prepare_players(servers[1][0], args.players)
        lua_players = "{" + ",".join(f'{{"{t}",{c}}}' for t, c in players) + "}"

        def run_wrk(workers: int, seconds: int) -> dict[str, Any]:
            script = work / f"{uuid.uuid4().hex}.lua"
            text = LUA.replace("@PLAYERS@", lua_players).replace("@RUN@", uuid.uuid4().hex[:10])
            script.write_text(text.replace("@THREADS@", str(args.wrk_threads)))
            return wrk(servers[workers][0], seconds, args.connections, args.wrk_threads, script)

        for workers in (1, 2):  # warm up: pools fill, statements get prepared
            run_wrk(workers, 2)
        print(
            f"database: {kind}; {args.players} players, {args.connections} connections, "
            f"wrk -t{args.wrk_threads}, {args.seconds} s per run; {cores} CPUs; "
            f"CPU in µs per request"
        )
        print(
            f"{'workers':>7} {'round':>5} {'req/s':>7} {'p50':>8} {'p99':>8} {'failed':>6}   "
            f"{'w1    w2':<11} {'   pg'} {' wrk'} {'other'} {'cores':>5}"
        )
        for n in range(args.rounds):
            order = (1, 2) if n % 2 == 0 else (2, 1)
            for workers in order:
                pids = servers[workers][1]
                run = measure(
                    workers,
                    pids,
                    postmaster,
                    lambda w=workers: run_wrk(w, args.seconds),  # type: ignore[misc]
                    n + 1,
                )
                runs.append(run)
                print_run(run)
                if args.json:
                    print(json.dumps({"database": kind, **asdict(run)}))
    runs.sort(key=lambda r: (r.round, r.workers))
    summarize(runs, cores)
    return 0 if all(r.failed == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
